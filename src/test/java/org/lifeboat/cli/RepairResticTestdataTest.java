package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * restic's own damaged repositories (shared testdata, read in place and copied to a temp folder
 * before repairing): {@code repair index} then {@code repair snapshots --forget} turn each into a
 * repository restic 0.14's {@code check --read-data} finds clean, naming what was lost.
 */
@Tag("restic")
@Tag("slow")
class RepairResticTestdataTest {
    /** The peer suite beside the checkout (as CI has it), else the machine's shared folder. */
    static final Path TESTDATA = Files.isDirectory(Path.of("..", "shared", "testdata", "restic"))
            ? Path.of("..", "shared", "testdata", "restic").toAbsolutePath().normalize()
            : Path.of("/work/shared/testdata/restic");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "repo-index-missing|no snapshots were modified",
        "repo-index-missing-blob|no snapshots were modified",
        "repo-data-missing|file \"/home/thinkpad/data/test\": removed missing content (1 of 1 blob, 5 of 5 bytes lost)",
        "repo-unused-data-missing|no snapshots were modified"})
    void repairedIntoARepositoryResticFindsClean(String name, String snapshotsSay) throws Exception {
        Path tarball = TESTDATA.resolve(name + ".tar.gz");
        assertThat(tarball).as("restic's test repositories (shared testdata)").exists();
        Proc.run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), Map.of(), null, null, 120).ok();
        Path repo = dir.resolve("repo");
        Path pw = dir.resolve("password");
        Files.writeString(pw, "geheim\n");
        Cli cli = new Cli(repo, pw);
        Restic restic = new Restic(repo, dir.resolve("cache"), "geheim");

        Run index = cli.run("repair", "index");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).contains("saved new index");
        Run snaps = cli.run("repair", "snapshots", "--forget");
        assertThat(snaps.exit()).as("%s", snaps).isZero();
        assertThat(snaps.out()).contains(snapshotsSay);

        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as("restic check --read-data of the repaired %s:\n%s", name, check).isZero();
        for (String id : restic.snapshotIds()) {
            Run restore = restic.run("restore", id, "--target", dir.resolve("restored-" + id).toString());
            assertThat(restore.exit()).as("restic restores %s of %s:\n%s", id, name, restore).isZero();
        }
        // the repair said what it did with the damage restic's check reports
        switch (name) {
            case "repo-data-missing" -> assertThat(index.out()).contains("is missing: its 1 index entry is removed");
            // an empty pack file the index names: nothing to salvage, so no repair packs is advised (brk4 M5)
            case "repo-unused-data-missing" -> assertThat(index.out()).contains("(0 bytes) (too short to hold a blob: its 5 index"
                    + " entries are removed; prune removes it)").contains("is missing").doesNotContain("repair packs");
            default -> assertThat(index.out()).contains("reading 2 pack files");
        }
    }
}
