package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** restic 0.14 is the judge: each tool reads, checks and restores what the other writes. */
@Tag("restic")
@Tag("slow")
class ResticCompatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path src() {
        return dir.resolve("src");
    }

    /** Where a tool restores an absolute source path below a target folder. */
    private Path restored(Path target) {
        return target.resolve(src().toString().substring(1));
    }

    @Test
    void lifeboatWritesResticChecksAndRestoresEveryKindOfFile() throws Exception {
        TestTrees.everyKind(src());
        Path pw = Cli.passwordFile(dir);
        Cli lb = new Cli(dir.resolve("repo"), pw);
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        lb.run("init").ok();
        lb.run("backup", src().toString(), "--tag", "first").ok();
        Map<String, String> first = TestTrees.describe(src(), true);

        Files.writeString(src().resolve("docs/hello.txt"), "changed\n", java.nio.file.StandardOpenOption.APPEND);
        Files.write(src().resolve("added.bin"), TestTrees.random(7, 3 * 1024 * 1024));
        TestTrees.setTimes(src());
        lb.run("backup", src().toString(), "--compression", "off").ok();
        Map<String, String> second = TestTrees.describe(src(), true);

        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");

        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(2);
        restic.run("restore", ids.get(0), "--target", dir.resolve("r1").toString()).ok();
        restic.run("restore", ids.get(1), "--target", dir.resolve("r2").toString()).ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(first);
        assertThat(TestTrees.describe(restored(dir.resolve("r2")), true)).isEqualTo(second);

        // And Lifeboat's own restore agrees, with --verify.
        lb.run("restore", "latest", "--target", dir.resolve("r3").toString(), "--verify").ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r3")), true)).isEqualTo(second);
        JsonNode snaps = restic.json("snapshots", "--json");
        assertThat(snaps.get(0).get("tags").get(0).asText()).isEqualTo("first");
    }

    @ParameterizedTest(name = "repository version {0}, compression {1}")
    @CsvSource({"2, auto", "2, off", "1, auto"})
    void resticWritesLifeboatReadsChecksAndRestores(String version, String compression) throws Exception {
        TestTrees.everyKind(src());
        Path pw = Cli.passwordFile(dir);
        Cli lb = new Cli(dir.resolve("repo"), pw);
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init", "--repository-version", version).ok();
        List<String> comp = version.equals("2") ? List.of("--compression", compression) : List.of();
        List<String> a1 = new ArrayList<>(List.of("backup", src().toString(), "--tag", "one"));
        a1.addAll(comp);
        restic.run(a1.toArray(String[]::new)).ok();
        Map<String, String> first = TestTrees.describe(src(), true);
        Files.delete(src().resolve("with space.txt"));
        Files.writeString(src().resolve("docs/new.txt"), "new\n");
        Files.write(src().resolve("big.bin"), TestTrees.random(99, 2 * 1024 * 1024));
        TestTrees.setTimes(src());
        List<String> a2 = new ArrayList<>(List.of("backup", src().toString(), "--tag", "two,three"));
        a2.addAll(comp);
        restic.run(a2.toArray(String[]::new)).ok();
        Map<String, String> second = TestTrees.describe(src(), true);

        // snapshots: same IDs and tags
        JsonNode theirs = restic.json("snapshots", "--json");
        JsonNode ours = JSON.readTree(lb.run("snapshots", "--json").ok().out());
        assertThat(ours.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(ours.get(i).get("id").asText()).isEqualTo(theirs.get(i).get("id").asText());
            assertThat(ours.get(i).get("tags")).isEqualTo(theirs.get(i).get("tags"));
            assertThat(ours.get(i).get("tree").asText()).isEqualTo(theirs.get(i).get("tree").asText());
        }
        String id1 = theirs.get(0).get("id").asText();
        String id2 = theirs.get(1).get("id").asText();

        // ls: the same paths
        assertThat(lsPaths(lb.run("ls", "latest", "--json").ok().out()))
                .isEqualTo(lsPaths(restic.run("ls", "latest", "--json").ok().out()));

        // find
        String found = lb.run("find", "hello.txt").ok().out();
        assertThat(found).contains(id1.substring(0, 8), id2.substring(0, 8), "/docs/hello.txt");

        // diff: the same changes
        assertThat(diffChanges(lb.run("diff", id1, id2, "--json").ok().out()))
                .isEqualTo(diffChanges(restic.run("diff", id1, id2, "--json").ok().out()));

        // check --read-data passes
        Run check = lb.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");

        // restore: both snapshots, byte for byte, with all metadata
        lb.run("restore", id1, "--target", dir.resolve("r1").toString(), "--verify").ok();
        lb.run("restore", "latest", "--tag", "two", "--target", dir.resolve("r2").toString()).ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(first);
        assertThat(TestTrees.describe(restored(dir.resolve("r2")), true)).isEqualTo(second);

        // Lifeboat backs up into restic's repository, and restic accepts the result.
        lb.run("backup", src().toString()).ok();
        Run rcheck = restic.run("check", "--read-data");
        assertThat(rcheck.exit()).as(rcheck.toString()).isZero();
    }

    private static Set<String> lsPaths(String ndjson) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : ndjson.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            if (n.has("struct_type") && n.get("struct_type").asText().equals("node")) {
                out.add(n.get("path").asText() + " " + n.get("type").asText());
            }
        }
        return out;
    }

    private static Set<String> diffChanges(String ndjson) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : ndjson.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            if (n.path("message_type").asText().equals("change")) {
                out.add(n.get("modifier").asText() + " " + n.get("path").asText());
            }
        }
        return out;
    }

    /** More than the trees of a few folders, far less than one chunk. */
    private static final long MAX_TREE_BYTES = 16 * 1024;

    @Test
    void bothToolsCutTheSameChunksSoNeitherAddsDataTheOtherStored() throws Exception {
        Files.createDirectories(src());
        Files.write(src().resolve("large.bin"), TestTrees.random(3, 30 * 1024 * 1024));
        Files.write(src().resolve("small.txt"), "small\n".getBytes());
        Path pw = Cli.passwordFile(dir);

        // restic first, then Lifeboat (--force: really read and chunk the file again)
        Cli lb = new Cli(dir.resolve("a"), pw);
        Restic ra = new Restic(dir.resolve("a"), dir.resolve("cache"));
        ra.run("init").ok();
        ra.run("backup", src().toString()).ok();
        JsonNode s1 = lastJson(lb.run("backup", src().toString(), "--force", "--json").ok().out());
        assertThat(s1.get("total_bytes_processed").asLong()).isGreaterThan(30L * 1024 * 1024);
        assertThat(s1.get("data_blobs").asLong()).as("new data blobs").isZero();
        // data_added also counts tree blobs: a parent folder whose times changed between the two
        // backups (the repositories and the cache are created beside the source) adds a few
        // hundred bytes of tree, never a chunk (chunks are at least 512 KiB)
        assertThat(s1.get("data_added").asLong()).isLessThan(MAX_TREE_BYTES);

        // Lifeboat first, then restic
        Cli lb2 = new Cli(dir.resolve("b"), pw);
        Restic rb = new Restic(dir.resolve("b"), dir.resolve("cache"));
        lb2.run("init").ok();
        lb2.run("backup", src().toString()).ok();
        JsonNode s2 = lastJson(rb.run("backup", src().toString(), "--force", "--json").ok().out());
        assertThat(s2.get("data_blobs").asLong()).as("restic's new data blobs").isZero();
        assertThat(s2.get("data_added").asLong()).isLessThan(MAX_TREE_BYTES);
    }

    private static JsonNode lastJson(String ndjson) throws IOException {
        String[] lines = ndjson.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    @Test
    void treesAreEncodedByteForByteAsResticDoes() throws Exception {
        TestTrees.everyKind(src());
        Path pw = Cli.passwordFile(dir);
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        Cli lb = new Cli(dir.resolve("repo"), pw);
        // Both back up "." from inside the tree, so the snapshot root is the tree itself.
        restic.runIn(src(), "backup", ".").ok();
        List<String> cmd = Cli.command("-r", dir.resolve("repo").toString(), "--password-file", pw.toString(),
                "backup", ".", "--force", "--json");
        Run ours = Proc.run(cmd, Map.of(), src(), null, 120).ok();
        assertThat(lastJson(ours.out()).get("tree_blobs").asLong()).as("Lifeboat added no tree").isZero();
        JsonNode snaps = restic.json("snapshots", "--json");
        assertThat(snaps.size()).isEqualTo(2);
        assertThat(snaps.get(1).get("tree").asText()).as("root tree ID").isEqualTo(snaps.get(0).get("tree").asText());
    }

    @Test
    void aFlippedByteInAPackIsNamedAndOtherFilesStillRestore() throws Exception {
        Files.createDirectories(src());
        Files.write(src().resolve("a.bin"), TestTrees.random(11, 20 * 1024 * 1024));
        Files.write(src().resolve("b.bin"), TestTrees.random(12, 20 * 1024 * 1024));
        Files.writeString(src().resolve("c.txt"), "small and safe\n");
        Path pw = Cli.passwordFile(dir);
        Cli lb = new Cli(dir.resolve("repo"), pw);
        lb.run("init").ok();
        // One worker: files are packed one after the other, so the first pack holds only a.bin.
        lb.run("backup", src().toString(), "--compression", "off", "--threads", "1").ok();

        // Find a data pack whose blobs all belong to a.bin, and damage it.
        Map<String, String> owners = PackOwners.of(dir.resolve("repo"), Files.readString(pw).strip());
        String victim = null;
        for (var e : owners.entrySet()) if (e.getValue().equals("/a.bin")) victim = e.getKey();
        assertThat(victim).as("a pack holding only a.bin: " + owners).isNotNull();
        Path pack = dir.resolve("repo/data").resolve(victim.substring(0, 2)).resolve(victim);
        pack.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(pack);
        bytes[1000] ^= 0x40;
        Files.write(pack, bytes);

        Run check = lb.run("check", "--read-data");
        assertThat(check.exit()).isEqualTo(1);
        assertThat(check.err()).contains("pack " + victim.substring(0, 8)).contains("a.bin is damaged")
                .doesNotContain("b.bin").doesNotContain("\tat org.");
        assertThat(new Restic(dir.resolve("repo"), dir.resolve("cache")).run("check", "--read-data").exit())
                .as("restic agrees the repository is damaged").isNotZero();

        Run restore = lb.run("restore", "latest", "--target", dir.resolve("out").toString());
        assertThat(restore.exit()).isEqualTo(1);
        assertThat(restore.err()).contains("a.bin").doesNotContain("b.bin").doesNotContain("c.txt");
        Path out = restored(dir.resolve("out"));
        assertThat(TestTrees.sha256(out.resolve("b.bin"))).isEqualTo(TestTrees.sha256(src().resolve("b.bin")));
        assertThat(Files.readString(out.resolve("c.txt"))).isEqualTo("small and safe\n");
    }
}
