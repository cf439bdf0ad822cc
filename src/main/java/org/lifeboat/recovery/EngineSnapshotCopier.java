package org.lifeboat.recovery;

import java.io.IOException;
import java.util.List;
import org.lifeboat.backend.Cancel;
import org.lifeboat.copy.CopyListener;
import org.lifeboat.copy.CopyResult;
import org.lifeboat.copy.Copier;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/** {@link SnapshotCopier} by the copy engine ({@link Copier}, as {@code lifeboat copy}): one snapshot at a time. */
final class EngineSnapshotCopier implements SnapshotCopier {
    static final EngineSnapshotCopier INSTANCE = new EngineSnapshotCopier();

    private EngineSnapshotCopier() {}

    @Override
    public Copied copy(Repository source, Repository target, Id snapshot, Cancel cancel) throws IOException {
        Snapshot s = source.loadSnapshot(snapshot);
        Snapshot[] existing = new Snapshot[1];
        CopyListener listener = new CopyListener() {
            @Override
            public void skipped(Snapshot src, Snapshot there) {
                existing[0] = there;
            }
        };
        CopyResult r = new Copier(source, target, listener, cancel).copy(List.of(s), w -> {});
        if (!r.copied().isEmpty()) return new Copied(r.copied().getFirst().id(), false);
        if (existing[0] == null) throw new IOException("the copy engine neither copied nor found snapshot " + snapshot.shortHex());
        return new Copied(existing[0].id(), true);
    }
}
