package org.lifeboat.recovery;

import java.io.IOException;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;

/**
 * Copies one snapshot from a repository into another (restic's {@code copy} for one snapshot): the
 * call {@code backup --system/--all} makes for each repository of the plan's {@code copy-to}.
 * {@link EngineSnapshotCopier} implements it with the copy engine ({@code org.lifeboat.copy}); the
 * interface keeps the plan's copies apart from how a copy is made (tests, another engine).
 */
public interface SnapshotCopier {
    /**
     * What a copy gave.
     *
     * @param id           the snapshot's ID in the target: the new copy, or the copy already there
     * @param alreadyThere true when the target already held a copy (same {@code original} or ID,
     *                     same tree, time, paths, host and tags, as restic's copy decides) and
     *                     nothing was written
     */
    record Copied(Id id, boolean alreadyThere) {}

    /**
     * Copies snapshot {@code snapshot} of {@code source} into {@code target}: the blobs the target
     * lacks, then the snapshot, whose {@code original} names the first snapshot it was copied from
     * (the source's {@code original} when it is itself a copy, else its ID) and whose
     * {@code parent} is dropped. Both repositories are open, their index loaded, and locked by the
     * caller (the target at least with a shared lock).
     *
     * @throws IOException when a blob cannot be read from the source or stored in the target, or
     *     the snapshot is not in the source (the message names the snapshot and the blob)
     * @throws Cancel.Cancelled when {@code cancel} is cancelled (what was stored stays, no snapshot)
     */
    Copied copy(Repository source, Repository target, Id snapshot, Cancel cancel) throws IOException;
}
