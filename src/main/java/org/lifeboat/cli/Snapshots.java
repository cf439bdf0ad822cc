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
        try {
            return new Snapshots(filter.resolve(all, id), sub);
        } catch (org.lifeboat.repository.SnapshotNotFoundException e) {
            // A snapshot file that exists but cannot be read is damage, not an unknown ID.
            for (org.lifeboat.repository.Id sid : repo.list(org.lifeboat.backend.FileType.SNAPSHOT)) {
                if (!id.isEmpty() && sid.hex().startsWith(id.toLowerCase(java.util.Locale.ROOT))) {
                    repo.loadSnapshot(sid); // throws the error that names the damage
                }
            }
            throw e;
        }
    }
}
