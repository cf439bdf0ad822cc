package org.lifeboat.copy;

import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Snapshot;

/**
 * Hears what one copy does while it runs: the CLI's lines come from it. Methods are called from
 * the copy's threads ({@link #blobSent} concurrently); they must be quick and must not throw. To
 * stop the copy, cancel its {@link org.lifeboat.backend.Cancel}.
 */
public interface CopyListener {
    /** A listener that ignores everything. */
    CopyListener NONE = new CopyListener() {};

    /** The source snapshot is about to be copied (its trees walked, missing blobs sent). */
    default void started(Snapshot source) {}

    /**
     * The source snapshot is already in the target: {@code existing} is the target snapshot whose
     * {@code original} (or own ID) and fields match it, as restic's copy decides.
     */
    default void skipped(Snapshot source, Snapshot existing) {}

    /**
     * One blob the target lacked was stored into the target's packs.
     *
     * @param plainBytes  the blob's plain length, in bytes
     * @param packedBytes its length in the target's pack (compressed and encrypted), in bytes
     */
    default void blobSent(BlobType type, long plainBytes, long packedBytes) {}

    /**
     * The snapshot was copied: its packs and index are stored, then {@code copy} (its new ID set).
     *
     * @param blobs how many blobs this snapshot sent (those the target lacked)
     * @param bytes their plain bytes
     */
    default void copied(Snapshot source, Snapshot copy, long blobs, long bytes) {}
}
