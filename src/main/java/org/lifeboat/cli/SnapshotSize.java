package org.lifeboat.cli;

import java.io.IOException;
import java.util.HashMap;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * The bytes a restore of a snapshot writes, for snapshots without a summary (written by restic
 * before 0.17): each tree is summed once per tree ID ({@link StatsCommand#totals}), so a tree that
 * reuses one subtree at every level costs its distinct trees, not its 2^N paths. Damaged folders
 * count as empty.
 */
final class SnapshotSize {
    private SnapshotSize() {}

    static long of(Repository repo, Snapshot s) throws IOException {
        return StatsCommand.totals(repo, s.tree(), new HashMap<>(), null, (shown, id, problems) -> { })
                .restoreSize();
    }
}
