package org.lifeboat.repository;

/**
 * Where a blob is stored: pack, offset and stored (encrypted) length. {@code uncompressedLength}
 * is 0 for blobs stored without compression.
 */
public record PackedBlob(Id id, BlobType type, Id pack, long offset, int length, int uncompressedLength) {

    public boolean compressed() {
        return uncompressedLength > 0;
    }

    /** Length of the plaintext. */
    public int plainLength() {
        return compressed() ? uncompressedLength : length - Crypto.OVERHEAD;
    }
}
