package org.lifeboat.recovery;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * TEMPORARY: a plain one-blob-at-a-time {@link SnapshotCopier} until the copy engine
 * ({@code org.lifeboat.copy}, branch i11-copy) is merged; then the lead replaces
 * {@link #INSTANCE} in {@link SystemCopies#DEFAULT} with an adapter to that engine and deletes
 * this class. It walks all the snapshot's trees (iteratively; a tree the target has is
 * never taken as complete: an interrupted copy may have stored a tree without all below it), stores the trees and data blobs the target lacks, writes the
 * index, then the snapshot (restic's copy semantics for {@code original} and {@code parent}).
 */
final class TemporarySnapshotCopier implements SnapshotCopier {
    static final TemporarySnapshotCopier INSTANCE = new TemporarySnapshotCopier();

    private TemporarySnapshotCopier() {}

    @Override
    public Copied copy(Repository source, Repository target, Id snapshot, Cancel cancel) throws IOException {
        Snapshot sn = source.loadSnapshot(snapshot);
        Id original = sn.original() != null ? sn.original() : sn.id();
        for (Snapshot t : target.listSnapshots(w -> {})) {
            Id key = t.original() != null ? t.original() : t.id();
            if (key.equals(original) && similar(t, sn)) return new Copied(t.id(), true);
        }
        ArrayDeque<Id> trees = new ArrayDeque<>();
        Set<Id> seen = new HashSet<>();
        trees.add(sn.tree());
        while (!trees.isEmpty()) {
            cancel.check();
            Id id = trees.poll();
            if (!seen.add(id)) continue;
            byte[] raw = source.loadBlob(BlobType.TREE, id);
            Tree tree = TreeCodec.decode(id, raw);
            for (Node n : tree.nodes()) {
                if (n.subtree() != null) trees.add(n.subtree());
                if (n.content() == null) continue;
                for (Id blob : n.content()) {
                    cancel.check();
                    if (target.hasBlob(BlobType.DATA, blob)) continue;
                    byte[] data = source.loadBlob(BlobType.DATA, blob);
                    target.saveBlob(BlobType.DATA, blob, data, 0, data.length);
                }
            }
            target.saveBlob(BlobType.TREE, id, raw, 0, raw.length);
        }
        target.flush(cancel);
        Snapshot copy = new Snapshot(null, sn.time(), null, sn.tree(), sn.paths(), sn.hostname(), sn.username(), sn.uid(),
                sn.gid(), sn.excludes(), sn.tags(), original, sn.programVersion(), sn.summary());
        return new Copied(target.saveSnapshot(copy).id(), false);
    }

    /** restic's similarSnapshots: everything but parent and original agrees. */
    private static boolean similar(Snapshot a, Snapshot b) {
        return a.time().toInstant().equals(b.time().toInstant()) && a.tree().equals(b.tree())
                && Objects.equals(a.hostname(), b.hostname()) && Objects.equals(a.username(), b.username())
                && a.uid() == b.uid() && a.gid() == b.gid() && Objects.equals(a.paths(), b.paths())
                && Objects.equals(a.excludes(), b.excludes()) && Objects.equals(a.tags(), b.tags());
    }
}
