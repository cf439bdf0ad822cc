package org.lifeboat.backup;

import java.io.IOException;
import java.util.List;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Snapshot;

/**
 * Looks at a backup once its data, trees and index are stored and before its snapshot is: the
 * tags it returns are added to the snapshot's (a plan backup adds {@code suspicious} when the change
 * looks like ransomware). The snapshot file is written once, already tagged, so restic and every
 * later command see the tag. Not called in a dry run.
 */
@FunctionalInterface
public interface SnapshotReview {
    /** Adds nothing. */
    SnapshotReview NONE = (parent, tree, summary) -> List.of();

    /**
     * The tags to add.
     *
     * @param parent the snapshot compared with (null: none)
     * @param tree the new snapshot's root tree, stored and readable
     * @param summary the backup's numbers (files and bytes processed)
     * @throws IOException when the review cannot read what it needs; the backup then fails (no
     *     snapshot is written), so a review that may fail should catch and say so itself
     */
    List<String> tags(Snapshot parent, Id tree, Snapshot.Summary summary) throws IOException;
}
