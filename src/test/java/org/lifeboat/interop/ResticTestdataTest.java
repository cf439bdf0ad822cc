package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}: check {1}")
    @CsvSource({
        "small-repo, passes",
        "repo-restore-permissions-test, passes",
        "repo-mixed, passes",
        "repo-obsolete-index, passes",
        "repo-unreferenced-data, passes",
        "repo-duplicates, passes",
        "repo-index-missing, fails",
        "repo-index-missing-blob, fails",
        "repo-data-missing, fails",
        "repo-unused-data-missing, fails"})
    void sameVerdictAsRestic(String name, String verdict) throws Exception {
        Path tarball = TESTDATA.resolve(name + ".tar.gz");
        // Not a missing install: the peer suite lives beside the checkout, in shared/, as CI has it.
        Assumptions.assumeTrue(Files.exists(tarball),
                "restic's peer test repositories were not found at " + TESTDATA + ": this peer suite was not run");
        Proc.run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), java.util.Map.of(), null, null, 120).ok();
        Path repo = dir.resolve("repo");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "geheim\n");
        Cli lb = new Cli(repo, pw);
        Restic restic = new Restic(repo, dir.resolve("cache"), "geheim");

        Run ours = lb.run("check", "--read-data");
        Run theirs = restic.run("check", "--read-data");
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
