package org.lifeboat.backend;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one byte range {@code [pos, end)} of a stored file through {@link #readAt}: the
 * bookkeeping the local and SFTP backends' range reads share (bounds, position, a file that ends
 * early). Never closes what it reads from unless a subclass says so (a channel may be shared).
 */
abstract class RangeStream extends InputStream {
    /** The next offset to read, in bytes from the file's start. */
    long pos;
    /** The offset the range ends at (exclusive), in bytes. */
    final long end;

    RangeStream(long pos, long end) {
        this.pos = pos;
        this.end = end;
    }

    /**
     * Reads at most {@code want} (at least 1, never past {@link #end}) bytes at {@link #pos}.
     *
     * @return the bytes read, or -1 if the file ends there
     */
    abstract int readAt(byte[] b, int off, int want) throws IOException;

    /** The file's name as messages show it. */
    abstract String shown();

    /** One byte through the array read, as {@link InputStream#read()} asks (for any stream). */
    static int readOne(InputStream in) throws IOException {
        byte[] one = new byte[1];
        return in.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read() throws IOException {
        return readOne(this);
    }

    /** @throws StorageError.BadRange if the file ends before the range does */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (pos >= end) return -1;
        if (len == 0) return 0;
        int n = readAt(b, off, (int) Math.min(len, end - pos));
        if (n < 0) throw new StorageError.BadRange(shown() + ": file ends before offset " + end);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = Math.max(0, Math.min(n, end - pos));
        pos += k;
        return k;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - pos);
    }
}
