package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The POSIX calls the backup and restore need that the JDK lacks or makes slow: lstat with
 * nanosecond times and st_rdev, extended attributes in every namespace, mknod/mkfifo, lchown,
 * chmod with setuid/setgid/sticky, and utimensat on symlinks. Calls go to glibc through the
 * foreign function API; failures become IOExceptions naming the path (ENOENT as
 * NoSuchFileException, EACCES/EPERM as AccessDeniedException, EEXIST as FileAlreadyExistsException).
 * Paths are converted with {@link RawNames}, so names holding escaped raw bytes reach the kernel intact.
 */
public final class Posix {
    private Posix() {}

    /** Pass as a nanosecond value to {@link #setTimes} to leave that time unchanged. */
    public static final int UTIME_OMIT = (1 << 30) - 2;

    // struct stat on Linux x86_64 (144 bytes); aarch64 uses another layout and takes the JDK path.
    private static final int ST_DEV = 0, ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_UID = 28, ST_GID = 32,
            ST_RDEV = 40, ST_SIZE = 48, ST_ATIM = 72, ST_MTIM = 88, ST_CTIM = 104;

    private static final boolean FAST_LSTAT = Libc.X86_64 && Libc.LSTAT != null
            && !Boolean.getBoolean("lifeboat.fs.jdkLstat");

    /**
     * Starts making the downcall handles of glibc (about 30, some 10 ms of class generation each,
     * a third of a second in all) on a background thread, so that a command that will walk or
     * write files has them ready by the time it needs them instead of making them on its own
     * thread (it would wait for the handles still being made, never get half-made ones: the
     * JVM initializes a class once, and other threads wait for it). Returns at once.
     */
    public static void prepareInBackground() {
        Thread.ofPlatform().daemon().name("fs-prepare").start(() -> {
            try {
                java.lang.invoke.MethodHandles.lookup().ensureInitialized(Libc.class);
                java.lang.invoke.MethodHandles.lookup().ensureInitialized(AtCalls.class);
            } catch (IllegalAccessException | RuntimeException e) {
                // the handles are then made where they are first used, as without this
            }
        });
    }

    /** True if lstat goes through glibc directly (false: the slower JDK fallback). */
    public static boolean nativeLstat() {
        return FAST_LSTAT;
    }

    /** lstat(2): the metadata of the path itself, not following a final symlink. */
    public static FileMeta lstat(Path path) throws IOException {
        if (FAST_LSTAT) {
            Libc.Scratch s = Libc.scratch();
            MemorySegment st = s.stat;
            int r;
            try {
                r = (int) Libc.LSTAT.invokeExact(s.errno, s.path(path), st);
            } catch (Throwable t) {
                return jdkLstat(path); // the native call itself is unusable: take the portable path
            }
            if (r != 0) throw Libc.error("lstat", path, s.errno());
            return FileMeta.of(
                    st.get(JAVA_INT, ST_MODE),
                    Integer.toUnsignedLong(st.get(JAVA_INT, ST_UID)),
                    Integer.toUnsignedLong(st.get(JAVA_INT, ST_GID)),
                    st.get(JAVA_LONG, ST_SIZE),
                    st.get(JAVA_LONG, ST_INO),
                    st.get(JAVA_LONG, ST_DEV),
                    st.get(JAVA_LONG, ST_RDEV),
                    st.get(JAVA_LONG, ST_NLINK),
                    st.get(JAVA_LONG, ST_ATIM), (int) st.get(JAVA_LONG, ST_ATIM + 8),
                    st.get(JAVA_LONG, ST_MTIM), (int) st.get(JAVA_LONG, ST_MTIM + 8),
                    st.get(JAVA_LONG, ST_CTIM), (int) st.get(JAVA_LONG, ST_CTIM + 8));
        }
        return jdkLstat(path);
    }

