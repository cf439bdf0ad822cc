package org.lifeboat.repository;

/**
 * Where a blob is stored: pack, offset and stored (encrypted) length. {@code uncompressedLength}
 * is 0 for blobs stored without compression.
 */
public record PackedBlob(Id id, BlobType type, Id pack, long offset, int length, int uncompressedLength) {

    /**
     * Largest plaintext of a data blob, in bytes: restic's (and Lifeboat's) content-defined chunker
     * cuts chunks of at most 8 MiB, so no writer of this format stores a larger data blob.
     */
    public static final int MAX_DATA_BLOB = org.lifeboat.repository.chunker.Chunker.MAX_SIZE;

    /**
     * Largest plaintext of a tree blob, in bytes (512 MiB). restic writes one tree blob per folder
     * and never splits it, so the limit is about the largest folder: at a few hundred bytes of JSON
     * per entry, 512 MiB holds well over a million entries. restic itself (which keeps a tree and its
     * decoded nodes in memory several times over) cannot back up folders near that size, and the
     * bound keeps a hostile index or pack header from making a reader allocate gigabytes.
     */
    public static final int MAX_TREE_BLOB = 512 * 1024 * 1024;

    /** No blob starts beyond this offset in its pack, in bytes (1 TiB): see {@link #problem}. */
    public static final long MAX_OFFSET = 1L << 40;

    public boolean compressed() {
        return uncompressedLength > 0;
    }

    /** Length of the plaintext. */
    public int plainLength() {
        return compressed() ? uncompressedLength : length - Crypto.OVERHEAD;
    }

    /** The largest plaintext a blob of this type may have, in bytes. */
    public static int maxPlain(BlobType type) {
        return type == BlobType.DATA ? MAX_DATA_BLOB : MAX_TREE_BLOB;
    }

    /**
     * The largest stored (encrypted, maybe compressed) length of a blob of this type, in bytes:
     * the plaintext limit plus zstd's worst-case growth (incompressible input is stored in raw
     * blocks; 1/128 is generous) plus the IV and MAC.
     */
    public static long maxStored(BlobType type) {
        long plain = maxPlain(type);
        return plain + plain / 128 + 1024 + Crypto.OVERHEAD;
    }

    /**
     * Why these location values cannot describe a blob written by restic or Lifeboat, or null when
     * they can: a negative offset, a stored length below the IV and MAC or above
     * {@link #maxStored}, or an uncompressed length that is negative or above {@link #maxPlain}.
     * Lengths are longs so that values which overflowed 32 bits can be judged too.
     */
    public static String problem(BlobType type, long offset, long length, long uncompressedLength) {
        if (offset < 0) return "has a negative offset " + offset;
        // restic's pack header holds 32-bit lengths and packs are at most 128 MiB: 1 TiB is no pack
        if (offset > MAX_OFFSET) return "has an impossible offset " + offset + " (packs are far smaller than 1 TiB)";
        if (length < Crypto.OVERHEAD) return "has an impossible length " + length + " (less than the " + Crypto.OVERHEAD
                + " bytes of IV and MAC)";
        if (length > maxStored(type)) return "claims a length of " + length + " bytes; " + type.json()
                + " blobs are at most " + Compression.sizeText(maxPlain(type));
        if (uncompressedLength < 0 || uncompressedLength > maxPlain(type)) {
            return "claims an uncompressed length of " + uncompressedLength + " bytes; " + type.json()
                    + " blobs are at most " + Compression.sizeText(maxPlain(type));
        }
        return null;
    }
}
