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

    /** The current folder, bytes kept (the kernel's name for it, not the JVM's decoding of it). */
    static String cwd() throws IOException {
        return Posix.readlink(Path.of("/proc/self/cwd"));
    }
}
