package org.lifeboat.copy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Whether two repository locations are the same place: what {@code copy} and the plan's
 * {@code copy-to} must refuse (a copy onto itself). Sameness is by place, not by the config's ID: a
 * repository cloned with {@code cp -a} or rsync keeps the ID and is a legitimate target.
 */
public final class Places {
    private Places() {}

    /** A scheme as the backends read one (case-sensitive, as restic's prefixes). */
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

    /**
     * The folder of a local location ({@code /x}, {@code ./x}, {@code local:x}), resolved against
     * {@code base} (null: the working directory) and normalised; null for a remote location or a
     * path that is not valid.
     */
    public static Path localPath(String location, Path base) {
        if (location == null) return null;
        String path = location;
        var m = SCHEME.matcher(location);
        if (m.find()) {
            if (!m.group(1).equals("local")) return null;
            path = location.substring(m.end());
        }
        try {
            Path p = Path.of(path);
            if (!p.isAbsolute()) p = (base == null ? Path.of("") : base).resolve(p);
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * The location as one string per place: a local folder as its absolute real path (when it
     * exists; else normalised), without {@code local:} and trailing slashes; an {@code sftp:} one
     * as the backend's canonical form ({@link org.lifeboat.repository.Locations#canonical}); an {@code s3:} one with its scheme,
     * lower-case host without the default port, and no trailing slashes; a {@code rest:} one without
     * its user information, default port, empty or "." path segments; any other remote one without
     * trailing slashes.
     */
    public static String normalise(String location, Path base) {
        Path p = localPath(location, base);
        if (p != null) {
            try {
                if (Files.exists(p)) p = p.toRealPath();
            } catch (IOException e) {
                // keep the normalised path: the place is judged by its name then
            }
            return p.toString();
        }
        String s = location == null ? "" : location.strip();
        String sftp = org.lifeboat.repository.Locations.canonical(s);
        if (sftp != null) return sftp;
        String s3 = s3(s);
        if (s3 != null) return s3;
        String rest = rest(s);
        if (rest != null) return rest;
        while (s.endsWith("/") && !s.endsWith("//")) s = s.substring(0, s.length() - 1);
        return s;
    }

    /** {@code s3:[scheme://]host[:port]/bucket[/prefix]}: scheme, host and a path of at least a bucket. */
    private static final Pattern S3 = Pattern.compile("s3:(?:(https?)://|//)?([^/]+)/+(.*?)/*");

    /**
     * An {@code s3:} location in one form per place: {@code s3:https://host/bucket/prefix} with the
     * scheme written out (https when none is, as restic), the host in lower case without the
     * scheme's default port (443, 80), and no empty path segments or trailing slashes; null for
     * anything else (then the location is compared as written).
     */
    private static String s3(String location) {
        var m = S3.matcher(location);
        if (!m.matches()) return null;
        String scheme = m.group(1) == null ? "https" : m.group(1);
        String host = m.group(2).toLowerCase(java.util.Locale.ROOT);
        if (host.contains("@")) return null; // credentials are refused by the backend; keep the string
        String defaultPort = scheme.equals("https") ? ":443" : ":80";
        if (host.endsWith(defaultPort)) host = host.substring(0, host.length() - defaultPort.length());
        String path = String.join("/", java.util.Arrays.stream(m.group(3).split("/")).filter(x -> !x.isEmpty()).toList());
        if (path.isEmpty()) return null;
        return "s3:" + scheme + "://" + host + "/" + path;
    }

    /** {@code rest:scheme://[user[:password]@]host[:port][/path]}: the user information ends at the last "@". */
    private static final Pattern REST = Pattern.compile("rest:(https?)://(?:[^/?#]*@)?([^/?#@]+)(/[^?#]*)?");

    /**
     * A {@code rest:} location in one form per place: {@code rest:http://host/repo} without the user
     * and password (one server's repository, whoever logs in), the host in lower case without the
     * scheme's default port, and the path without empty or "." segments (".." taken back) or
     * trailing slashes; null for anything else.
     */
    private static String rest(String location) {
        var m = REST.matcher(location);
        if (!m.matches()) return null;
        String scheme = m.group(1);
        String host = m.group(2).toLowerCase(java.util.Locale.ROOT);
        String defaultPort = scheme.equals("https") ? ":443" : ":80";
        if (host.endsWith(defaultPort)) host = host.substring(0, host.length() - defaultPort.length());
        java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
        for (String seg : (m.group(3) == null ? "" : m.group(3)).split("/")) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.equals("..")) path.pollLast();
            else path.addLast(seg);
        }
        return "rest:" + scheme + "://" + host + "/" + String.join("/", path);
    }

    /**
     * True when {@code a} and {@code b} are the same place: for two existing local folders, the
     * same file ({@link Files#isSameFile}: symlinks, {@code ./A/}, {@code local:} and bind mounts
     * are seen through); otherwise the same {@link #normalise normalised} location.
     *
     * @param base the folder relative local paths are resolved against (null: the working directory)
     */
    public static boolean same(String a, String b, Path base) {
        Path pa = localPath(a, base), pb = localPath(b, base);
        if (pa != null && pb != null && Files.exists(pa) && Files.exists(pb)) {
            try {
                return Files.isSameFile(pa, pb);
            } catch (IOException e) {
                // fall back to the names
            }
        }
        if ((pa == null) != (pb == null)) return false;
        return normalise(a, base).equals(normalise(b, base));
    }
}
