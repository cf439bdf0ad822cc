package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An open file descriptor from {@link Dir}: positional reads and writes (pread/pwrite, safe from
 * several threads on one descriptor), and metadata set through the descriptor itself (fchown,
 * fchmod, futimens, fsetxattr), so it lands on exactly the inode that was opened. As a
 * {@link SeekableByteChannel} it reads and writes at its own position.
 */
public final class RawFile implements SeekableByteChannel {
    /** Bytes moved per native call when copying through the per-thread buffer. */
    private static final int CHUNK = 1 << 20;

    private final int fd;
    private final String display;
    private long position;
    private volatile boolean closed;

    RawFile(int fd, String display) {
        this.fd = fd;
        this.display = display;
    }

    /** The path this file was opened by, for messages. */
    public String path() {
        return display;
    }

    /** fstat(2) of the open file. */
    public FileMeta stat() throws IOException {
        ensureOpen();
        return Dir.StatLayout.fstat(fd, display);
    }

    /** Writes all {@code len} bytes of {@code b} from {@code off} at file offset {@code pos} (bytes). */
    public void write(byte[] b, int off, int len, long pos) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        while (len > 0) {
            int n = Math.min(len, CHUNK);
            MemorySegment buf = s.buf(n);
            MemorySegment.copy(b, off, buf, JAVA_BYTE, 0, n);
            long done = 0;
            while (done < n) {
                long w;
                try {
                    w = (long) Dir.require(AtCalls.PWRITE).invokeExact(s.errno, fd, buf.asSlice(done), (long) n - done,
                            pos + done);
                } catch (Throwable t) {
                    throw Libc.unexpected(t);
                }
                if (w < 0) {
                    if (s.errno() == Libc.EINTR) continue;
                    throw Libc.error("write", display, s.errno());
                }
                done += w;
            }
            off += n;
            len -= n;
            pos += n;
        }
    }

    /**
     * Reads up to {@code len} bytes at file offset {@code pos} into {@code b}; returns the count,
     * or -1 at the end of the file.
     */
    public int read(byte[] b, int off, int len, long pos) throws IOException {
        ensureOpen();
        if (len == 0) return 0;
        Libc.Scratch s = Libc.scratch();
        int n = Math.min(len, CHUNK);
        MemorySegment buf = s.buf(n);
        long r;
        while (true) {
            try {
                r = (long) Dir.require(AtCalls.PREAD).invokeExact(s.errno, fd, buf, (long) n, pos);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (r >= 0 || s.errno() != Libc.EINTR) break;
        }
        if (r < 0) throw Libc.error("read", display, s.errno());
        if (r == 0) return -1;
        MemorySegment.copy(buf, JAVA_BYTE, 0, b, off, (int) r);
        return (int) r;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int want = Math.min(dst.remaining(), CHUNK);
        if (want == 0) return 0;
        byte[] tmp = dst.hasArray() ? dst.array() : new byte[want];
        int off = dst.hasArray() ? dst.arrayOffset() + dst.position() : 0;
        int n = read(tmp, off, want, position);
        if (n <= 0) return n;
        if (dst.hasArray()) {
            dst.position(dst.position() + n);
        } else {
            dst.put(tmp, 0, n);
        }
        position += n;
        return n;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (src.hasArray()) {
            write(src.array(), src.arrayOffset() + src.position(), n, position);
            src.position(src.limit());
        } else {
            byte[] tmp = new byte[n];
            src.get(tmp);
            write(tmp, 0, n, position);
        }
        position += n;
        return n;
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized RawFile position(long newPosition) {
        if (newPosition < 0) throw new IllegalArgumentException("negative position");
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        return stat().size();
    }

    /** ftruncate(2): sets the size in bytes (extending with a hole, or cutting). */
    @Override
    public RawFile truncate(long size) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) Dir.require(AtCalls.FTRUNCATE).invokeExact(s.errno, fd, size);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("truncate", display, s.errno());
        return this;
    }

    /** fsync(2). */
    public void sync() throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) Dir.require(AtCalls.FSYNC).invokeExact(s.errno, fd);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("fsync", display, s.errno());
    }

    /** fchown(2); -1 leaves uid or gid unchanged. */
    public void chown(int uid, int gid) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) Dir.require(AtCalls.FCHOWN).invokeExact(s.errno, fd, uid, gid);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lchown", display, s.errno());
    }

    /** fchmod(2) with the low 12 bits (permissions, setuid, setgid, sticky). */
    public void chmod(int mode) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        int r;
        try {
            r = (int) Dir.require(AtCalls.FCHMOD).invokeExact(s.errno, fd, mode & 07777);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("chmod", display, s.errno());
    }

    /** futimens(2); a nanosecond value of {@link Posix#UTIME_OMIT} leaves that time as it is. */
    public void setTimes(long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        MemorySegment t = s.times(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        int r;
        try {
            r = (int) Dir.require(AtCalls.FUTIMENS).invokeExact(s.errno, fd, t);
        } catch (Throwable e) {
            throw Libc.unexpected(e);
        }
        if (r != 0) throw Libc.error("utimensat", display, s.errno());
    }

    /** fsetxattr(2) with flags 0 (create or replace). */
    public void setXattr(String name, byte[] value) throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        MemorySegment buf = s.buf(Math.max(1, value.length));
        MemorySegment.copy(value, 0, buf, JAVA_BYTE, 0, value.length);
        int r;
        try {
            r = (int) Dir.require(AtCalls.FSETXATTR).invokeExact(s.errno, fd, s.name(name), buf, (long) value.length, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (r != 0) throw Libc.error("lsetxattr " + name, display, s.errno());
    }

    /**
     * Every extended attribute of the open file (flistxattr/fgetxattr); none on a file system
     * without xattr support; an attribute that vanishes between list and read is skipped.
     */
    public List<Xattr> xattrs() throws IOException {
        ensureOpen();
        Libc.Scratch s = Libc.scratch();
        long n;
        while (true) {
            try {
                n = (long) Dir.require(AtCalls.FLISTXATTR).invokeExact(s.errno, fd, MemorySegment.NULL, 0L);
                if (n < 0) break;
                if (n == 0) return List.of();
                MemorySegment buf = s.buf(n + 1);
                long m = (long) Dir.require(AtCalls.FLISTXATTR).invokeExact(s.errno, fd, buf, buf.byteSize());
                if (m < 0 && s.errno() == Libc.ERANGE) continue;
                n = m;
                break;
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        }
        if (n < 0) {
            int e = s.errno();
            if (e == Libc.ENOTSUP || e == Libc.ENODATA) return List.of();
            throw Libc.error("llistxattr", display, e);
        }
        byte[] names = s.buf(1).asSlice(0, n).toArray(JAVA_BYTE);
        List<Xattr> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] != 0) continue;
            if (i > start) {
                String name = RawNames.decode(names, start, i - start);
                byte[] v = xattr(s, name);
                if (v != null) out.add(new Xattr(name, v));
            }
            start = i + 1;
        }
        return out;
    }

    private byte[] xattr(Libc.Scratch s, String name) {
        while (true) {
            long n;
            try {
                n = (long) Dir.require(AtCalls.FGETXATTR).invokeExact(s.errno, fd, s.name(name), MemorySegment.NULL, 0L);
                if (n < 0) return null;
                MemorySegment buf = s.buf(n + 1);
                long m = (long) Dir.require(AtCalls.FGETXATTR).invokeExact(s.errno, fd, s.name(name), buf, buf.byteSize());
                if (m < 0 && s.errno() == Libc.ERANGE) continue;
                if (m < 0) return null;
                return buf.asSlice(0, m).toArray(JAVA_BYTE);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    private void ensureOpen() throws IOException {
        if (closed) throw new ClosedChannelException();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closeFd(fd);
    }

    static void closeFd(int fd) {
        Libc.Scratch s = Libc.scratch();
        try {
            int r = (int) Dir.require(AtCalls.CLOSE).invokeExact(s.errno, fd);
            // close(2) errors (EINTR, EIO) leave nothing to retry on Linux: the descriptor is gone.
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
