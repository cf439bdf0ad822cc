package org.lifeboat.backend;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An {@code sftp:} location, parsed as restic's {@code sftp.ParseConfig} does: {@code
 * sftp:[user@]host:path} (scp-like; no port there) or {@code sftp://[user@]host[:port]/path}
 * (a URL, where {@code //abs/path} is absolute and {@code /rel} relative to the login folder).
 * The path is cleaned as Go's {@code path.Clean}; a path starting with {@code ~} is refused, as
 * restic refuses it.
 *
 * @param user the login name, or null when the location names none (then ~/.ssh/config or the
 *     current user's name applies)
 * @param host the host name or alias (looked up in ~/.ssh/config)
 * @param port the TCP port, or 0 when the location names none
 * @param path the repository folder: absolute, or relative to the login folder
 */
public record SftpLocation(String user, String host, int port, String path) {

    /** The port SSH uses when none is given. */
    static final int DEFAULT_PORT = 22;

    /**
     * The location in one form per place, for telling whether two locations are the same
     * repository: {@code sftp://[user@]host:port/path}, the host in lower case (host names are not
     * case-sensitive), the port 22 when none is given, the path cleaned ({@code //abs} absolute,
     * {@code /rel} relative to the login folder). So {@code sftp:u@h:/p}, {@code sftp://u@h//p} and
     * {@code sftp://u@H:22//p/} are one place. A location without a user stays apart from one with
     * a user (the login may differ); a port from ~/.ssh/config or {@code sftp.args} is not seen.
     *
     * @param location a whole {@code sftp:} location
     * @return its canonical form, or null when it is no valid {@code sftp:} location
     */
    public static String canonical(String location) {
        if (location == null || !location.startsWith("sftp:")) return null;
        SftpLocation l;
        try {
            l = parse(location, location.substring("sftp:".length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
        String host = l.host().toLowerCase(java.util.Locale.ROOT);
        if (host.indexOf(':') >= 0) host = "[" + host + "]"; // IPv6
        return "sftp://" + (l.user() == null ? "" : l.user() + "@") + host + ":" + (l.port() == 0 ? DEFAULT_PORT : l.port())
                + "/" + l.path();
    }

    /**
     * @param location the whole location, for messages
     * @param spec     what follows {@code sftp:}
     * @throws IllegalArgumentException with one sentence naming the (redacted) location
     */
    static SftpLocation parse(String location, String spec) {
        String shown = Backends.redact(location);
        String user = null;
        String host;
        int port = 0;
        String dir;
        if (spec.startsWith("//")) {
            URI u;
            try {
                u = new URI("sftp:" + spec);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("repository location '" + shown + "' is not a valid sftp:// URL ("
                        + e.getReason() + ")");
            }
            String info = u.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                user = decode(colon < 0 ? info : info.substring(0, colon));
                if (colon >= 0) {
                    throw new IllegalArgumentException("repository location '" + shown + "' holds a password; Lifeboat logs in "
                            + "over SSH with keys only (ssh-agent, ~/.ssh/id_*, or -o sftp.args=\"-i KEY\")");
                }
            }
            host = u.getHost();
            // A port that is no number makes the URI "registry-based" (no host): say what is wrong with it.
            String auth = u.getRawAuthority();
            if (auth != null) {
                String hp = auth.substring(auth.lastIndexOf('@') + 1);
                int colon = hp.lastIndexOf(':');
                if (colon >= 0 && hp.lastIndexOf(']') < colon) {
                    String portText = hp.substring(colon + 1);
                    boolean ok = portText.matches("[0-9]{1,5}") && Integer.parseInt(portText) >= 1 && Integer.parseInt(portText) <= 65535;
                    if (!ok) {
                        throw new IllegalArgumentException("repository location '" + shown + "' gives the port '" + portText
                                + "', which is not a number from 1 to 65535");
                    }
                }
            }
            if (host == null) {
                throw new IllegalArgumentException("repository location '" + shown + "' names no host (sftp://user@host:port//path)");
            }
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            port = Math.max(u.getPort(), 0);
            dir = u.getPath();
            if (dir == null || dir.isEmpty()) {
                throw new IllegalArgumentException("repository location '" + shown + "' names no folder (sftp://user@host:port//abs/path "
                        + "or sftp://user@host:port/relative/path)");
            }
            dir = dir.substring(1);
        } else {
            // user:password@host:path is no scp-like location (restic would take "user" as the host):
            // refuse it without repeating the password.
            if (spec.matches("[^:@/]+:[^@/]*@[^:/]+:.*")) {
                throw new IllegalArgumentException("repository location '" + shown + "' holds a password; Lifeboat logs in "
                        + "over SSH with keys only (ssh-agent, ~/.ssh/id_*, or -o sftp.args=\"-i KEY\")");
            }
            int colon = spec.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("repository location '" + shown + "' names no folder: write sftp:user@host:/abs/path "
                        + "or sftp:user@host:relative/path");
            }
            host = spec.substring(0, colon);
            dir = spec.substring(colon + 1);
            // As restic: user@host, or user@domain@host (the user holds one '@').
            int at = host.lastIndexOf('@');
            if (at >= 0) {
                user = host.substring(0, at);
                host = host.substring(at + 1);
                if (host.isEmpty() || user.indexOf('@') != user.lastIndexOf('@')) {
                    throw new IllegalArgumentException("repository location '" + shown + "' has no valid user@host before the folder");
                }
            }
        }
        if (host.isEmpty()) throw new IllegalArgumentException("repository location '" + shown + "' names no host");
        if (user != null && user.isEmpty()) user = null;
        String p = clean(dir);
        if (p.startsWith("~")) {
            throw new IllegalArgumentException("repository location '" + shown + "' starts its path with ~, which most SFTP servers "
                    + "do not expand; give a relative path instead (relative to the login folder, as restic says)");
        }
        return new SftpLocation(user, host, port, p);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Go's path.Clean: no empty, "." or ".." elements where they can be resolved; "" becomes ".". */
    static String clean(String p) {
        if (p.isEmpty()) return ".";
        boolean abs = p.startsWith("/");
        java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.peekLast().equals("..")) {
                    out.removeLast();
                } else if (!abs) {
                    out.addLast("..");
                }
                continue;
            }
            out.addLast(part);
        }
        String joined = String.join("/", out);
        if (abs) return "/" + joined;
        return joined.isEmpty() ? "." : joined;
    }
}
