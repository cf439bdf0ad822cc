package org.lifeboat.copy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/** restic 0.14 is the judge of what Lifeboat's copy writes, and Lifeboat's copy agrees with restic's on what is already copied. */
@Tag("restic")
@Tag("slow")
class CopyResticTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path pw(String name, String password) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, password + "\n");
        return p;
    }

    private Path src() {
        return dir.resolve("src");
    }

    private Path restored(Path target) {
        return target.resolve(src().toString().substring(1));
    }

    /** Every file of a repository folder with its size (what was written). */
    static Map<String, Long> files(Path repo) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(repo)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(repo.relativize(p).toString(), Files.size(p));
        }
        return out;
    }

    static long dataBytes(Path repo) throws IOException {
        long n = 0;
        for (Map.Entry<String, Long> e : files(repo).entrySet()) if (e.getKey().startsWith("data/")) n += e.getValue();
        return n;
    }

    @Test
    void lifeboatCopiesBetweenPasswordsResticChecksRestoresAndSkipsWhatLifeboatCopied() throws Exception {
        TestTrees.everyKind(src());
        Path pwA = pw("pwA", "source password");
        Path pwB = pw("pwB", "target password");
        Cli a = new Cli(dir.resolve("A"), pwA);
        Cli b = new Cli(dir.resolve("B"), pwB);
        a.run("init").ok();
        a.run("backup", src().toString(), "--tag", "first").ok();
        Map<String, String> first = TestTrees.describe(src(), true);
        Files.write(src().resolve("added.bin"), TestTrees.random(3, 2 * 1024 * 1024));
        TestTrees.setTimes(src());
        a.run("backup", src().toString()).ok();
        Map<String, String> second = TestTrees.describe(src(), true);
        b.run("init").ok();

        Run copy = b.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(copy.exit()).as(copy.toString()).isZero();
        assertThat(copy.out()).contains("  copy started, this may take a while...").contains(" saved")
                .containsPattern("snapshot [0-9a-f]{8} of \\[" + src() + "\\] at \\d{4}-\\d\\d-\\d\\d ");

        Restic ra = new Restic(a.repo(), dir.resolve("cache"), "source password");
        Restic rb = new Restic(b.repo(), dir.resolve("cache"), "target password");
        List<String> srcIds = ra.snapshotIds();
        JsonNode copied = rb.json("snapshots", "--json");
        assertThat(copied).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(copied.get(i).get("original").asText()).isEqualTo(srcIds.get(i));
            assertThat(copied.get(i).has("parent")).isFalse();
        }
        assertThat(copied.get(0).get("tags").get(0).asText()).isEqualTo("first");
        Run check = rb.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");
        rb.run("restore", copied.get(0).get("id").asText(), "--target", dir.resolve("r1").toString()).ok();
        rb.run("restore", copied.get(1).get("id").asText(), "--target", dir.resolve("r2").toString()).ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(first);
        assertThat(TestTrees.describe(restored(dir.resolve("r2")), true)).isEqualTo(second);

        // A second copy sends nothing: every snapshot skipped, no file written but the lock.
        Map<String, Long> before = files(b.repo());
        Run again = b.run("--json", "copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(again.exit()).as(again.toString()).isZero();
        JsonNode summary = JSON.readTree(again.out().strip().lines().reduce((x, y) -> y).orElseThrow());
        assertThat(summary.get("snapshots_copied").asInt()).isZero();
        assertThat(summary.get("snapshots_skipped").asInt()).isEqualTo(2);
        assertThat(summary.get("blobs_sent").asLong()).isZero();
        before.keySet().removeIf(k -> k.startsWith("locks/"));
        Map<String, Long> after = files(b.repo());
        after.keySet().removeIf(k -> k.startsWith("locks/"));
        assertThat(after).isEqualTo(before);
        Run text = b.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(text.out()).contains("skipping source snapshot " + srcIds.get(0).substring(0, 8)
                + ", was already copied to snapshot " + copied.get(0).get("short_id").asText());

        // restic's copy sees Lifeboat's copies as copies (the original field works from Lifeboat to restic)
        Run rcopy = rb.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(rcopy.exit()).as(rcopy.toString()).isZero();
        assertThat(rb.snapshotIds()).hasSize(2);
        assertThat(files(b.repo()).keySet().stream().filter(k -> k.startsWith("data/")).toList())
                .isEqualTo(after.keySet().stream().filter(k -> k.startsWith("data/")).toList());
    }

    @Test
    void resticCopiesLifeboatReadsAndSkipsWhatResticCopied() throws Exception {
        TestTrees.everyKind(src());
        Path pwA = pw("pwA", "source password");
        Path pwC = pw("pwC", "restic target");
        Cli a = new Cli(dir.resolve("A"), pwA);
        a.run("init").ok();
        a.run("backup", src().toString()).ok();
        Restic rc = new Restic(dir.resolve("C"), dir.resolve("cache"), "restic target");
        rc.run("init").ok();
        rc.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString()).ok();
        assertThat(rc.snapshotIds()).hasSize(1);

        Files.write(src().resolve("later.bin"), TestTrees.random(5, 300_000));
        TestTrees.setTimes(src());
        a.run("backup", src().toString()).ok();
        Map<String, String> second = TestTrees.describe(src(), true);

        Cli c = new Cli(dir.resolve("C"), pwC);
        Run copy = c.run("--json", "copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(copy.exit()).as(copy.toString()).isZero();
        List<String> types = new ArrayList<>();
        for (String l : copy.out().strip().split("\n")) types.add(JSON.readTree(l).get("message_type").asText());
        // restic's copy of the first snapshot is recognised; only the second is copied
        assertThat(types).containsExactly("snapshot_skipped", "snapshot_copied", "summary");
        assertThat(rc.snapshotIds()).hasSize(2);
        Run check = rc.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        c.run("restore", "latest", "--target", dir.resolve("r").toString(), "--verify").ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r")), true)).isEqualTo(second);
        // and restic finds nothing left to copy
        Run rcopy = rc.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString());
        assertThat(rcopy.out()).doesNotContain("copy started");
        assertThat(rc.snapshotIds()).hasSize(2);
    }

    @Test
    void copyChunkerParamsMakesTheNewRepositoryDeduplicateWithItsSource() throws Exception {
        Files.createDirectories(src());
        byte[] big = TestTrees.random(11, 12 * 1024 * 1024);
        Files.write(src().resolve("big.bin"), big);
        Path pwA = pw("pwA", "source password");
        Path pwB = pw("pwB", "target password");
        Cli a = new Cli(dir.resolve("A"), pwA);
        Cli same = new Cli(dir.resolve("same"), pwB);
        Cli other = new Cli(dir.resolve("other"), pwB);
        a.run("init").ok();
        a.run("backup", src().toString()).ok();
        same.run("init", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString(), "--copy-chunker-params").ok();
        other.run("init").ok();
        Restic ra = new Restic(a.repo(), dir.resolve("cache"), "source password");
        Restic rs = new Restic(same.repo(), dir.resolve("cache"), "target password");
        assertThat(rs.json("cat", "config").get("chunker_polynomial"))
                .isEqualTo(ra.json("cat", "config").get("chunker_polynomial"));
        for (Cli t : List.of(same, other)) {
            t.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", pwA.toString()).ok();
        }
        // The same file with a few bytes put in front: chunks after the first line up again only
        // with the source's polynomial.
        byte[] shifted = new byte[big.length + 100];
        System.arraycopy(big, 0, shifted, 100, big.length);
        Files.write(src().resolve("big.bin"), shifted);
        long sameBefore = dataBytes(same.repo());
        long otherBefore = dataBytes(other.repo());
        same.run("backup", src().toString()).ok();
        other.run("backup", src().toString()).ok();
        long sameGrew = dataBytes(same.repo()) - sameBefore;
        long otherGrew = dataBytes(other.repo()) - otherBefore;
        assertThat(otherGrew).isGreaterThan(10L * 1024 * 1024);
        assertThat(sameGrew).isLessThan(otherGrew / 3);
        assertThat(rs.run("check", "--read-data").exit()).isZero();
    }
}
