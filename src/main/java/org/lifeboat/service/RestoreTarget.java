package org.lifeboat.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The folder a dashboard restore writes into, judged when it is asked for (the API answers 400
 * with the sentence) and again when the job starts (brk13 #1, #2, brk13b N1, N9, N12, brk13f F1:
 * a symbolic link put in its place meanwhile must not send the restore elsewhere). Every refusal
 * is one sentence that says what is wrong with the path.
 */
public final class RestoreTarget {
    /** A target refused, with the sentence saying why. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** As Linux's own limit (MAXSYMLINKS): more links than this on one path is a loop. */
    private static final int MAX_LINKS = 40;

    private RestoreTarget() {}

    /**
     * Where a path leads: {@code real} with every symbolic link on the way followed (also one that
     * points to nothing); {@code link} the first link on the way that points to nothing, else the
     * first link, and {@code linkTarget} where it points (absolute, as written); both null when the
     * path holds no link. {@code dangling}: {@code link} points to nothing.
     */
    record Reach(Path real, Path link, Path linkTarget, boolean dangling) {}

    /**
     * The target as given, refused (400, one sentence) when it is not an absolute path, holds a
     * control character, reaches a repository of the plan or the state folder (also through a
     * symbolic link that points to nothing yet), leads through a symbolic link to nothing, lies
     * under a file, is a file, or lies where the service may not write.
     *
     * @param target the request's {@code target}
     * @return the target as a path (not resolved: the restore follows links as the OS does)
     * @throws Refused with the sentence
     */
    public static Path check(Service service, String target) throws Refused {
        Path t;
        try {
            t = Path.of(target);
        } catch (InvalidPathException e) {
            boolean raw = target.chars().anyMatch(ch -> Character.isSurrogate((char) ch));
            throw new Refused(raw ? "target holds a name that is not UTF-8: the service restores only into"
                    + " folders whose path is UTF-8; restore into another folder and rename it" : "target is not a path on "
                    + service.host() + (e.getIndex() >= 0 ? " (at character " + (e.getIndex() + 1) + ")" : ""));
        }
        if (target.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new Refused("target holds a control character (a line break, a tab…); give a plain path");
        }
        if (target.isBlank() || !t.isAbsolute()) {
            throw new Refused("target must be an absolute path on " + service.host());
        }
        Reach reach = follow(t);
        if (reach.link() != null) {
            String inside = service.protectedPlace(reach.real());
            if (inside != null) {
                throw new Refused("restore target " + target + " " + through(t, reach) + ", "
                        + (inside.endsWith(HOLDS) ? "which holds " + inside.substring(0, inside.length() - HOLDS.length())
                        : "inside " + inside) + ": a restore there could overwrite what Lifeboat itself keeps; choose a folder elsewhere");
            }
        }
        String inside = service.protectedPlace(t);
        if (inside != null) {
            throw new Refused("restore target " + target + " reaches " + inside + ": a restore there could overwrite"
                    + " what Lifeboat itself keeps; choose a folder elsewhere");
        }
        Path real = reach.real();
        for (Path p : List.of(t.normalize(), real)) {
            for (String kernel : List.of("/proc", "/sys", "/dev")) {
                // by the path too: under them are also tmpfs folders (/dev/shm, /sys/fs/cgroup) and links out (/proc/self/cwd)
                if (p.startsWith(kernel)) {
                    throw new Refused("restore target " + target + " is under " + kernel + ", the kernel's own"
                            + " file systems, not storage: give a folder on a disk");
                }
            }
        }
        if (reach.dangling()) {
            throw new Refused("restore target " + target + " " + through(t, reach) + ", which does not exist;"
                    + " give the folder itself, or make the link point to a folder");
        }
        Path existing = real;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        if (existing == null) existing = real.getRoot();
        if (!Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused(existing.equals(real)
                    ? "restore target " + target + " is a file, not a folder; give the folder to restore into"
                    : "restore target " + target + " cannot be made: " + existing + " is a file, not a folder");
        }
        String kernel = kernelFileSystem(existing);
        if (kernel != null) {
            throw new Refused("restore target " + target + " is on " + kernel + ", the kernel's own file system, not"
                    + " storage: a restore there cannot make files; give a folder on a disk");
        }
        if (!Files.isWritable(existing)) {
            throw new Refused("restore target " + target + " cannot be written: the service may not write in "
                    + existing + " (permission denied, or a read-only file system)");
        }
        return t;
    }

    /** File systems the kernel makes up (proc(5), sysfs(5), devices, control groups): no restore can write there. */
    private static final java.util.Set<String> KERNEL = java.util.Set.of("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2",
            "debugfs", "tracefs", "securityfs", "configfs", "pstore", "bpf", "efivarfs", "fusectl", "mqueue", "hugetlbfs");

    /** The kernel file system {@code p} is on ("sysfs"), or null (a disk, tmpfs, a network share, or it cannot be told). */
    private static String kernelFileSystem(Path p) {
        try {
            String type = Files.getFileStore(p).type();
            return KERNEL.contains(type) ? type : null;
        } catch (IOException | RuntimeException e) {
            return null; // the write itself will say what is wrong
        }
    }

    private static final String HOLDS = ", which lies inside it";

    /** "is a symbolic link to /x" or "leads through the symbolic link /a/l to /x". */
    private static String through(Path t, Reach r) {
        return r.link().equals(t.normalize()) ? "is a symbolic link to " + r.linkTarget()
                : "leads through the symbolic link " + r.link() + " to " + r.linkTarget();
    }

    /**
     * Whether the folder {@code p} leads to holds anything.
     *
     * @throws Refused when it cannot be looked into (one sentence)
     */
    public static boolean nonEmpty(Path p) throws Refused {
        Path real = follow(p).real();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) return false; // nothing there yet (files were refused above)
        try (var s = Files.list(real)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            throw new Refused("restore target " + p + " cannot be looked into: "
                    + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage()));
        }
    }

    /**
     * Follows every symbolic link of the absolute path {@code abs}, as the OS would (a link to
     * nothing included: its target is where a write would go).
     *
     * @throws Refused when its links form a loop
     */
    static Reach follow(Path abs) throws Refused {
        Deque<String> todo = new ArrayDeque<>();
        for (Path part : abs.normalize()) todo.addLast(part.toString());
        Path cur = abs.getRoot();
        Path link = null, linkTarget = null;
        boolean dangling = false;
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.isEmpty() || name.equals(".")) continue;
            if (name.equals("..")) {
                // cur never holds a link: its parent is the real one
                if (cur.getParent() != null) cur = cur.getParent();
                continue;
            }
            Path next = cur.resolve(name);
            Path to = null;
            if (Files.isSymbolicLink(next)) {
                try {
                    to = Files.readSymbolicLink(next);
                } catch (IOException | UnsupportedOperationException e) {
                    to = null; // cannot be read: taken as it stands
                }
            }
            if (to == null) {
                cur = next;
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new Refused("restore target " + abs + " leads through more than " + MAX_LINKS
                        + " symbolic links (a loop?); give the folder itself");
            }
            boolean toNothing = !Files.exists(next);
            if (link == null || toNothing && !dangling) {
                link = next;
                linkTarget = cur.resolve(to).normalize();
                dangling = toNothing;
            }
            List<String> parts = new ArrayList<>();
            for (Path p : to) parts.add(p.toString());
            for (int i = parts.size() - 1; i >= 0; i--) todo.addFirst(parts.get(i));
            if (to.isAbsolute()) cur = to.getRoot();
        }
        return new Reach(cur, link, linkTarget, dangling);
    }
}
