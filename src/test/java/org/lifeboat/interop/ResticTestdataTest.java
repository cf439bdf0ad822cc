package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * restic's own edge-case repositories (../shared/testdata/restic, read in place): Lifeboat reaches
 * restic's check verdict on each, and restores the healthy ones byte-identically to restic.
 */
@Tag("restic")
@Tag("slow")
class ResticTestdataTest {
    static final Path TESTDATA = Path.of("..", "shared", "testdata", "restic").toAbsolutePath().normalize();

    /** Each repository and the verdict restic 0.14's {@code check --read-data} reaches on it. */
    private static final String[][] REPOS = {
        {"small-repo", "passes"},
        {"repo-restore-permissions-test", "passes"},
        {"repo-mixed", "passes"},
        {"repo-obsolete-index", "passes"},
        {"repo-unreferenced-data", "passes"},
        {"repo-duplicates", "passes"},
        {"repo-index-missing", "fails"},
        {"repo-index-missing-blob", "fails"},
        {"repo-data-missing", "fails"},
        {"repo-unused-data-missing", "fails"}};

    @TempDir
    Path dir;

    /** restic's own copies of the repositories, one folder each. */
    @TempDir
    static Path resticCopies;

    /*
     * restic 0.14 retries a missing pack about ten times with backoff before its check --read-data
     * gives up (~1-2 min for the data-missing repositories, nearly all of it waiting), so restic's
     * checks all start when the class starts, each on its own copy of the repository, and each case
     * awaits its own verdict while Lifeboat checks another copy. Where restic's plain check already
     * fails, that is its --read-data verdict too (see resticVerdict) and the wait is skipped.
     */
    private static final Map<String, CompletableFuture<Run>> resticChecks = new HashMap<>();
    /** A thread each (they wait on processes; the common pool runs one task at a time on 2 cores). */
    private static final java.util.concurrent.ExecutorService WAITERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    static Stream<Arguments> repos() {
        return Arrays.stream(REPOS).map(r -> Arguments.of(r[0], r[1]));
    }

    @BeforeAll
    static void startResticsChecks() {
        for (String[] r : REPOS) {
            Path tarball = TESTDATA.resolve(r[0] + ".tar.gz");
            if (!Files.exists(tarball)) continue; // the case says so (an assumption)
            Path into = resticCopies.resolve(r[0]);
            resticChecks.put(r[0], CompletableFuture.supplyAsync(() -> {
                extract(tarball, into);
                return resticVerdict(restic(into));
            }, WAITERS));
        }
    }

    @AfterAll
    static void awaitResticsChecks() {
        resticChecks.values().forEach(f -> f.handle((r, e) -> r).join());
    }

    /**
     * restic's {@code check --read-data} verdict. Its --read-data only adds reading the packs to the
     * checks a plain {@code check} runs first (index, packs listed, snapshots' trees), and any error
     * makes the command fail: so when the plain check fails (in well under a second), so does
     * --read-data, and its retry back-off on missing packs need not be waited for. A plain check
     * that passes says nothing about the data, so then --read-data runs.
     */
    private static Run resticVerdict(Restic restic) {
        Run plain = restic.run("check");
        return plain.exit() != 0 ? plain : restic.run("check", "--read-data");
    }

    private static void extract(Path tarball, Path into) {
        try {
            Files.createDirectories(into);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Proc.run(List.of("tar", "-xzf", tarball.toString(), "-C", into.toString()), Map.of(), null, null, 120).ok();
    }

    private static Restic restic(Path extracted) {
        return new Restic(extracted.resolve("repo"), extracted.resolve("cache"), "geheim");
    }

    @ParameterizedTest(name = "{0}: check {1}")
    @MethodSource("repos")
    void sameVerdictAsRestic(String name, String verdict) throws Exception {
        Path tarball = TESTDATA.resolve(name + ".tar.gz");
        // Not a missing install: the peer suite lives beside the checkout, in shared/, as CI has it.
        Assumptions.assumeTrue(Files.exists(tarball),
                "restic's peer test repositories were not found at " + TESTDATA + ": this peer suite was not run");
        extract(tarball, dir);
        Path repo = dir.resolve("repo");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "geheim\n");
        Cli lb = new Cli(repo, pw);
        Restic restic = restic(resticCopies.resolve(name));

        Run ours = lb.run("check", "--read-data");
        Run theirs = resticChecks.get(name).get(10, TimeUnit.MINUTES);
        assertThat(ours.err()).doesNotContain("\tat org.");
        if (verdict.equals("passes")) {
            assertThat(theirs.exit()).as("restic: " + theirs).isZero();
            assertThat(ours.exit()).as(ours.toString()).isZero();
            for (String id : restic.snapshotIds()) {
                Path a = dir.resolve("restic-" + id);
                Path b = dir.resolve("lifeboat-" + id);
                restic.run("restore", id, "--target", a.toString()).ok();
                lb.run("restore", id, "--target", b.toString(), "--verify").ok();
                assertThat(TestTrees.describe(b, true)).as("snapshot " + id).isEqualTo(TestTrees.describe(a, true));
            }
        } else {
            assertThat(theirs.exit()).as("restic: " + theirs).isNotZero();
            assertThat(ours.exit()).as(ours.toString()).isEqualTo(1);
            assertThat(ours.err()).contains("error:");
        }
    }
}
