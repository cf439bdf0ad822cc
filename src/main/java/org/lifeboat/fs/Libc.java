package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Downcall handles into glibc (Linux x86_64 and aarch64 share the LP64 ABI and the generic errno
 * numbers). A handle is null when its symbol is missing or native access is denied; callers then
 * fall back to the JDK or report the operation as unsupported.
 */
final class Libc {
    private Libc() {}

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int ENOTSUP = 95; // == EOPNOTSUPP on Linux
    static final int EINTR = 4;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int ENOSPC = 28;
    static final int ENOTEMPTY = 39;
    static final int ELOOP = 40;

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;

    static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    static final boolean X86_64 = LINUX
            && (System.getProperty("os.arch", "").equals("amd64") || System.getProperty("os.arch", "").equals("x86_64"));

    private static final Linker LINKER;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;
    private static final Linker.Option CAPTURE_ERRNO;

    static final MethodHandle LSTAT;      // int lstat(const char*, struct stat*)
    static final MethodHandle READLINK;   // ssize_t readlink(const char*, char*, size_t)
    static final MethodHandle LLISTXATTR; // ssize_t llistxattr(const char*, char*, size_t)
    static final MethodHandle LGETXATTR;  // ssize_t lgetxattr(const char*, const char*, void*, size_t)
    static final MethodHandle LSETXATTR;  // int lsetxattr(const char*, const char*, const void*, size_t, int)
    static final MethodHandle MKNOD;      // int mknod(const char*, mode_t, dev_t)
    static final MethodHandle MKFIFO;     // int mkfifo(const char*, mode_t)
    static final MethodHandle LCHOWN;     // int lchown(const char*, uid_t, gid_t)
    static final MethodHandle CHMOD;      // int chmod(const char*, mode_t)
    static final MethodHandle UTIMENSAT;  // int utimensat(int, const char*, const struct timespec[2], int)
    static final MethodHandle STRERRORDESC; // const char* strerrordesc_np(int)
    static final MethodHandle GETPWUID_R; // int getpwuid_r(uid_t, struct passwd*, char*, size_t, struct passwd**)
    static final MethodHandle GETPWNAM_R; // int getpwnam_r(const char*, struct passwd*, char*, size_t, struct passwd**)
    static final MethodHandle GETGRGID_R; // int getgrgid_r(gid_t, struct group*, char*, size_t, struct group**)
    static final MethodHandle GETGRNAM_R; // int getgrnam_r(const char*, struct group*, char*, size_t, struct group**)

