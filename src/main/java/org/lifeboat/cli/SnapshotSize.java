package org.lifeboat.cli;

import java.io.IOException;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;

/** The bytes of a snapshot's files, for snapshots without a summary (written by restic before 0.17). */
final class SnapshotSize {
    private SnapshotSize() {}

    static long of(Repository repo, Snapshot s) throws IOException {
        long[] total = {0};
        TreeWalker.walk(repo, s.tree(), "", (p, n) -> {
            if (n.type() == NodeType.FILE) total[0] += n.size();
            return true;
        });
        return total[0];
    }
}
