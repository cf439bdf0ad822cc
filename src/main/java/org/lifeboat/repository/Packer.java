package org.lifeboat.repository;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Accumulates encrypted blobs of one type into a pack in memory. Not thread-safe. */
final class Packer {
    private byte[] buf;
    private int size;
    private final List<Pack.Entry> entries = new ArrayList<>();

    Packer(byte[] buffer) {
        buf = buffer;
    }

    int size() {
        return size;
    }

    int count() {
        return entries.size();
    }

    List<Pack.Entry> entries() {
        return entries;
    }

    /** Appends an encrypted blob and returns its offset in the pack. */
    long add(Pack.Entry e, byte[] encrypted, int len) {
        ensure(len);
        long off = size;
        System.arraycopy(encrypted, 0, buf, size, len);
        size += len;
        entries.add(e);
        return off;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra + 1024));
        }
    }

    /** Appends the encrypted header and its length; returns the complete pack bytes' length. */
    int finish(Crypto crypto) {
        byte[] header = Pack.encodeHeader(entries);
        int encLen = header.length + Crypto.OVERHEAD;
        ensure(encLen + 4);
        crypto.encryptInto(header, 0, header.length, buf, size);
        size += encLen;
        buf[size++] = (byte) encLen;
        buf[size++] = (byte) (encLen >>> 8);
        buf[size++] = (byte) (encLen >>> 16);
        buf[size++] = (byte) (encLen >>> 24);
        return size;
    }

    byte[] buffer() {
        return buf;
    }
}
