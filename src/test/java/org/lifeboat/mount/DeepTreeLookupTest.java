package org.lifeboat.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cryptomator.jfuse.api.Fuse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.RawRepo;

/**
 * A snapshot of 1,500 nested folders (a hostile or merely deep tree), looked up path by path as
 * the kernel does (each folder before what is in it): every lookup searches one folder, so the
 * whole walk searches 1,500 (it searched d²/2, over a million, when every lookup walked down from
 * the snapshot: a `find` over such a tree took minutes).
 */
class DeepTreeLookupTest {
    @Test
    void eachLookupSearchesOneFolderWhateverTheDepth(@TempDir Path dir) throws Exception {
        int depth = 1500;
        Id snapshot;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id cur = raw.tree(RawRepo.file("leaf", 3, raw.data("hi\n")));
            for (int i = 0; i < depth; i++) cur = raw.tree(RawRepo.dir("d", cur));
            snapshot = raw.snapshot(cur, List.of());
        }
        Repository repo = Repository.open(new org.lifeboat.backend.LocalBackend(dir.resolve("repo")), RawRepo.PASSWORD);
        repo.loadIndex();
        List<Snapshot> snapshots = repo.listSnapshots(w -> { });
        SnapshotDirs dirs = new SnapshotDirs(snapshots, SnapshotDirs.DEFAULT_TEMPLATES, GoTimeLayout.RFC3339);
        List<String> warnings = new ArrayList<>();
        RepositoryFs fs = new RepositoryFs(repo, Fuse.builder().errno(), dirs, new RepositoryFs.Options(false, 0, 0),
                1 << 20, warnings::add);

        StringBuilder path = new StringBuilder("/ids/" + snapshot.shortHex());
        for (int i = 0; i < depth; i++) {
            path.append("/d");
            assertThat(fs.exists(path.toString())).as("depth %d", i + 1).isTrue();
        }
        assertThat(fs.exists(path + "/leaf")).isTrue();
        assertThat(fs.exists(path + "/nothing")).isFalse();
        assertThat(fs.folderSearches()).isEqualTo(depth + 2);
        assertThat(warnings).isEmpty();

        // a deep path asked first (none of its folders resolved yet) is found by walking down once
        RepositoryFs fresh = new RepositoryFs(repo, Fuse.builder().errno(), dirs, new RepositoryFs.Options(false, 0, 0),
                1 << 20, warnings::add);
        assertThat(fresh.exists(path + "/leaf")).isTrue();
        assertThat(fresh.folderSearches()).isEqualTo(depth + 1);
        assertThat(fresh.exists(path.substring(0, path.length() - 2))).isTrue();
        assertThat(fresh.folderSearches()).as("its folders were remembered on the way").isEqualTo(depth + 1);
    }
}
