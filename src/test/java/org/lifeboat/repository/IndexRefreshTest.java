package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;

/**
 * A snapshot saved by another process after this one loaded the index (a drill or restore that
 * overlaps a backup) is read through the index files written since, never "not in the index".
 */
class IndexRefreshTest {
    @TempDir
    Path dir;

    @Test
    void snapshotsListedAfterAnotherBackupHaveTheirTreesInTheIndex() throws Exception {
        Path repo = dir.resolve("repo");
        Cli cli = new Cli(repo, Cli.passwordFile(dir));
        cli.run("init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "first\n");
        cli.run("backup", dir.resolve("src").toString()).ok();
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            Files.writeString(dir.resolve("src/b.txt"), "second\n");
            cli.run("backup", dir.resolve("src").toString()).ok(); // another process, after our index load
            List<Snapshot> all = r.listSnapshots(w -> {});
            assertThat(all).hasSize(2);
            for (Snapshot s : all) {
                assertThat(r.hasBlob(BlobType.TREE, s.tree())).as("tree of %s", s.id().shortHex()).isTrue();
                assertThat(r.loadBlob(BlobType.TREE, s.tree())).isNotEmpty();
            }
            assertThat(r.indexErrors()).isEmpty();
            // nothing new: listing again reads no index file
            assertThat(r.listSnapshots(w -> {})).hasSize(2);
        }
    }
}
