package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Faults in how ls, dump and stats write: a reader that goes away ends ls and dump (exit 1), dump
 * reports a file whose recorded size is not its content's length, ls of a file's path lists that
 * file (as restic), and raw-data stats of a bomb whose logical size overflows a long works.
 */
class OutputFaultsTest {
    @TempDir
    static Path dir;

    static Cli cli;
    /** 63 levels of folders "a" and "b" sharing one subtree, a 4-byte file at the bottom: 2^65 bytes. */
    static Id bomb;
    /** /big (size 100, 6 bytes), /small (size 3, 6 bytes), /ok.txt, /sub/big, /sub/x.txt */
    static Id mismatch;

    @BeforeAll
    static void build() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id t = r.tree(RawRepo.file("f", 4, r.data("bomb")));
            for (int i = 1; i <= 63; i++) t = r.tree(RawRepo.dir("a", t), RawRepo.dir("b", t));
            bomb = r.snapshot(t);
            Id six = r.data("abcdef");
            Id sub = r.tree(RawRepo.file("big", 100, six), RawRepo.file("x.txt", 6, six));
            mismatch = r.snapshot(r.tree(RawRepo.file("big", 100, six), RawRepo.file("ok.txt", 6, six),
                    RawRepo.file("small", 3, six), RawRepo.dir("sub", sub)));
            cli = r.cli(dir);
        }
    }

    // ------------------------------------------------------------------ 1: the reader goes away

    private static Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(Cli.command(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(dir.resolve("stderr-" + System.nanoTime()).toFile());
        pb.environment().putAll(cli.env());
        return pb.start();
    }

    /** Reads until the output has started, closes it, and returns whether and how the process ended. */
    private static Integer exitAfterReaderLeaves(Process p, boolean line) throws Exception {
        try {
            InputStream in = p.getInputStream();
            if (line) {
                assertThat(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine()).isNotNull();
            } else {
                assertThat(in.readNBytes(100_000)).hasSize(100_000);
            }
            in.close();
            // 2^64 paths: only stopping on the broken pipe ends it within this bound
            return p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : null;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void lsOfABombStopsWhenTheReaderGoesAway() throws Exception {
        assertThat(exitAfterReaderLeaves(start("ls", bomb.shortHex()), true)).isNotNull().isNotZero();
    }

    @Test
    void lsJsonOfABombStopsWhenTheReaderGoesAway() throws Exception {
        assertThat(exitAfterReaderLeaves(start("--json", "ls", bomb.shortHex()), true)).isNotNull().isNotZero();
    }

    @Test
    void dumpOfABombStopsWhenTheReaderGoesAway() throws Exception {
        assertThat(exitAfterReaderLeaves(start("dump", bomb.shortHex(), "/"), false)).isNotNull().isNotZero();
    }

    @Test
    void findOfABombPrintsAsItGoesAndStopsWhenTheReaderGoesAway() throws Exception {
        assertThat(exitAfterReaderLeaves(start("find", "*"), true)).isNotNull().isNotZero();
    }

    @Test
    void diffOfABombPrintsAsItGoesAndStopsWhenTheReaderGoesAway() throws Exception {
        assertThat(exitAfterReaderLeaves(start("diff", mismatch.shortHex(), bomb.shortHex()), true)).isNotNull().isNotZero();
    }

    // ------------------------------------------------------------------ 2: size and content disagree

    @Test
    void dumpOfAFileWhoseSizeIsWrongWarnsAndFails() {
        Run big = cli.run("dump", mismatch.shortHex(), "/big");
        assertThat(big.exit()).as(big.toString()).isEqualTo(1);
        assertThat(big.out()).isEqualTo("abcdef");
        assertThat(big.err()).contains("/big: the snapshot's size and its content disagree");
        Run small = cli.run("dump", mismatch.shortHex(), "/small");
        assertThat(small.exit()).as(small.toString()).isEqualTo(1);
        assertThat(small.err()).contains("/small: the snapshot's size and its content disagree");
        Run ok = cli.run("dump", mismatch.shortHex(), "/ok.txt");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.err()).doesNotContain("disagree");
    }

    @Test
    void dumpTarKeepsTheDeclaredSizesWarnsAndFails() throws Exception {
        Run r = cli.run("dump", mismatch.shortHex(), "/");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("/big: the snapshot's size and its content disagree")
                .contains("/small: the snapshot's size and its content disagree")
                .contains("/sub/big: the snapshot's size and its content disagree")
                .doesNotContain("ok.txt").doesNotContain("x.txt");
        // the archive (all ASCII and zeros, so the captured text is its bytes) extracts with GNU tar
        Path out = extract(r.out(), "root");
        assertThat(Files.readAllBytes(out.resolve("big"))).hasSize(100).startsWith("abcdef".getBytes(StandardCharsets.US_ASCII));
        assertThat(Files.readString(out.resolve("small"))).isEqualTo("abc");
        assertThat(Files.readString(out.resolve("ok.txt"))).isEqualTo("abcdef");
        assertThat(Files.readAllBytes(out.resolve("sub/big"))).hasSize(100);
    }

    @Test
    void dumpTarOfASubFolderNamesThePathInTheSnapshot() throws Exception {
        Run r = cli.run("dump", mismatch.shortHex(), "/sub");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("/sub/big: the snapshot's size and its content disagree");
        Path out = extract(r.out(), "sub");
        assertThat(Files.readAllBytes(out.resolve("sub/big"))).hasSize(100);
        assertThat(Files.readString(out.resolve("sub/x.txt"))).isEqualTo("abcdef");
    }

    private static Path extract(String tar, String name) throws Exception {
        Path file = dir.resolve(name + ".tar");
        Files.write(file, tar.getBytes(StandardCharsets.UTF_8));
        Path out = Files.createDirectories(dir.resolve("x-" + name));
        Process p = new ProcessBuilder("tar", "-xf", file.toString(), "-C", out.toString()).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(msg).isZero();
        return out;
    }

    // ------------------------------------------------------------------ 3: ls of a file's path

    @Test
    void lsOfAFilesPathListsThatFileAsResticDoes() {
        Run r = cli.run("ls", mismatch.shortHex(), "/sub/x.txt");
        assertThat(r.exit()).as(r.toString()).isZero();
        Restic restic = new Restic(cli.repo(), dir.resolve("cache"), RawRepo.PASSWORD);
        Run theirs = restic.run("ls", mismatch.hex(), "/sub/x.txt");
        assertThat(theirs.exit()).as(theirs.toString()).isZero();
        assertThat(paths(r.out())).containsExactly("/sub/x.txt").isEqualTo(paths(theirs.out()));
    }

    @Test
    void lsJsonOfAFilesPathPrintsItsNode() throws Exception {
        Run r = cli.run("--json", "ls", mismatch.shortHex(), "sub/x.txt");
        assertThat(r.exit()).as(r.toString()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode node = Json.MAPPER.readTree(lines[1]);
        assertThat(node.get("path").asText()).isEqualTo("/sub/x.txt");
        assertThat(node.get("type").asText()).isEqualTo("file");
        assertThat(node.get("size").asLong()).isEqualTo(6);
    }

    private static List<String> paths(String out) {
        return out.lines().filter(l -> l.startsWith("/")).toList();
    }

    // ------------------------------------------------------------------ 4: raw-data stats of an overflowing bomb

    @Test
    void rawDataStatsOfABombBeyondALongCountsItsBlobs() throws Exception {
        Run r = cli.run("--json", "stats", "--mode", "raw-data", bomb.shortHex());
        assertThat(r.exit()).as(r.toString()).isZero();
        // 63 levels, the bottom tree and one data blob
        assertThat(Json.MAPPER.readTree(r.out()).get("total_blob_count").asLong()).isEqualTo(65);
    }

    @Test
    void restoreSizeStatsOfThatBombStillRefusesCleanly() {
        Run r = cli.run("stats", bomb.shortHex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("exceed").doesNotContain("Exception");
    }
}
