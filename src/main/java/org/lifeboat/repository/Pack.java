package org.lifeboat.repository;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The pack file format: {@code blob… ‖ encrypted header ‖ header length (uint32 LE)}. Header entries
 * are 37 bytes (type 0/1: type, length, id) or 41 bytes (type 2/3, compressed: type, length,
 * uncompressed length, id).
 */
public final class Pack {
    public static final int MAX_HEADER_SIZE = 16 * 1024 * 1024;
    static final int PLAIN_ENTRY = 1 + 4 + 32;
    /**
     * The smallest pack that can hold a blob: one encrypted (empty) blob, an encrypted header of
     * one uncompressed entry and the 4-byte header length (restic's design doc, "Pack Format").
     * A shorter pack file holds nothing to salvage.
     */
    public static final int MIN_SIZE_WITH_BLOB = Crypto.OVERHEAD + Crypto.OVERHEAD + PLAIN_ENTRY + 4;
    static final int COMPRESSED_ENTRY = 1 + 4 + 4 + 32;

    /** One header entry. */
    public record Entry(BlobType type, int length, int uncompressedLength, Id id) {}

    private Pack() {}

    static byte[] encodeHeader(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(entries.size() * COMPRESSED_ENTRY);
        for (Entry e : entries) {
            boolean c = e.uncompressedLength() > 0;
            out.write((e.type() == BlobType.DATA ? 0 : 1) + (c ? 2 : 0));
            writeInt(out, e.length());
            if (c) writeInt(out, e.uncompressedLength());
            out.writeBytes(e.id().bytes());
        }
        return out.toByteArray();
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    static int readInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    /**
     * Parses a decrypted header into entries; offsets are the running sum of lengths.
     * RepositoryException for an unknown type, a truncated entry, or lengths no writer produces
     * (see {@link PackedBlob#problem}).
     */
    public static List<Entry> decodeHeader(byte[] h) throws RepositoryException {
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        while (i < h.length) {
            int t = h[i] & 0xff;
            boolean c = t == 2 || t == 3;
            if (t > 3) throw new RepositoryException("pack header has unknown blob type " + t);
            int size = c ? COMPRESSED_ENTRY : PLAIN_ENTRY;
            if (i + size > h.length) throw new RepositoryException("pack header is truncated");
            // uint32 fields: read unsigned, so 0xFFFFFFFF is judged as 4 GiB, not as -1
            long len = readInt(h, i + 1) & 0xFFFF_FFFFL;
            long ulen = c ? readInt(h, i + 5) & 0xFFFF_FFFFL : 0;
            Id id = Id.of(h, i + size - 32);
            BlobType type = (t & 1) == 0 ? BlobType.DATA : BlobType.TREE;
            String problem = PackedBlob.problem(type, 0, len, ulen);
            if (problem != null) {
                throw new RepositoryException("pack header entry " + entries.size() + " (" + type.json() + " blob "
                        + id.shortHex() + ") " + problem);
            }
            entries.add(new Entry(type, (int) len, (int) ulen, id));
            i += size;
        }
        return entries;
    }
}
