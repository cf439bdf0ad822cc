package org.lifeboat.interop;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;

/** For tests: which file (path relative to the snapshot root folder) each data pack serves; "*" if several. */
final class PackOwners {
    private PackOwners() {}

    static Map<String, String> of(Path repoDir, String password) throws Exception {
        Map<String, String> owners = new HashMap<>();
        try (Repository repo = Repository.open(new LocalBackend(repoDir), password)) {
            repo.loadIndex();
            Snapshot s = repo.listSnapshots(w -> { }).getLast();
            String root = s.paths().getFirst();
            TreeWalker.walk(repo, s.tree(), "", (p, n) -> {
                if (n.type() == NodeType.FILE && n.content() != null && p.startsWith(root + "/")) {
                    String rel = p.substring(root.length());
                    for (Id id : n.content()) {
                        PackedBlob pb = repo.index().lookup(BlobType.DATA, id);
                        owners.merge(pb.pack().hex(), rel, (a, b) -> a.equals(b) ? a : "*");
                    }
                }
                return true;
            });
        }
        return owners;
    }
}