    static {
        Linker linker = null;
        StructLayout capture = null;
        VarHandle errno = null;
        Linker.Option opt = null;
        if (LINUX) {
            try {
                linker = Linker.nativeLinker();
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                opt = Linker.Option.captureCallState("errno");
            } catch (Throwable t) {
                linker = null;
            }
        }
        LINKER = linker;
        CAPTURE = capture;
        ERRNO = errno;
        CAPTURE_ERRNO = opt;
        LSTAT = withErrno("lstat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        READLINK = withErrno("readlink", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        LLISTXATTR = withErrno("llistxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        LGETXATTR = withErrno("lgetxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        LSETXATTR = withErrno("lsetxattr",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        MKNOD = withErrno("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        MKFIFO = withErrno("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        LCHOWN = withErrno("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        CHMOD = withErrno("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        UTIMENSAT = withErrno("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        STRERRORDESC = plain("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        FunctionDescriptor byId = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
        FunctionDescriptor byName = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
        GETPWUID_R = plain("getpwuid_r", byId);
        GETPWNAM_R = plain("getpwnam_r", byName);
        GETGRGID_R = plain("getgrgid_r", byId);
        GETGRNAM_R = plain("getgrnam_r", byName);
    }

    // Restricted methods are the point of this class; surefire and the jar manifest enable native access.
    @SuppressWarnings("restricted")
    static MethodHandle withErrno(String name, FunctionDescriptor fd, Linker.Option... extra) {
        if (LINKER == null) return null;
        try {
            Linker.Option[] opts = new Linker.Option[extra.length + 1];
            opts[0] = CAPTURE_ERRNO;
            System.arraycopy(extra, 0, opts, 1, extra.length);
            return LINKER.defaultLookup().find(name).map(a -> LINKER.downcallHandle(a, fd, opts)).orElse(null);
        } catch (Throwable t) { // IllegalCallerException when native access is denied
            return null;
        }
    }

    @SuppressWarnings("restricted")
    static MethodHandle plain(String name, FunctionDescriptor fd) {
        if (LINKER == null) return null;
        try {
            return LINKER.defaultLookup().find(name).map(a -> LINKER.downcallHandle(a, fd)).orElse(null);
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Per-thread native buffers so that the hot path (lstat, llistxattr per file) allocates no
     * native memory. Auto arenas free the memory once the thread and its scratch are gone.
     */
    static final class Scratch {
        final MemorySegment errno = Arena.ofAuto().allocate(CAPTURE);
        final MemorySegment stat = Arena.ofAuto().allocate(256, 16);
        final MemorySegment times = Arena.ofAuto().allocate(32, 8);
        MemorySegment path = Arena.ofAuto().allocate(1024, 8);
        MemorySegment name = Arena.ofAuto().allocate(256, 8);
        MemorySegment name2 = Arena.ofAuto().allocate(256, 8);
        MemorySegment buf = Arena.ofAuto().allocate(4096, 8);

        MemorySegment path(Path p) {
            path = cstring(path, RawNames.encode(p.toString()));
            return path;
        }

        MemorySegment name(String s) {
            name = cstring(name, RawNames.encode(s));
            return name;
        }

        /** struct timespec[2] {atime, mtime} for utimensat/futimens, filled in the per-thread buffer. */
        MemorySegment times(long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) {
            times.set(JAVA_LONG, 0, atimeSec);
            times.set(JAVA_LONG, 8, atimeNsec);
            times.set(JAVA_LONG, 16, mtimeSec);
            times.set(JAVA_LONG, 24, mtimeNsec);
            return times;
        }

        /** A second name, for calls that take two (linkat, renameat, symlinkat). */
        MemorySegment name2(String s) {
            name2 = cstring(name2, RawNames.encode(s));
            return name2;
        }

        MemorySegment buf(long size) {
            if (buf.byteSize() < size) {
                buf = Arena.ofAuto().allocate(Math.max(size, 2 * buf.byteSize()), 8);
            }
            return buf;
        }

        int errno() {
            return (int) ERRNO.get(errno, 0L);
        }

        private static MemorySegment cstring(MemorySegment seg, byte[] bytes) {
            for (byte b : bytes) {
                if (b == 0) throw new IllegalArgumentException("NUL byte in a path or name");
            }
            if (seg.byteSize() < bytes.length + 1L) {
                seg = Arena.ofAuto().allocate(Math.max(bytes.length + 1L, 2 * seg.byteSize()), 8);
            }
            MemorySegment.copy(bytes, 0, seg, JAVA_BYTE, 0, bytes.length);
            seg.set(JAVA_BYTE, bytes.length, (byte) 0);
            return seg;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static Scratch scratch() {
        return SCRATCH.get();
    }

    /** Reads a NUL-terminated string at the given address (at most max bytes). */
    @SuppressWarnings("restricted")
    static String cstringAt(MemorySegment address, long max) {
        MemorySegment s = address.reinterpret(max);
        long n = 0;
        while (n < max && s.get(JAVA_BYTE, n) != 0) n++;
        return RawNames.decode(s.asSlice(0, n).toArray(JAVA_BYTE));
    }

    static String strerror(int errno) {
        if (STRERRORDESC != null) {
            try {
                MemorySegment p = (MemorySegment) STRERRORDESC.invokeExact(errno);
                if (!p.equals(MemorySegment.NULL)) return cstringAt(p, 1024);
            } catch (Throwable ignored) {
                // fall through to the number
            }
        }
        return "errno " + errno;
    }

    /** The exception the JDK would throw for this errno, naming the path and the failed call. */
    static IOException error(String op, Path path, int errno) {
        return error(op, path.toString(), errno);
    }

    /** As {@link #error(String, Path, int)} for a file named by a string (raw names cannot always be Paths). */
    static IOException error(String op, String file, int errno) {
        String reason = op + ": " + strerror(errno) + " (errno " + errno + ")";
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(file, null, reason);
            case EACCES, EPERM -> new AccessDeniedException(file, null, reason);
            case EEXIST -> new FileAlreadyExistsException(file, null, reason);
            case ENOTEMPTY -> new java.nio.file.DirectoryNotEmptyException(file);
            default -> new FileSystemException(file, null, reason);
        };
    }

    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
