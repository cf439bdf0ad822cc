package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
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
 * What check tells about lost data and how much it read: a missing pack names the snapshots and
 * files that lose data (as damaged packs do), --read-data-subset never reads nothing from a
 * non-empty repository, and --json is restic's scripting output.
 */
@Tag("restic")
class CheckReportTest {
    static final ObjectMapper JSON = new ObjectMapper();

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
        new Random(9).nextBytes(data);
        Files.write(src.resolve("report.pdf"), data);
        Files.writeString(src.resolve("notes.txt"), "kept\n");
        snapshot = Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    /** The data packs (holding data blobs), by the index. */
    private List<Id> dataPacks() throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            List<Id> out = new ArrayList<>();
            for (Map.Entry<Id, List<PackedBlob>> e : r.index().byPack().entrySet()) {
                if (e.getValue().stream().anyMatch(b -> b.type() == BlobType.DATA)) out.add(e.getKey());
            }
            return out;
        }
    }

    private Path packFile(Id pack) {
        return repo.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
    }

    @Test
    void aMissingPackNamesTheSnapshotsAndFilesThatLoseData() throws Exception {
        List<Id> packs = dataPacks();
        assertThat(packs).hasSize(1);
        Files.delete(packFile(packs.getFirst()));

        Run r = cli.run("check");
        fatal(r, 1);
        assertThat(r.err()).contains("pack " + packs.getFirst().shortHex() + " is in the index but missing");
        assertThat(r.err()).as("the lost file is named with its snapshot")
                .containsPattern("snapshot " + snapshot + " \\(\\d{4}-\\d\\d-\\d\\d\\): /\\S*/src/report\\.pdf is damaged");
        assertThat(r.err()).as("notes.txt is in the same pack, so it is lost too").contains("/src/notes.txt is damaged");
        assertThat(r.err()).contains("damaged or missing packs: " + packs.getFirst().hex());
    }

    @Test
    void checkJsonIsResticsScriptingOutputWithLifeboatsExtras() throws Exception {
        Id pack = dataPacks().getFirst();
        Files.delete(packFile(pack));

        Run r = cli.run("check", "--json");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode summary = JSON.readTree(r.out());
        assertThat(summary.get("message_type").asText()).isEqualTo("summary");
        assertThat(summary.get("num_errors").asInt()).isEqualTo(summary.get("errors").size()).isPositive();
        assertThat(summary.get("broken_packs").isArray()).isTrue();
        assertThat(summary.get("broken_packs").get(0).asText()).isEqualTo(pack.hex());
        assertThat(summary.get("suggest_repair_index").isBoolean()).isTrue();
        assertThat(summary.get("suggest_prune").isBoolean()).isTrue();
        // Lifeboat's own fields stay as they were.
        assertThat(summary.get("ok").asBoolean()).isFalse();
        assertThat(summary.has("snapshots") && summary.has("trees") && summary.has("packs_read") && summary.has("warnings")).isTrue();
        // restic prints each error as a JSON line on stderr.
        List<JsonNode> errors = new ArrayList<>();
        for (String line : r.err().lines().toList()) {
            if (line.startsWith("{")) errors.add(JSON.readTree(line));
        }
        assertThat(errors).hasSize(summary.get("num_errors").asInt());
        assertThat(errors).allSatisfy(e -> assertThat(e.get("message_type").asText()).isEqualTo("error"));
        assertThat(errors.getFirst().get("message").asText()).contains(pack.shortHex());

        Cli fresh = new Cli(dir.resolve("fresh"), Cli.passwordFile(dir));
        fresh.run("init").ok();
        JsonNode healthy = JSON.readTree(fresh.run("check", "--json").ok().out());
        assertThat(healthy.get("num_errors").asInt()).isZero();
        assertThat(healthy.get("broken_packs")).isEmpty();
    }

    @Test
    void aPercentageSubsetOfASmallRepositoryReadsAtLeastOnePack() throws Exception {
        assertThat(allPacks()).as("a backup of two files writes a data pack and a tree pack").isEqualTo(2);
        Run r = cli.run("check", "--read-data-subset", "10%");
        r.ok();
        assertThat(r.out()).contains("read 1 of 2 packs").contains("read 1 pack").contains("no errors were found");
        JsonNode j = JSON.readTree(cli.run("check", "--read-data-subset", "0.1%", "--json").ok().out());
        assertThat(j.get("packs_read").asInt()).isEqualTo(1);
    }

    @Test
    void groupAndSizeFormsWorkAsRestics() throws Exception {
        // n/t: 1/1 is every pack.
        assertThat(cli.run("check", "--read-data-subset", "1/1").ok().out()).contains("read 2 of 2 packs");
        // A size: 50M is more than the repository holds, so everything is read.
        assertThat(cli.run("check", "--read-data-subset", "50M").ok().out()).contains("read 2 of 2 packs");
        // One byte is still one pack.
        assertThat(cli.run("check", "--read-data-subset", "1").ok().out()).contains("read 1 of 2 packs");
        assertThat(fatal(cli.run("check", "--read-data-subset", "1/300"), 1)).contains("1/300").contains("256");
        assertThat(fatal(cli.run("check", "--read-data-subset", "5X"), 1)).contains("'5X'");
        assertThat(fatal(cli.run("check", "--read-data", "--read-data-subset", "1/2"), 1))
                .contains("--read-data and --read-data-subset cannot be used together");
    }

    private int allPacks() throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            return r.index().byPack().size();
        }
    }
}
