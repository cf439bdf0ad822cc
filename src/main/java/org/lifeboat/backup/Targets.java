package org.lifeboat.backup;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;

/**
 * Backup targets as given on the command line, turned into absolute paths by string operations
 * only (never through {@link Path}), so that a name in any encoding works whatever the JVM's
 * locale: a Path cannot even be made from "café" when the JVM runs without a locale.
 */
public final class Targets {
    private Targets() {}

    /**
     * The absolute, lexically cleaned path of a target ({@code ..} removes the name before it, as
     * Go's filepath.Clean and restic do), relative targets taken from the current folder.
     *
     * @throws IOException if the current folder cannot be read
     */
    public static String absolute(String target) throws IOException {
        String joined = target.startsWith("/") ? target : cwd() + "/" + target;
        List<String> out = new ArrayList<>();
        for (String c : joined.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!out.isEmpty()) out.remove(out.size() - 1);
                continue;
            }
            out.add(c);
        }
        return "/" + String.join("/", out);
    }

    /**
     * The names under which a target appears at the top of the snapshot: restic keeps the
     * components of the path as given (cleaned), without {@code .} and {@code ..}; none when the
     * target is the current folder.
     */
    static List<String> components(String target) throws IOException {
        if (target.startsWith("/")) {
            String abs = absolute(target);
            return abs.equals("/") ? List.of() : List.of(abs.substring(1).split("/"));
        }
        // Clean the relative path lexically, keeping leading ".." (they are dropped below).
        List<String> out = new ArrayList<>();
        for (String c : target.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..") && !out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                out.remove(out.size() - 1);
                continue;
            }
            out.add(c);
        }
        out.removeIf(c -> c.equals(".."));
        return out;
    }

    /**
     * The metadata of a target itself (lstat), with one clear sentence when it is missing: when the
     * name holds U+FFFD the JVM could not decode the argument in its locale's character set, so the
     * bytes the user typed are lost and the message says how to run instead.
     *
     * @throws IOException with a sentence naming the target when it does not exist or cannot be read
     */
    public static FileMeta check(String target) throws IOException {
        try {
            return Posix.lstat(absolute(target));
        } catch (NoSuchFileException e) {
            if (target.indexOf('\uFFFD') >= 0) {
                throw new NoSuchFileException(target, null, "backup target " + target + " does not exist; its name "
                        + "holds bytes that the Java runtime could not decode in its character set ("
                        + System.getProperty("sun.jnu.encoding", "?") + "), so the name was lost: run Lifeboat "
                        + "through its launcher, or with a UTF-8 locale (LC_ALL=C.UTF-8), or back up the folder above it");
            }
            throw new NoSuchFileException(target, null, "backup target " + target + " does not exist");
        }
    }

    /**
     * Refuses a backup that would silently save a folder target without its contents: restic's
     * patterns match absolute paths, so {@code --iexclude tmp} meant for scratch folders also
     * matches {@code /tmp} above a target {@code /tmp/src}, and everything below it is left out.
     * A folder target is refused when a pattern matches its own path, or when it has entries and
     * every one of them is excluded (by patterns, tag files or size). File targets are always
     * saved (given explicitly, they are never excluded), so they are not checked.
     *
     * @throws IOException with one sentence naming the target, the path and the reason
     */
    public static void checkNotAllExcluded(List<String> targets, Excludes excludes) throws IOException {
        for (String t : targets) {
            String abs = absolute(t);
            FileMeta m;
            try {
                m = Posix.lstat(abs);
            } catch (IOException e) {
                continue; // missing targets have their own message
            }
            if (m.kind() != org.lifeboat.fs.FileKind.DIRECTORY) continue;
            if (excludes.matchesPattern(abs)) {
                throw new IOException("nothing in backup target " + t + " would be saved: " + excludes.reason(abs)
                        + " matches the target's own path " + abs + " (patterns match the absolute path, so one that"
                        + " names a folder above or at the target excludes all of it); anchor the pattern at the"
                        + " root with a leading / or make it more specific");
            }
            List<String> names;
            try (org.lifeboat.fs.Dir d = org.lifeboat.fs.Dir.open(abs)) {
                names = d.list();
                if (names.isEmpty()) continue;
                names.sort(null); // the example named in the message does not depend on the folder's order
                String firstReason = null;
                boolean all = true;
                for (String n : names) {
                    String why = excludes.reason(d.display(n));
                    if (why == null) {
                        all = false;
                        break;
                    }
                    if (firstReason == null) firstReason = d.display(n) + " by " + why;
                }
                if (all) {
                    throw new IOException("nothing in backup target " + t + " would be saved: each of its " + names.size()
                            + " entries is excluded (e.g. " + firstReason + "); check the exclude options");
                }
            } catch (java.nio.file.FileSystemException e) {
                // an unreadable target is the archiver's to report
            }
        }
    }

    /** The current folder, bytes kept (the kernel's name for it, not the JVM's decoding of it). */
    static String cwd() throws IOException {
        return Posix.readlink(Path.of("/proc/self/cwd"));
    }
}
