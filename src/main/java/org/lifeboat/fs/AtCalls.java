package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Downcall handles for the file-descriptor-relative calls (openat and friends) that {@link Dir}
 * and {@link RawFile} are built on, and the open(2) flag values of the running architecture
 * (x86_64 and aarch64 differ for O_DIRECTORY and O_NOFOLLOW).
 */
final class AtCalls {
    private AtCalls() {}

    static final boolean AARCH64 = Libc.LINUX && System.getProperty("os.arch", "").equals("aarch64");

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOCTTY = 0400;
    static final int O_TRUNC = 01000;
    static final int O_NONBLOCK = 04000;
    static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
    static final int O_CLOEXEC = 02000000;

    static final int AT_REMOVEDIR = 0x200;

    static final MethodHandle OPEN;       // int open(const char*, int, ...)
    static final MethodHandle OPENAT;     // int openat(int, const char*, int, ...)
    static final MethodHandle CLOSE;      // int close(int)
    static final MethodHandle DUP;        // int dup(int)
    static final MethodHandle MKDIRAT;    // int mkdirat(int, const char*, mode_t)
    static final MethodHandle SYMLINKAT;  // int symlinkat(const char*, int, const char*)
    static final MethodHandle LINKAT;     // int linkat(int, const char*, int, const char*, int)
    static final MethodHandle UNLINKAT;   // int unlinkat(int, const char*, int)
    static final MethodHandle RENAMEAT;   // int renameat(int, const char*, int, const char*)
    static final MethodHandle FSTATAT;    // int fstatat(int, const char*, struct stat*, int)
    static final MethodHandle FSTAT;      // int fstat(int, struct stat*)
    static final MethodHandle MKNODAT;    // int mknodat(int, const char*, mode_t, dev_t)
    static final MethodHandle READLINKAT; // ssize_t readlinkat(int, const char*, char*, size_t)
    static final MethodHandle FCHOWNAT;   // int fchownat(int, const char*, uid_t, gid_t, int)
    static final MethodHandle FCHMODAT;   // int fchmodat(int, const char*, mode_t, int)
    static final MethodHandle FCHOWN;     // int fchown(int, uid_t, gid_t)
    static final MethodHandle FCHMOD;     // int fchmod(int, mode_t)
    static final MethodHandle FUTIMENS;   // int futimens(int, const struct timespec[2])
    static final MethodHandle FSETXATTR;  // int fsetxattr(int, const char*, const void*, size_t, int)
    static final MethodHandle FLISTXATTR; // ssize_t flistxattr(int, char*, size_t)
    static final MethodHandle FGETXATTR;  // ssize_t fgetxattr(int, const char*, void*, size_t)
    static final MethodHandle PREAD;      // ssize_t pread(int, void*, size_t, off_t)
    static final MethodHandle PWRITE;     // ssize_t pwrite(int, const void*, size_t, off_t)
    static final MethodHandle FTRUNCATE;  // int ftruncate(int, off_t)
    static final MethodHandle FSYNC;      // int fsync(int)
    static final MethodHandle FSTATVFS;   // int fstatvfs(int, struct statvfs*)
    static final MethodHandle GETDENTS64; // ssize_t getdents64(int, void*, size_t)

    static {
        OPEN = Libc.withErrno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        OPENAT = Libc.withErrno("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(3));
        CLOSE = Libc.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        DUP = Libc.withErrno("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MKDIRAT = Libc.withErrno("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        SYMLINKAT = Libc.withErrno("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        LINKAT = Libc.withErrno("linkat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        UNLINKAT = Libc.withErrno("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        RENAMEAT = Libc.withErrno("renameat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        FSTATAT = Libc.withErrno("fstatat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        FSTAT = Libc.withErrno("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        MKNODAT = Libc.withErrno("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        READLINKAT = Libc.withErrno("readlinkat",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        FCHOWNAT = Libc.withErrno("fchownat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        FCHMODAT = Libc.withErrno("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        FCHOWN = Libc.withErrno("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        FCHMOD = Libc.withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        FUTIMENS = Libc.withErrno("futimens", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        FSETXATTR = Libc.withErrno("fsetxattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        FLISTXATTR = Libc.withErrno("flistxattr", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        FGETXATTR = Libc.withErrno("fgetxattr",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        PREAD = Libc.withErrno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        PWRITE = Libc.withErrno("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        FTRUNCATE = Libc.withErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        FSYNC = Libc.withErrno("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        FSTATVFS = Libc.withErrno("fstatvfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        GETDENTS64 = Libc.withErrno("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    /** True when every call {@link Dir} needs is available (Linux glibc with native access). */
    static boolean available() {
        return OPEN != null && OPENAT != null && CLOSE != null && DUP != null && MKDIRAT != null && SYMLINKAT != null
                && LINKAT != null && UNLINKAT != null && RENAMEAT != null && FSTATAT != null && FSTAT != null
                && MKNODAT != null && READLINKAT != null && FCHOWNAT != null && FCHMODAT != null && FCHOWN != null
                && FCHMOD != null && FUTIMENS != null && FSETXATTR != null && FLISTXATTR != null && FGETXATTR != null
                && PREAD != null && PWRITE != null && FTRUNCATE != null && FSYNC != null && FSTATVFS != null
                && GETDENTS64 != null;
    }
}
