package org.lifeboat.fs;

import java.time.Instant;

/**
 * What lstat(2) says about a file. {@code mode} is the full st_mode (type bits included); uid and
 * gid are unsigned 32-bit values; inode, dev, rdev and nlink are unsigned 64-bit bit patterns.
 */
public record FileMeta(
        FileKind kind,
        int mode,
        long uid,
        long gid,
        long size,
        long inode,
        long dev,
        long rdev,
        long nlink,
        long atimeSec,
        int atimeNsec,
        long mtimeSec,
        int mtimeNsec,
        long ctimeSec,
        int ctimeNsec) {

    public FileMeta {
        if (kind == null) throw new NullPointerException("kind");
    }

    /** Builds the record, deriving the kind from the type bits of {@code mode}. */
    public static FileMeta of(int mode, long uid, long gid, long size, long inode, long dev, long rdev, long nlink,
                              long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {
        return new FileMeta(FileKind.fromMode(mode), mode, uid, gid, size, inode, dev, rdev, nlink,
                atimeSec, atimeNsec, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec);
    }

    /** Permission bits including setuid, setgid and sticky (st_mode & 07777). */
    public int permissions() {
        return mode & 07777;
    }

    public Instant atime() {
        return Instant.ofEpochSecond(atimeSec, atimeNsec);
    }

    public Instant mtime() {
        return Instant.ofEpochSecond(mtimeSec, mtimeNsec);
    }

    public Instant ctime() {
        return Instant.ofEpochSecond(ctimeSec, ctimeNsec);
    }
}
