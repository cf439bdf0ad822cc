package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * check names what a broken pack costs without --read-data: a missing tree pack by its real file
 * (data/ab/abcd…) and why, a truncated pack with the snapshots and files that lose data; and
 * --json keeps the note that an empty group n/t read nothing.
 */
class CheckPackDamageTest {
    @TempDir
    Path dir;

    Path repo;
    Cli cli;
    String snapshot;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Files.write(src.resolve("report.pdf"), data);
        snapshot = Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    /** The packs holding blobs of {@code type}, by the index. */
    private List<Id> packs(BlobType type) throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            List<Id> out = new ArrayList<>();
            for (Map.Entry<Id, List<PackedBlob>> e : r.index().byPack().entrySet()) {
                if (e.getValue().stream().anyMatch(b -> b.type() == type)) out.add(e.getKey());
            }
            return out;
        }
    }

    private Path packFile(Id pack) {
        return repo.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
    }

    @Test
    void aMissingTreePackNamesItsRealFileAndWhy() throws Exception {
        List<Id> trees = packs(BlobType.TREE);
        assertThat(trees).hasSize(1);
        Id pack = trees.getFirst();
        Files.delete(packFile(pack));

        Run r = cli.run("check");
        fatal(r, 1);
        assertThat(r.err()).as("the real path, with its subfolder, and the reason")
                .contains(packFile(pack) + ": no such file or directory")
                .doesNotContain(repo.resolve("data").resolve(pack.hex()).toString());
        assertThat(r.err()).as("the folder that cannot be listed is named with its snapshot")
                .contains("snapshot " + snapshot.substring(0, 8) + " (").contains("/ (folder listing) is damaged");
    }

    @Test
    void aTruncatedPackNamesTheSnapshotsAndFilesWithoutReadData() throws Exception {
        List<Id> data = packs(BlobType.DATA);
        assertThat(data).hasSize(1);
        Failures.truncate(packFile(data.getFirst()), 100_000);

        Run r = cli.run("check");
        fatal(r, 1);
        assertThat(r.err()).contains("pack " + data.getFirst().shortHex() + ": size is 100000 bytes");
        assertThat(r.err()).as("the file that loses data, with its snapshot, without --read-data")
                .containsPattern("snapshot " + snapshot.substring(0, 8) + " \\(\\d{4}-\\d\\d-\\d\\d\\): \\S*/report\\.pdf is damaged");
    }

    @Test
    void jsonSaysWhenTheGroupHoldsNoPack() throws Exception {
        Set<Integer> used = new HashSet<>();
        for (BlobType t : BlobType.values()) for (Id p : packs(t)) used.add(p.bytes()[0] & 0xff);
        int empty = 0;
        while (used.contains(empty)) empty++;
        String group = (empty + 1) + "/256";

        Run text = cli.run("check", "--read-data-subset", group);
        assertThat(text.out()).contains("this group holds no pack, so no data was read");

        Run r = cli.run("--json", "check", "--read-data-subset", group);
        assertThat(r.exit()).as("%s", r).isZero();
        JsonNode summary = new ObjectMapper().readTree(r.out().strip());
        assertThat(summary.path("packs_read").asLong()).isZero();
        assertThat(summary.path("notes").toString()).contains("this group holds no pack, so no data was read");
    }
}
