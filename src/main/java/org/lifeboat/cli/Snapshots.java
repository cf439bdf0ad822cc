package org.lifeboat.cli;

import java.io.IOException;
import java.util.List;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;

/** Resolves "ID", "latest" and "ID:subfolder" arguments. */
record Snapshots(Snapshot snapshot, String subfolder) {
    static Snapshots resolve(Context ctx, Repository repo, SnapshotFilter filter, String arg) throws IOException {
        String id = arg;
        String sub = "";
        int colon = arg.indexOf(':');
        if (colon >= 0) {
            id = arg.substring(0, colon);
            sub = arg.substring(colon + 1);
        }
        List<Snapshot> all = repo.listSnapshots(ctx::warn);
        return new Snapshots(filter.resolve(all, id), sub);
    }
}
