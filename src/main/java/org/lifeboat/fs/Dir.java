package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An open directory, and every operation on a name inside it, by file descriptor: the *at(2)
 * calls with {@code O_NOFOLLOW}/{@code AT_SYMLINK_NOFOLLOW}, so that no symlink is ever followed
 * below the directory a {@code Dir} was opened on, whatever another name in the same run was
 * turned into. This is how GNU tar and later restic releases keep extraction inside its target: a
 * path is never re-resolved from a string, each parent is opened relative to the one above it.
 *
 * <p>Names are single path components as Java strings in {@link RawNames} form (raw bytes that are
 * not UTF-8 are carried as escapes), so names in any encoding reach the kernel byte for byte,
 * whatever the locale. A name that is empty, {@code .}, {@code ..}, or holds {@code /} or NUL is
 * refused with {@link IllegalArgumentException} before any call. Errors are IOExceptions naming
 * the file (as {@link #display(String)}) and the failed call, as {@link Posix} reports them.
 *
 * <p>Thread-safety: the calls are safe from several threads at once; {@link #close()} must come
 * after every other use.
 */
public final class Dir implements AutoCloseable {
    private static final int AT_SYMLINK_NOFOLLOW = Libc.AT_SYMLINK_NOFOLLOW;

    private final int fd;
    private final String display;
    private volatile boolean closed;

    private Dir(int fd, String display) {
        this.fd = fd;
        this.display = display;
    }

    /** True when this platform supports fd-relative directories (Linux with glibc, native access enabled). */
    public static boolean supported() {
        return AtCalls.available();
    }

    /**
     * Opens a directory the user named (a restore target, a backup source): symlinks in this path
     * are followed, as the user asked for this place.
     *
     * @throws IOException if it does not exist or is not a directory
     */
    public static Dir open(Path path) throws IOException {
        String p = path.toAbsolutePath().toString();
        return open(p);
    }

    /** As {@link #open(Path)} for an absolute path in {@link RawNames} form. */
    public static Dir open(String absolutePath) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.OPEN).invokeExact(s.errno, s.name(absolutePath),
                    AtCalls.O_RDONLY | AtCalls.O_DIRECTORY | AtCalls.O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r < 0) throw Libc.error("open folder", absolutePath, s.errno());
        return new Dir(r, absolutePath);
    }

    /**
     * Opens the folder at {@code absolute} from {@code /}, one name at a time with {@code
     * O_NOFOLLOW}, making each missing one with {@code mkdirMode} (subject to the umask): the folder
     * reached is the one the path names with no symbolic link on the way, whatever is put there
     * meanwhile. For a path already resolved ({@link Path#toRealPath}) that must not be redirected
     * between the look and the writes (a service's restore target).
     *
     * @throws IOException when a name on the way is a symbolic link or not a folder (the path changed
     *     since it was resolved), or cannot be opened or made
     */
    public static Dir openResolved(Path absolute, int mkdirMode) throws IOException {
        Path p = absolute.normalize();
        if (!p.isAbsolute()) throw new IllegalArgumentException("not an absolute path: " + absolute);
        Dir d = open("/");
        try {
            for (Path part : p) {
                String name = part.toString();
                Dir next;
                try {
                    next = d.openDir(name);
                } catch (java.nio.file.NoSuchFileException e) {
                    try {
                        d.mkdir(name, mkdirMode);
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        // made meanwhile: opened below like any other, never followed
                    }
                    next = d.openDir(name);
                }
                d.close();
                d = next;
            }
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** The path this directory was reached by, for messages (not for opening again). */
    public String path() {
        return display;
    }

    /** The path of {@code name} inside this directory, for messages. */
    public String display(String name) {
        return display.endsWith("/") ? display + name : display + "/" + name;
    }

    /** The raw file descriptor (for {@code /proc/self/fd/N} use by tests and diagnostics). */
    public int fd() {
        return fd;
    }

    /**
     * Opens the folder {@code name} inside this one without following a symlink.
     *
     * @throws IOException if it does not exist, or is a symlink or anything else but a folder
     */
    public Dir openDir(String name) throws IOException {
        int r = openAt(name, AtCalls.O_RDONLY | AtCalls.O_DIRECTORY | AtCalls.O_NOFOLLOW | AtCalls.O_CLOEXEC, 0,
                "open folder");
        return new Dir(r, display(name));
    }

    /** A second descriptor for the same directory, to be closed on its own. */
    public Dir dup() throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.DUP).invokeExact(s.errno, fd);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r < 0) throw Libc.error("dup", display, s.errno());
        return new Dir(r, display);
    }

    /**
     * This directory itself as a {@link RawFile} over a second descriptor (closed on its own), to
     * set its owner, mode, times and extended attributes through the descriptor (fchown, fchmod,
     * futimens, fsetxattr) rather than by a name that could have been replaced.
     *
     * @throws IOException if dup(2) fails (EMFILE)
     */
    public RawFile self() throws IOException {
        Dir d = dup();
        return new RawFile(d.fd, display);
    }

    /**
     * mkdirat(2): creates the folder {@code name} with these permission bits (subject to the umask).
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists, whatever it is
     */
    public void mkdir(String name, int mode) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.MKDIRAT).invokeExact(s.errno, fd, s.name(check(name)), mode);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("mkdir", display(name), s.errno());
    }

    /**
     * Creates a regular file for writing: {@code O_CREAT|O_EXCL|O_NOFOLLOW}, mode 0600 until the
     * snapshot's mode is applied. Never opens an existing file or follows a symlink.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     */
    public RawFile createFile(String name) throws IOException {
        int r = openAt(name, AtCalls.O_WRONLY | AtCalls.O_CREAT | AtCalls.O_EXCL | AtCalls.O_NOFOLLOW
                | AtCalls.O_CLOEXEC, 0600, "create");
        return new RawFile(r, display(name));
    }

    /**
     * Opens an existing regular file for writing without following a symlink and without
     * truncating it (ranges of one file are written by several workers).
     */
    public RawFile openForWrite(String name) throws IOException {
        int r = openAt(name, AtCalls.O_WRONLY | AtCalls.O_NOFOLLOW | AtCalls.O_NONBLOCK | AtCalls.O_NOCTTY
                | AtCalls.O_CLOEXEC, 0, "open for writing");
        RawFile f = new RawFile(r, display(name));
        if (f.stat().kind() != FileKind.REGULAR) {
            f.close();
            throw new java.nio.file.FileSystemException(display(name), null, "not a regular file");
        }
        return f;
    }

    /**
     * Opens a file for reading without following a symlink; {@code O_NONBLOCK} so that a FIFO
     * put in its place cannot block. The caller checks the kind through {@link RawFile#stat()}.
     */
    public RawFile openForRead(String name) throws IOException {
        int r = openAt(name, AtCalls.O_RDONLY | AtCalls.O_NOFOLLOW | AtCalls.O_NONBLOCK | AtCalls.O_NOCTTY
                | AtCalls.O_CLOEXEC, 0, "open");
        return new RawFile(r, display(name));
    }

    private int openAt(String name, int flags, int mode, String op) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.OPENAT).invokeExact(s.errno, fd, s.name(check(name)), flags, mode);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r < 0) {
            int e = s.errno();
            if (e == Libc.ELOOP || (e == Libc.ENOTDIR && (flags & AtCalls.O_DIRECTORY) != 0)) {
                // O_DIRECTORY|O_NOFOLLOW on a symlink gives ENOTDIR: tell the two apart for the message.
                FileMeta m = statOrNull(name);
                boolean link = e == Libc.ELOOP || (m != null && m.kind() == FileKind.SYMLINK);
                throw new java.nio.file.FileSystemException(display(name), null,
                        op + ": " + (link ? "is a symlink, which is never followed here" : "not a folder"));
            }
            throw Libc.error(op, display(name), e);
        }
        return r;
    }

    /** fstatat(2) with AT_SYMLINK_NOFOLLOW: the entry itself. */
    public FileMeta stat(String name) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.FSTATAT).invokeExact(s.errno, fd, s.name(check(name)), s.stat, AT_SYMLINK_NOFOLLOW);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lstat", display(name), s.errno());
        return StatLayout.meta(s.stat);
    }

    /** As {@link #stat(String)}, or null when the name does not exist. */
    public FileMeta statOrNull(String name) throws IOException {
        try {
            return stat(name);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** fstat(2) of this directory. */
    public FileMeta stat() throws IOException {
        return StatLayout.fstat(fd, display);
    }

    /**
     * The names in this directory (without {@code .} and {@code ..}), read with getdents64(2), as
     * raw bytes in {@link RawNames} form, in the directory's own order.
     */
    public List<String> list() throws IOException {
        Dir d = dup(); // getdents moves the descriptor's offset: read through a copy
        try {
            Libc.Scratch s = Libc.scratch();
            List<String> names = new ArrayList<>();
            MethodHandle h = require(AtCalls.GETDENTS64);
            while (true) {
                MemorySegment buf = s.buf(64 * 1024);
                long n;
                try {
                    n = (long) h.invokeExact(s.errno, d.fd, buf, buf.byteSize());
                } catch (Throwable t) {
                    throw Libc.unexpected(t);
                }
                if (n < 0) throw Libc.error("read folder", display, s.errno());
                if (n == 0) return names;
                long off = 0;
                while (off < n) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 16));
                    long nameStart = off + 19;
                    long end = nameStart;
                    while (end < off + reclen && buf.get(JAVA_BYTE, end) != 0) end++;
                    byte[] raw = buf.asSlice(nameStart, end - nameStart).toArray(JAVA_BYTE);
                    String name = RawNames.decode(raw);
                    if (!name.equals(".") && !name.equals("..")) names.add(name);
                    off += reclen;
                }
            }
        } finally {
            d.close();
        }
    }

    /** unlinkat(2) of a non-folder; a symlink is removed itself, never what it points to. */
    public void unlink(String name) throws IOException {
        unlinkAt(name, 0, "remove");
    }

    /** unlinkat(2) with AT_REMOVEDIR: removes an empty folder. */
    public void rmdir(String name) throws IOException {
        unlinkAt(name, AtCalls.AT_REMOVEDIR, "remove folder");
    }

    private void unlinkAt(String name, int flags, String op) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.UNLINKAT).invokeExact(s.errno, fd, s.name(check(name)), flags);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error(op, display(name), s.errno());
    }

    /** symlinkat(2): creates {@code name} as a symlink holding {@code target} (which is never resolved here). */
    public void symlink(String target, String name) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            MemorySegment t = s.name2(target);
            r = (int) require(AtCalls.SYMLINKAT).invokeExact(s.errno, t, fd, s.name(check(name)));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("symlink", display(name), s.errno());
    }

    /**
     * linkat(2) with flags 0: {@code name} here becomes another name of {@code from}/{@code fromName}.
     * With flags 0 a symlink at {@code fromName} is linked itself, never followed.
     */
    public void link(Dir from, String fromName, String name) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            MemorySegment old = s.name2(check(fromName));
            r = (int) require(AtCalls.LINKAT).invokeExact(s.errno, from.fd, old, fd, s.name(check(name)), 0);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("link to " + from.display(fromName), display(name), s.errno());
    }

    /** renameat(2): moves {@code name} to {@code to}/{@code toName}, replacing a non-folder there. */
    public void rename(String name, Dir to, String toName) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            MemorySegment dst = s.name2(check(toName));
            r = (int) require(AtCalls.RENAMEAT).invokeExact(s.errno, fd, s.name(check(name)), to.fd, dst);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("rename to " + to.display(toName), display(name), s.errno());
    }

    /** mknodat(2): {@code stMode} holds the type (S_IFIFO, S_IFCHR, S_IFBLK) and permission bits. */
    public void mknod(String name, int stMode, long rdev) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.MKNODAT).invokeExact(s.errno, fd, s.name(check(name)), stMode, rdev);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("mknod", display(name), s.errno());
    }

    /** readlinkat(2): the target of the symlink {@code name}, bytes kept ({@link RawNames}). */
    public String readlink(String name) throws IOException {
        Libc.Scratch s = Libc.scratch();
        long size = 4096;
        while (true) {
            MemorySegment buf = s.buf(size);
            long n;
            try {
                n = (long) require(AtCalls.READLINKAT).invokeExact(s.errno, fd, s.name(check(name)), buf, buf.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) throw Libc.error("readlink", display(name), s.errno());
            if (n < buf.byteSize()) return RawNames.decode(buf.asSlice(0, n).toArray(JAVA_BYTE));
            size = 2 * buf.byteSize();
        }
    }

    /** fchownat(2) with AT_SYMLINK_NOFOLLOW: the entry's own owner; -1 leaves one unchanged. */
    public void chown(String name, int uid, int gid) throws IOException {
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.FCHOWNAT).invokeExact(s.errno, fd, s.name(check(name)), uid, gid,
                    AT_SYMLINK_NOFOLLOW);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lchown", display(name), s.errno());
    }

    /**
     * Sets the permission bits (07777) of a non-symlink entry. Refuses a symlink (Linux has no
     * lchmod; fchmodat would follow it): the caller checked the kind of what it created.
     */
    public void chmod(String name, int mode) throws IOException {
        FileMeta m = stat(name);
        if (m.kind() == FileKind.SYMLINK) {
            throw new java.nio.file.FileSystemException(display(name), null, "chmod: is a symlink, never followed");
        }
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) require(AtCalls.FCHMODAT).invokeExact(s.errno, fd, s.name(check(name)), mode & 07777, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("chmod", display(name), s.errno());
    }

    /**
     * utimensat(2) with AT_SYMLINK_NOFOLLOW (a symlink gets its own times); a nanosecond value of
     * {@link Posix#UTIME_OMIT} leaves that time as it is.
     */
    public void setTimes(String name, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) throws IOException {
        Libc.Scratch s = Libc.scratch();
        MemorySegment t = s.times(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        int r;
        try {
            r = (int) require(Libc.UTIMENSAT).invokeExact(s.errno, fd, s.name(check(name)), t, AT_SYMLINK_NOFOLLOW);
        } catch (Throwable e) {
            throw Libc.unexpected(e);
        }
        if (r != 0) throw Libc.error("utimensat", display(name), s.errno());
    }

    /**
     * lsetxattr(2) on the entry itself, reached as {@code /proc/self/fd/FD/NAME}: the kernel resolves
     * the folder by this descriptor and does not follow a final symlink, so this stays inside.
     */
    public void setXattr(String name, String attr, byte[] value) throws IOException {
        Libc.Scratch s = Libc.scratch();
        MemorySegment buf = s.buf(Math.max(1, value.length));
        MemorySegment.copy(value, 0, buf, JAVA_BYTE, 0, value.length);
        int r;
        try {
            MemorySegment p = s.name2(procPath(name));
            r = (int) require(Libc.LSETXATTR).invokeExact(s.errno, p, s.name(attr), buf, (long) value.length, 0);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lsetxattr " + attr, display(name), s.errno());
    }

    /**
     * The extended attributes of the entry {@code name} itself (llistxattr/lgetxattr through
     * {@code /proc/self/fd/FD/NAME}, so a symlink's own attributes and never its target's), as
     * {@link Posix#listXattrs(String)} reports them; none on a file system without xattrs.
     *
     * @throws IOException naming {@link #display(String)} when the list cannot be read
     */
    public List<Xattr> xattrs(String name) throws IOException {
        try {
            return Posix.listXattrs(procPath(name));
        } catch (java.nio.file.FileSystemException e) {
            throw rename(e, display(name));
        }
    }

    /** The extended attributes of this folder itself (see {@link #xattrs(String)}). */
    public List<Xattr> xattrs() throws IOException {
        try {
            return Posix.listXattrs("/proc/self/fd/" + fd + "/.");
        } catch (java.nio.file.FileSystemException e) {
            throw rename(e, display);
        }
    }

    /** The same failure, naming the file as the user knows it rather than by its /proc path. */
    private static IOException rename(java.nio.file.FileSystemException e, String file) {
        String reason = e.getReason();
        if (e instanceof java.nio.file.NoSuchFileException) return new java.nio.file.NoSuchFileException(file, null, reason);
        if (e instanceof java.nio.file.AccessDeniedException) return new java.nio.file.AccessDeniedException(file, null, reason);
        return new java.nio.file.FileSystemException(file, null, reason);
    }

    private String procPath(String name) {
        return "/proc/self/fd/" + fd + "/" + check(name);
    }

    /** fstatvfs(2) of the file system this folder is on. */
    public SpaceInfo space() throws IOException {
        Libc.Scratch s = Libc.scratch();
        MemorySegment b = s.buf(128);
        int r;
        try {
            r = (int) require(AtCalls.FSTATVFS).invokeExact(s.errno, fd, b);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("statvfs", display, s.errno());
        // struct statvfs (LP64): bsize, frsize, blocks, bfree, bavail, files, ffree, favail, ...
        long frsize = b.get(JAVA_LONG, 8);
        long bavail = b.get(JAVA_LONG, 32);
        long favail = b.get(JAVA_LONG, 56);
        long files = b.get(JAVA_LONG, 40);
        return new SpaceInfo(multiplySaturated(frsize, bavail), files == 0 ? Long.MAX_VALUE : favail);
    }

    private static long multiplySaturated(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        return hi != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    /**
     * Free room on a file system for an unprivileged writer.
     *
     * @param freeBytes  bytes available (f_bavail × f_frsize)
     * @param freeInodes files that can still be created (f_favail; Long.MAX_VALUE when the file
     *                   system does not count inodes)
     */
    public record SpaceInfo(long freeBytes, long freeInodes) {}

    /** Checks that a name is a single path component; see the class comment. */
    static String check(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a single file name: " + (name == null ? "null" : "\"" + name + "\""));
        }
        return name;
    }

    static MethodHandle require(MethodHandle h) {
        if (h == null) {
            throw new UnsupportedOperationException("fd-relative file calls are not available (needs Linux glibc and "
                    + "--enable-native-access=ALL-UNNAMED)");
        }
        return h;
    }

    /** Closes the descriptor; later calls fail. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RawFile.closeFd(fd);
    }

    @Override
    public String toString() {
        return "Dir[" + display + "]";
    }

    /** struct stat as glibc lays it out on x86_64 and on aarch64 (the generic layout). */
    static final class StatLayout {
        private StatLayout() {}

        static FileMeta fstat(int fd, String display) throws IOException {
            Libc.Scratch s = Libc.scratch();
            int r;
            try {
                r = (int) require(AtCalls.FSTAT).invokeExact(s.errno, fd, s.stat);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (r != 0) throw Libc.error("fstat", display, s.errno());
            return meta(s.stat);
        }

        static FileMeta meta(MemorySegment st) {
            boolean a = AtCalls.AARCH64;
            int mode = st.get(JAVA_INT, a ? 16 : 24);
            long nlink = a ? Integer.toUnsignedLong(st.get(JAVA_INT, 20)) : st.get(JAVA_LONG, 16);
            int uidOff = a ? 24 : 28;
            int gidOff = a ? 28 : 32;
            int rdevOff = a ? 32 : 40;
            return FileMeta.of(mode,
                    Integer.toUnsignedLong(st.get(JAVA_INT, uidOff)),
                    Integer.toUnsignedLong(st.get(JAVA_INT, gidOff)),
                    st.get(JAVA_LONG, 48),
                    st.get(JAVA_LONG, 8),
                    st.get(JAVA_LONG, 0),
                    st.get(JAVA_LONG, rdevOff),
                    nlink,
                    st.get(JAVA_LONG, 72), (int) st.get(JAVA_LONG, 80),
                    st.get(JAVA_LONG, 88), (int) st.get(JAVA_LONG, 96),
                    st.get(JAVA_LONG, 104), (int) st.get(JAVA_LONG, 112));
        }
    }
}
