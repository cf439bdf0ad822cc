package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * {@code lifeboat rewrite} on snapshots restic wrote, judged by restic 0.14: the rewritten
 * snapshot restores without the excluded files and byte-identical otherwise, names its original,
 * and the repository checks clean with all data read.
 */
@Tag("restic")
@Tag("slow")
class RewriteResticTest {
    @TempDir
    Path dir;

    private Path src() {
        return dir.resolve("src");
    }

    /** A source with secrets among every kind of entry. */
    private void source() throws IOException {
        TestTrees.everyKind(src());
        Files.writeString(src().resolve("docs/.env"), "AWS_SECRET_ACCESS_KEY=leaked\n");
        Path keys = Files.createDirectories(src().resolve("d0/d1/keys"));
        Files.writeString(keys.resolve("id_rsa"), "-----BEGIN PRIVATE KEY-----\n");
        Files.writeString(keys.resolve("ID_ED25519.PEM"), "-----BEGIN PRIVATE KEY-----\n");
        Files.writeString(src().resolve("d0/kept.pem.txt"), "not a key\n");
        TestTrees.setTimes(src());
    }

    private Map<String, JsonNode> snapshotsById(Restic restic) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode s : restic.json("snapshots", "--json")) out.put(s.get("id").asText(), s);
        return out;
    }

    private Map<String, String> restoredBy(Restic restic, String id, String name) throws IOException {
        Path target = dir.resolve(name);
        restic.run("restore", id, "--target", target.toString()).ok();
        return TestTrees.describe(target.resolve(src().toString().substring(1)), true);
    }

    @Test
    void resticRestoresTheRewrittenSnapshotWithoutTheExcludedFilesAndEverythingElseIdentical() throws Exception {
        source();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src().toString(), "--tag", "nightly", "--host", "web1").ok();
        String original = restic.snapshotIds().getFirst();
        Map<String, String> before = TestTrees.describe(src(), true);
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        Path patterns = dir.resolve("secrets.txt");
        Files.writeString(patterns, "# leaked in March\n" + src() + "/docs/.env\n");

        Run r = lifeboat.run("rewrite", "--exclude-file", patterns.toString(), "--exclude", "keys/id_rsa",
                "--iexclude", "*.pem", original.substring(0, 8));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("snapshot " + original.substring(0, 8) + " of [" + src() + "]: removed 3 entries")
                .contains("  " + src() + "/docs/.env").contains("  " + src() + "/d0/d1/keys/id_rsa")
                .contains("  " + src() + "/d0/d1/keys/ID_ED25519.PEM").contains("modified 1 snapshot");
        Map<String, JsonNode> snaps = snapshotsById(restic);
        assertThat(snaps).hasSize(2).containsKey(original);
        String rewritten = snaps.keySet().stream().filter(id -> !id.equals(original)).findFirst().orElseThrow();
        JsonNode n = snaps.get(rewritten);
        assertThat(n.get("original").asText()).isEqualTo(original);
        assertThat(n.get("tags").toString()).isEqualTo("[\"nightly\",\"rewrite\"]");
        assertThat(n.get("hostname").asText()).isEqualTo("web1");
        assertThat(n.get("time").asText()).isEqualTo(snaps.get(original).get("time").asText());
        assertThat(n.get("paths")).isEqualTo(snaps.get(original).get("paths"));
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();

        Map<String, String> expected = new TreeMap<>(before);
        expected.keySet().removeIf(k -> k.equals("docs/.env") || k.equals("d0/d1/keys/id_rsa")
                || k.equals("d0/d1/keys/ID_ED25519.PEM"));
        assertThat(expected).hasSize(before.size() - 3).containsKey("d0/kept.pem.txt").containsKey("d0/d1/keys");
        assertThat(restoredBy(restic, rewritten, "new")).isEqualTo(expected);
        // the original is kept (no --forget) and still restores everything
        assertThat(restoredBy(restic, original, "old")).isEqualTo(before);
    }

    @Test
    void forgetRemovesTheOriginalAndSnapshotsWithoutAMatchAreLeftAsTheyAre() throws Exception {
        source();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        // a version 1 repository: the new trees are stored uncompressed, as restic 0.14 reads them
        restic.run("init", "--repository-version", "1").ok();
        restic.run("backup", src().resolve("docs").toString(), "--host", "a").ok();
        restic.run("backup", src().resolve("d0").toString(), "--host", "b").ok();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        // restic 0.14 writes no summary, and patterns rewrite a snapshot whose summary they change
        // (restic 0.18): give both one first, so that only a match changes a snapshot below
        List<String> first = restic.snapshotIds();
        Run summed = lifeboat.run("rewrite", "--snapshot-summary", "--forget");
        assertThat(summed.exit()).as(summed.toString()).isZero();
        assertThat(summed.out()).contains("removed old snapshot " + first.get(0).substring(0, 8))
                .contains("removed old snapshot " + first.get(1).substring(0, 8)).contains("modified 2 snapshots");
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(2).doesNotContainAnyElementsOf(first);
        Map<String, Long> files = files(dir.resolve("repo"));

        Run dry = lifeboat.run("rewrite", "--exclude", "id_rsa", "--forget", "--dry-run");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("snapshot " + ids.get(0).substring(0, 8) + ": nothing to rewrite")
                .contains("would remove 1 entry").contains("  would save a new snapshot and remove the old one")
                .contains("would modify 1 snapshot");
        assertThat(files(dir.resolve("repo"))).as("a dry run writes nothing, not even a lock").isEqualTo(files);

        Run r = lifeboat.run("rewrite", "--exclude", "id_rsa", "--forget", "--host", "a", "--host", "b");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("snapshot " + ids.get(0).substring(0, 8) + ": nothing to rewrite")
                .contains("removed old snapshot " + ids.get(1).substring(0, 8)).contains("modified 1 snapshot");
        Map<String, JsonNode> snaps = snapshotsById(restic);
        assertThat(snaps).hasSize(2).containsKey(ids.get(0)).doesNotContainKey(ids.get(1));
        JsonNode n = snaps.values().stream().filter(s -> !s.get("id").asText().equals(ids.get(0))).findFirst().orElseThrow();
        assertThat(n.get("original").asText()).isEqualTo(ids.get(1));
        assertThat(n.has("tags")).as("--forget adds no 'rewrite' tag (restic)").isFalse();
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Run ls = restic.run("ls", n.get("id").asText());
        assertThat(ls.ok().out()).contains("/d0/d1/keys/ID_ED25519.PEM").doesNotContain("id_rsa");

        // the rewritten snapshot again: nothing matches any more, nothing is written
        Map<String, Long> now = files(dir.resolve("repo"));
        Run again = lifeboat.run("rewrite", "--exclude", "id_rsa");
        assertThat(again.out()).contains("no snapshots were modified");
        now.keySet().removeIf(k -> k.startsWith("locks/"));
        Map<String, Long> after = files(dir.resolve("repo"));
        assertThat(after).isEqualTo(now);
    }

    @Test
    void badInputIsOneSentenceAndChangesNothing() throws Exception {
        source();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src().resolve("docs").toString()).ok();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        Map<String, Long> files = files(dir.resolve("repo"));

        Run none = lifeboat.run("rewrite");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err().strip()).isEqualTo("Fatal: nothing to do: give --exclude, --iexclude, --exclude-file, --iexclude-file,"
                + " --include, --iinclude, --include-file, --iinclude-file, --new-host, --new-time or --snapshot-summary");
        Run bad = lifeboat.run("rewrite", "--exclude", "[abc");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("Fatal: --exclude: invalid pattern(s) provided: [abc");
        Run missing = lifeboat.run("rewrite", "--exclude-file", dir.resolve("nope.txt").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("Fatal: cannot read exclude file: " + dir.resolve("nope.txt")).doesNotContain("\tat ");
        Run unknown = lifeboat.run("rewrite", "--exclude", ".env", "deadbeef");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("Fatal: no snapshot with ID 'deadbeef'");
        Run noLock = lifeboat.run("--no-lock", "rewrite", "--exclude", ".env");
        assertThat(noLock.exit()).isEqualTo(1);
        assertThat(noLock.err()).contains("--no-lock is only for commands that only read the repository");
        assertThat(files(dir.resolve("repo"))).isEqualTo(files);
        assertThat(restic.snapshotIds()).hasSize(1);
    }

    static Map<String, Long> files(Path repo) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(repo)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(repo.relativize(p).toString(), Files.size(p));
        }
        return out;
    }

    static List<String> lines(String s) {
        return new ArrayList<>(List.of(s.split("\n")));
    }
}
