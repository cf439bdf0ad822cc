package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * restic's metadata rewrite ({@code --new-host}, {@code --new-time}, 0.17) and summaries
 * ({@code --snapshot-summary}, 0.18), judged by restic 0.14: it reads the new host and time, lists
 * the same files and checks clean. restic 0.14 drops the {@code summary} field it does not know,
 * so the summary is read from the decrypted snapshot file ({@code cat snapshot}).
 */
@Tag("restic")
class RewriteMetadataTest {
    @TempDir
    Path dir;

    private Path source() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/a/b"));
        Files.writeString(src.resolve("one.txt"), "1234567\n"); // 8 bytes
        Files.writeString(src.getParent().resolve("two.txt"), "12\n"); // 3 bytes
        Files.createSymbolicLink(src.resolve("link"), Path.of("one.txt")); // not a file: not counted
        return dir.resolve("src");
    }

    private JsonNode snapshot(Restic restic, String id) {
        for (JsonNode s : restic.json("snapshots", "--json")) {
            if (s.get("id").asText().equals(id)) return s;
        }
        throw new AssertionError("no snapshot " + id);
    }

    private static JsonNode rawSnapshot(Cli lifeboat, String id) throws Exception {
        return Json.MAPPER.readTree(lifeboat.run("cat", "snapshot", id).ok().out());
    }

    @Test
    void newHostAndTimeWithForgetReplaceTheSnapshotAndResticReadsThem() throws Exception {
        Path src = source();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString(), "--host", "old", "--tag", "t").ok();
        String original = restic.snapshotIds().getFirst();
        List<String> listing = restic.run("ls", original).ok().out().lines().skip(1).toList();
        String tree = snapshot(restic, original).get("tree").asText();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        Map<String, Long> files = RewriteResticTest.files(dir.resolve("repo"));

        Run dry = lifeboat.run("rewrite", "--new-host", "new", "--new-time", "1999-01-01 11:11:11", "--forget", "--dry-run");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would set time to 1999-01-01 11:11:11").contains("would set hostname to new")
                .contains("would save a new snapshot and remove the old one").contains("would modify 1 snapshot");
        assertThat(RewriteResticTest.files(dir.resolve("repo"))).isEqualTo(files);

        Run r = lifeboat.run("rewrite", "--new-host", "new", "--new-time", "1999-01-01 11:11:11", "--forget");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("setting time to 1999-01-01 11:11:11").contains("setting hostname to new")
                .contains("removed old snapshot " + original.substring(0, 8)).contains("modified 1 snapshot");
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(1).doesNotContain(original);
        JsonNode n = snapshot(restic, ids.getFirst());
        assertThat(n.get("hostname").asText()).isEqualTo("new");
        assertThat(OffsetDateTime.parse(n.get("time").asText()).toInstant())
                .isEqualTo(LocalDateTime.parse("1999-01-01T11:11:11").atZone(ZoneId.systemDefault()).toInstant());
        assertThat(n.get("original").asText()).isEqualTo(original);
        assertThat(n.get("tags").toString()).as("--forget adds no 'rewrite' tag").isEqualTo("[\"t\"]");
        assertThat(n.get("tree").asText()).as("the tree is the original's").isEqualTo(tree);
        assertThat(restic.run("ls", ids.getFirst()).ok().out().lines().skip(1).toList()).isEqualTo(listing);
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();

        // restic reads the time as local "2006-01-02 15:04:05": anything else is one sentence, nothing written
        files = RewriteResticTest.files(dir.resolve("repo"));
        Run bad = lifeboat.run("rewrite", "--new-time", "1999-01-01T11:11:11Z");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("Fatal: --new-time '1999-01-01T11:11:11Z' is not a time;"
                + " write it as 2024-01-02 03:04:05 (local time), as restic does");
        assertThat(RewriteResticTest.files(dir.resolve("repo"))).isEqualTo(files);
    }

    @Test
    void snapshotSummaryAddsTheFileCountAndSizeToASnapshotWithoutOneAndOnlyOnce() throws Exception {
        Path src = source();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString()).ok(); // restic 0.14: no summary
        String original = restic.snapshotIds().getFirst();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        assertThat(rawSnapshot(lifeboat, original).has("summary")).isFalse();

        Run r = lifeboat.run("rewrite", "--snapshot-summary");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("recorded in the new summary: 2 files, 11 bytes").contains("modified 1 snapshot");
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(2).contains(original);
        String added = ids.stream().filter(id -> !id.equals(original)).findFirst().orElseThrow();
        JsonNode raw = rawSnapshot(lifeboat, added);
        assertThat(raw.get("summary").get("total_files_processed").asLong()).isEqualTo(2);
        assertThat(raw.get("summary").get("total_bytes_processed").asLong()).isEqualTo(11);
        assertThat(raw.get("summary").get("files_new").asLong()).as("only the two totals are set (restic 0.18)").isZero();
        assertThat(raw.get("original").asText()).isEqualTo(original);
        assertThat(snapshot(restic, added).get("tags").toString()).isEqualTo("[\"rewrite\"]");
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();

        // the new snapshot's summary is right: asking again changes nothing of it
        Run again = lifeboat.run("rewrite", "--snapshot-summary", added.substring(0, 8));
        assertThat(again.out()).contains("snapshot " + added.substring(0, 8) + ": nothing to rewrite")
                .contains("no snapshots were modified");
        // patterns that match nothing still give the summary-less original one (restic 0.18)
        Run dry = lifeboat.run("rewrite", "--exclude", "/nowhere", "--dry-run");
        assertThat(dry.out()).contains("snapshot " + added.substring(0, 8) + ": nothing to rewrite")
                .contains("snapshot " + original.substring(0, 8) + " of [" + src + "]:")
                .contains("would record in the new summary: 2 files, 11 bytes").contains("would modify 1 snapshot");
        assertThat(restic.snapshotIds()).hasSize(2);
    }

    @Test
    void aLifeboatBackupsSummaryAlreadyCountsWhatRewriteCounts() throws Exception {
        Path src = source();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        lifeboat.run("init").ok();
        lifeboat.run("backup", src.toString()).ok();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        String id = restic.snapshotIds().getFirst();

        Run sum = lifeboat.run("rewrite", "--snapshot-summary", "--exclude", "/nowhere", "--forget");
        assertThat(sum.exit()).as(sum.toString()).isZero();
        assertThat(sum.out()).contains("snapshot " + id.substring(0, 8) + ": nothing to rewrite").contains("no snapshots were modified");
        assertThat(restic.snapshotIds()).containsExactly(id);

        // a removal updates the totals and keeps the rest of the backup's summary
        JsonNode before = rawSnapshot(lifeboat, id).get("summary");
        Run rm = lifeboat.run("rewrite", "--exclude", "one.txt", "--forget");
        assertThat(rm.exit()).as(rm.toString()).isZero();
        String now = restic.snapshotIds().getFirst();
        JsonNode after = rawSnapshot(lifeboat, now).get("summary");
        assertThat(after.get("total_files_processed").asLong()).isEqualTo(1);
        assertThat(after.get("total_bytes_processed").asLong()).isEqualTo(3);
        assertThat(after.get("files_new")).isEqualTo(before.get("files_new"));
        assertThat(after.get("backup_start")).isEqualTo(before.get("backup_start"));
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
    }
}
