package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * kill -9 of {@code repair index} and {@code repair packs} after the new index is saved and
 * before the old index files are removed: the repository stays usable (snapshots list, a sound
 * snapshot restores byte for byte), and a second repair finishes the job, after which restic's
 * {@code check --read-data} finds it clean.
 */
@Tag("restic")
class RepairCrashTest {
    @TempDir
    Path dir;

    /** Starts a repair in its own JVM, held after its new index, and kills it there with SIGKILL. */
    private void killAfterNewIndex(Path repo, Path pw, String... repair) throws Exception {
        List<String> args = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString()));
        args.addAll(List.of(repair));
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args.toArray(String[]::new)));
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.environment().put(RepairCommand.PAUSE_VARIABLE, "1");
        pb.directory(dir.toFile());
        pb.redirectOutput(dir.resolve("repair.out").toFile());
        Process p = pb.start();
        // the pause is announced on stderr; standard input stays open, so the repair waits there
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            List<String> seen = new ArrayList<>();
            while ((line = err.readLine()) != null && !line.equals("paused after the new index")) seen.add(line);
            assertThat(line).as("the repair reached its new index; it said:\n%s\n%s", String.join("\n", seen),
                    Files.readString(dir.resolve("repair.out"))).isNotNull();
            p.destroyForcibly(); // SIGKILL
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    }

    @Test
    void killedRepairIndexLeavesAUsableRepositoryAndASecondRepairFinishes() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] keep = TestTrees.random(1, 100_000);
        Files.write(src.resolve("keep.bin"), keep);
        String first = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        List<Path> packsBefore = Failures.packs(repo);
        Files.write(src.resolve("lost.bin"), TestTrees.random(2, 100_000));
        cli.run("backup", src.toString()).ok();
        List<Path> added = new ArrayList<>(Failures.packs(repo));
        added.removeAll(packsBefore);
        // the second backup's packs (its data and its trees) are gone
        for (Path p : added) Files.delete(p);
        List<String> oldIndex = Failures.ids(repo, "index");

        killAfterNewIndex(repo, pw, "repair", "index");
        List<String> afterKill = Failures.ids(repo, "index");
        assertThat(afterKill).as("the old index files are all still there").containsAll(oldIndex);
        assertThat(afterKill).as("and the new one beside them").hasSize(oldIndex.size() + 1);

        // usable: the sound snapshot lists and restores; the new index supersedes the old files
        Run snaps = cli.run("snapshots");
        assertThat(snaps.exit()).as("%s", snaps).isZero();
        Path target = dir.resolve("restored");
        Run restore = cli.run("restore", first, "--target", target.toString());
        assertThat(restore.exit()).as("%s", restore).isZero();
        assertThat(Files.readAllBytes(target.resolve(src.toString().substring(1)).resolve("keep.bin"))).isEqualTo(keep);

        Run again = cli.run("repair", "index");
        assertThat(again.exit()).as("%s", again).isZero();
        assertThat(Failures.ids(repo, "index")).as("one index left, none of the old ones").hasSize(1)
                .doesNotContainAnyElementsOf(afterKill);
        Run fix = cli.run("repair", "snapshots", "--forget");
        assertThat(fix.exit()).as("%s", fix).isZero();
        assertThat(fix.out()).as("the second snapshot's root tree was in a lost pack").contains("removed empty snapshot");
        cli.run("unlock").ok(); // restic wants the killed process's lock gone first, as after its own crash
        Restic restic = new Restic(repo, dir.resolve("cache"));
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as("%s", check).isZero();
        assertThat(restic.snapshotIds()).hasSize(1);
    }

    @Test
    void killedRepairPacksKeepsTheDamagedPackUntilTheIndexNoLongerNamesIt() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] big = TestTrees.random(3, 3 * 1024 * 1024);
        Files.write(src.resolve("big.bin"), big);
        cli.run("backup", src.toString()).ok();
        Path pack = null;
        for (Path p : Failures.packs(repo)) if (Files.size(p) > 1_000_000) pack = p;
        assertThat(pack).isNotNull();
        Failures.flipByte(pack, 100);
        String packId = pack.getFileName().toString();
        List<String> oldIndex = Failures.ids(repo, "index");

        killAfterNewIndex(repo, pw, "repair", "packs", packId);
        assertThat(pack).as("the damaged pack stays while an old index names it").exists();
        assertThat(Failures.ids(repo, "index")).containsAll(oldIndex);
        Run check = cli.run("check");
        // usable: the new index (superseding the old) is what counts; the only error is the blob that
        // could not be salvaged, which 'repair snapshots' then removes from the file
        List<String> errors = check.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as("%s", check).isNotEmpty().allMatch(l -> l.contains("big.bin"));
        assertThat(check.err()).contains("pack " + packId.substring(0, 8) + " is not referenced in any index");

        Files.delete(dir.resolve("pack-" + packId)); // the first run's backup copy
        Run again = Failures.runProcess(new ProcessBuilder(Cli.command("-r", repo.toString(), "--password-file",
                pw.toString(), "repair", "packs", packId)).directory(dir.toFile()), 300);
        assertThat(again.exit()).as("%s", again).isZero();
        assertThat(pack).as("kept, un-indexed: one of its blobs could not be salvaged").exists();
        assertThat(again.out()).contains("pack " + packId + " was kept");
        assertThat(Failures.ids(repo, "index")).hasSize(1);
        cli.run("repair", "snapshots", "--forget").ok();
        cli.run("unlock").ok();
        Run resticCheck = new Restic(repo, dir.resolve("cache")).run("check", "--read-data");
        assertThat(resticCheck.exit()).as("%s", resticCheck).isZero();
    }
}