    /**
     * lstat(2) of a path in {@link RawNames} form (bytes kept whatever the locale): for paths
     * named on the command line, above what is walked by descriptor.
     *
     * @throws IOException naming the path (NoSuchFileException when it does not exist)
     */
    public static FileMeta lstat(String path) throws IOException {
        if (path.isEmpty() || path.indexOf('\0') >= 0) throw new java.nio.file.NoSuchFileException(path);
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            try (Dir d = Dir.open(path)) {
                return d.stat();
            }
        }
        try (Dir d = Dir.open(parent)) {
            return d.stat(name);
        }
    }

    /** The JDK's "unix" attribute view: same data, a map and several objects per call. */
    static FileMeta jdkLstat(Path path) throws IOException {
        return jdkStat(path, LinkOption.NOFOLLOW_LINKS);
    }

    /** stat(2): like lstat, but a symlink is followed to what it points to. Not on a hot path. */
    public static FileMeta stat(Path path) throws IOException {
        return jdkStat(path);
    }

    private static FileMeta jdkStat(Path path, LinkOption... options) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:*", options);
        FileTime at = (FileTime) a.get("lastAccessTime");
        FileTime mt = (FileTime) a.get("lastModifiedTime");
        FileTime ct = (FileTime) a.get("ctime");
        return FileMeta.of(
                (Integer) a.get("mode"),
                Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")),
                (Long) a.get("size"),
                (Long) a.get("ino"),
                (Long) a.get("dev"),
                (Long) a.get("rdev"),
                ((Number) a.get("nlink")).longValue(),
                at.toInstant().getEpochSecond(), at.toInstant().getNano(),
                mt.toInstant().getEpochSecond(), mt.toInstant().getNano(),
                ct.toInstant().getEpochSecond(), ct.toInstant().getNano());
    }

    /** readlink(2), keeping bytes that are not UTF-8 (see {@link RawNames}). */
    public static String readlink(Path path) throws IOException {
        MethodHandle h = require(Libc.READLINK, "readlink");
        Libc.Scratch s = Libc.scratch();
        long size = 4096;
        while (true) {
            MemorySegment buf = s.buf(size);
            long n;
            try {
                n = (long) h.invokeExact(s.errno, s.path(path), buf, buf.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) throw Libc.error("readlink", path, s.errno());
            if (n < buf.byteSize()) return RawNames.decode(buf.asSlice(0, n).toArray(JAVA_BYTE));
            size = 2 * buf.byteSize(); // possibly truncated: retry with more room
        }
    }

    /**
     * All extended attributes of the path itself (llistxattr/lgetxattr: every namespace the
     * caller may read, in the kernel's order). A file system without xattr support yields an
     * empty list; an attribute that vanishes or cannot be read between listing and reading is
     * skipped, as restic does.
     */
    public static List<Xattr> listXattrs(Path path) throws IOException {
        return listXattrs(path.toString());
    }

    /**
     * As {@link #listXattrs(Path)} for a path in {@link RawNames} form (any bytes, whatever the
     * locale), such as {@code /proc/self/fd/N/NAME} for an entry of an open folder.
     *
     * @throws IOException naming the path when the list cannot be read
     */
    public static List<Xattr> listXattrs(String path) throws IOException {
        MethodHandle list = require(Libc.LLISTXATTR, "llistxattr");
        Libc.Scratch s = Libc.scratch();
        MemorySegment p = s.name2(path);
        byte[] names;
        while (true) {
            MemorySegment buf = s.buf(4096);
            long n;
            try {
                n = (long) list.invokeExact(s.errno, p, buf, buf.byteSize());
                if (n < 0 && s.errno() == Libc.ERANGE) {
                    n = (long) list.invokeExact(s.errno, p, MemorySegment.NULL, 0L);
                    if (n >= 0) {
                        s.buf(n + 1);
                        continue; // the list may still grow before the next call: loop
                    }
                }
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) {
                int e = s.errno();
                if (e == Libc.ENOTSUP || e == Libc.ENODATA) return List.of();
                throw Libc.error("llistxattr", path, e);
            }
            if (n == 0) return List.of();
            names = buf.asSlice(0, n).toArray(JAVA_BYTE);
            break;
        }
        List<Xattr> result = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] != 0) continue;
            if (i > start) {
                String name = RawNames.decode(names, start, i - start);
                byte[] value = getXattr(s, p, name);
                if (value != null) result.add(new Xattr(name, value));
            }
            start = i + 1;
        }
        return result;
    }

    /** One attribute's value, or null if it is gone or unreadable (the caller skips it). */
    private static byte[] getXattr(Libc.Scratch s, MemorySegment p, String name) throws IOException {
        MethodHandle get = require(Libc.LGETXATTR, "lgetxattr");
        while (true) {
            MemorySegment buf = s.buf(4096);
            long n;
            try {
                MemorySegment nm = s.name(name);
                n = (long) get.invokeExact(s.errno, p, nm, buf, buf.byteSize());
                if (n < 0 && s.errno() == Libc.ERANGE) {
                    n = (long) get.invokeExact(s.errno, p, nm, MemorySegment.NULL, 0L);
                    if (n >= 0) {
                        s.buf(n + 1);
                        continue;
                    }
                }
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) return null;
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        }
    }

    /** lsetxattr(2) with flags 0 (create or replace). */
    public static void setXattr(Path path, String name, byte[] value) throws IOException {
        MethodHandle h = require(Libc.LSETXATTR, "lsetxattr");
        Libc.Scratch s = Libc.scratch();
        MemorySegment buf = s.buf(Math.max(1, value.length));
        MemorySegment.copy(value, 0, buf, JAVA_BYTE, 0, value.length);
        int r;
        try {
            r = (int) h.invokeExact(s.errno, s.path(path), s.name(name), buf, (long) value.length, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lsetxattr " + name, path, s.errno());
    }

    /** mkfifo(3); the permission bits are subject to the umask, as with the C call. */
    public static void mkfifo(Path path, int mode) throws IOException {
        MethodHandle h = require(Libc.MKFIFO, "mkfifo");
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) h.invokeExact(s.errno, s.path(path), mode);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("mkfifo", path, s.errno());
    }

    /**
     * mknod(2): {@code stMode} holds the type (S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK) and the
     * permission bits (subject to the umask); {@code rdev} is the st_rdev value lstat reported.
     */
    public static void mknod(Path path, int stMode, long rdev) throws IOException {
        MethodHandle h = require(Libc.MKNOD, "mknod");
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) h.invokeExact(s.errno, s.path(path), stMode, rdev);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("mknod", path, s.errno());
    }

    /** lchown(2): changes the owner of the path itself; -1 leaves uid or gid unchanged. */
    public static void lchown(Path path, int uid, int gid) throws IOException {
        MethodHandle h = require(Libc.LCHOWN, "lchown");
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) h.invokeExact(s.errno, s.path(path), uid, gid);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lchown", path, s.errno());
    }

    /** chmod(2) with the low 12 bits (permissions, setuid, setgid, sticky). Follows symlinks. */
    public static void chmod(Path path, int mode) throws IOException {
        MethodHandle h = require(Libc.CHMOD, "chmod");
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) h.invokeExact(s.errno, s.path(path), mode & 07777);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("chmod", path, s.errno());
    }

    /**
     * utimensat(AT_FDCWD, path, {atime, mtime}, noFollow ? AT_SYMLINK_NOFOLLOW : 0) with
     * nanosecond precision; with noFollow a symlink's own times are set. A nanosecond value of
     * {@link #UTIME_OMIT} leaves that time as it is.
     */
    public static void setTimes(Path path, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec,
                                boolean noFollow) throws IOException {
        MethodHandle h = require(Libc.UTIMENSAT, "utimensat");
        Libc.Scratch s = Libc.scratch();
        MemorySegment t = s.times(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        int r;
        try {
            r = (int) h.invokeExact(s.errno, Libc.AT_FDCWD, s.path(path), t, noFollow ? Libc.AT_SYMLINK_NOFOLLOW : 0);
        } catch (Throwable e) {
            throw Libc.unexpected(e);
        }
        if (r != 0) throw Libc.error("utimensat", path, s.errno());
    }

    private static MethodHandle require(MethodHandle h, String name) {
        if (h == null) {
            throw new UnsupportedOperationException(name + " is not available (needs Linux glibc and "
                    + "--enable-native-access=ALL-UNNAMED)");
        }
        return h;
    }

    /** This process's user ID (from /proc/self), or 0 when it cannot be told. */
    public static long processUid() {
        return procSelf("unix:uid");
    }

    /** This process's group ID, or 0 when it cannot be told. */
    public static long processGid() {
        return procSelf("unix:gid");
    }

    private static long procSelf(String attribute) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), attribute)).longValue();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
