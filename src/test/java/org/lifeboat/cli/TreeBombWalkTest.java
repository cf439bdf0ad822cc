package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * A tree that reuses one subtree at every level (each level holds folders "a" and "b" pointing at
 * the level below; a 4-byte file "f" at the bottom): 2^60 paths from a few KB. stats finishes at
 * once with the exact totals; diff streams its changes with a small heap.
 */
class TreeBombWalkTest {
    @TempDir
    static Path dir;

    static Cli cli;
    static Id bomb60;
    static Id bomb18;
    static Id empty;

    @BeforeAll
    static void build() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id t = r.tree(RawRepo.file("f", 4, r.data("bomb")));
            for (int i = 1; i <= 60; i++) {
                t = r.tree(RawRepo.dir("a", t), RawRepo.dir("b", t));
                if (i == 18) bomb18 = r.snapshot(t);
            }
            bomb60 = r.snapshot(t);
            empty = r.snapshot(r.tree());
            cli = r.cli(dir);
        }
    }

    /** Nodes below a bomb of n levels: c(0) = 1 (the file), c(i) = 2 + 2 c(i-1), so 3 * 2^n - 2. */
    private static BigInteger nodes(int levels) {
        return BigInteger.valueOf(3).shiftLeft(levels).subtract(BigInteger.TWO);
    }

    @Test
    void statsSumsEachTreeOnceAndPrintsTheLogicalTotals() throws Exception {
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cli.run("--json", "stats", bomb60.shortHex()));
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertThat(o.get("total_file_count").bigIntegerValue()).isEqualTo(nodes(60));
        assertThat(o.get("total_size").bigIntegerValue()).isEqualTo(BigInteger.valueOf(4).shiftLeft(60));
    }

    @Test
    void rawDataStatsReadsEachTreeOnce() throws Exception {
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> cli.run("--json", "stats", "--mode", "raw-data", bomb60.shortHex()));
        assertThat(r.exit()).as(r.toString()).isZero();
        // 61 trees (60 levels and the bottom one) and one data blob
        assertThat(Json.MAPPER.readTree(r.out()).get("total_blob_count").asLong()).isEqualTo(62);
    }

    @Test
    void contentModesReadEachTreeOnce() throws Exception {
        // restic's counting: every node once per distinct content (all folders share the empty one)
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> cli.run("--json", "stats", "--mode", "files-by-contents", bomb60.shortHex()));
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertThat(o.get("total_file_count").asLong()).isEqualTo(2);
        assertThat(o.get("total_size").asLong()).isEqualTo(4);
        // the first path to "f" counts its one blob; every other path has the same content
        Run b = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> cli.run("--json", "stats", "--mode", "blobs-per-file", bomb60.shortHex()));
        assertThat(b.exit()).as(b.toString()).isZero();
        JsonNode ob = Json.MAPPER.readTree(b.out());
        assertThat(ob.get("total_file_count").asLong()).isEqualTo(1);
        assertThat(ob.get("total_blob_count").asLong()).isEqualTo(1);
        assertThat(ob.get("total_size").asLong()).isEqualTo(4);
    }

    private static Path stderr;

    /** Starts Lifeboat in a JVM with a 64 MB heap (scrypt alone needs 32 MB); its stderr goes to {@link #stderr}. */
    private static Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(Cli.command(args));
        cmd.add(1, "-Xmx64m");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        stderr = dir.resolve("stderr-" + System.nanoTime());
        pb.redirectError(stderr.toFile());
        pb.environment().putAll(cli.env());
        return pb.start();
    }

    private static String stderr() throws java.io.IOException {
        return "stderr:\n" + java.nio.file.Files.readString(stderr);
    }

    @Test
    void diffOfTwoToTheEighteenChangesRunsInSixtyFourMegabytes() throws Exception {
        // collecting its 786,430 changes before printing them needed ~100 MB
        Process p = start("diff", empty.shortHex(), bomb18.shortHex());
        long changes = 0;
        String first = null;
        String last = null;
        BigInteger statNew = BigInteger.ZERO;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null; ) {
                if (l.startsWith("+    ")) {
                    if (first == null) first = l;
                    changes++;
                }
                last = l;
                // restic's statistics: Files/Dirs/Others lines, new ones add up to every node
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(Files|Dirs|Others):\\s+(\\d+) new,\\s+0 removed").matcher(l);
                if (m.find()) statNew = statNew.add(new BigInteger(m.group(2)));
            }
        }
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(stderr()).isZero();
        assertThat(BigInteger.valueOf(changes)).isEqualTo(nodes(18));
        assertThat(first).isEqualTo("+    /a/");
        assertThat(statNew).isEqualTo(nodes(18));
        assertThat(last).startsWith("  Removed: ");
    }

    @Test
    void diffOfTwoToTheSixtyPathsStreamsAndStopsOnSigterm() throws Exception {
        Process p = start("diff", empty.shortHex(), bomb60.shortHex());
        try {
            List<String> seen = new ArrayList<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            // 2^60 changes cannot be collected: the first ones arrive only if diff prints as it goes
            for (String l; seen.size() < 200_000 && (l = in.readLine()) != null; ) {
                if (l.startsWith("+    ")) seen.add(l);
            }
            assertThat(seen).as(stderr()).hasSize(200_000);
            assertThat(p.isAlive()).isTrue();
            // depth first in name order, as restic: /a/, /a/a/, … down to the file, then its siblings
            assertThat(seen.subList(0, 3)).containsExactly("+    /a/", "+    /a/a/", "+    /a/a/a/");
            assertThat(seen.get(60)).isEqualTo("+    " + "/a".repeat(60) + "/f");
            assertThat(seen.get(61)).isEqualTo("+    " + "/a".repeat(59) + "/b/");
        } finally {
            p.destroy(); // SIGTERM, as a kill or Ctrl-C
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("diff ends on SIGTERM").isTrue();
    }
}
