package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * kill -9 of {@code repair index} and {@code repair packs} once their new index file appears in the
 * repository folder (watched from the test, as {@link PruneCrashTest} does; no hook in the
 * program): the repository stays usable (snapshots list, a sound snapshot restores byte for
 * byte), and a second repair finishes the job, after which restic's {@code check --read-data}
 * finds it clean. The repository is given a few hundred duplicate index files first, so that
 * removing the old files takes long enough for the kill to land while many are still there.
 */
@Tag("restic")
class RepairCrashTest {
    private static final long DEADLINE_SECONDS = 120;
    private static final int OLD_INDEX_FILES = 300;

    @TempDir
    Path dir;

    /** Adds index files naming the same blobs again (as crashes leave them): many old files to remove. */
    private static void manyOldIndexFiles(Path repo) throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            List<PackedBlob> all = new ArrayList<>();
            r.blobsByPack().values().forEach(all::addAll);
            for (int i = 0; i < OLD_INDEX_FILES; i++) r.saveIndex(all, List.of());
        }
    }

    /**
     * Starts a repair in its own JVM and kills it with SIGKILL once {@code newIndexes} index files
     * that were not there before exist; returns the index files there were before.
     */
    private Set<String> killAfterNewIndex(Path repo, Path pw, int newIndexes, String... repair) throws Exception {
        Set<String> before = new HashSet<>(Failures.ids(repo, "index"));
        List<String> args = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString()));
        args.addAll(List.of(repair));
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args.toArray(String[]::new)));
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.directory(dir.toFile());
        Path log = dir.resolve("repair.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (p.isAlive()) {
            Set<String> now = new HashSet<>(Failures.ids(repo, "index"));
            now.removeAll(before);
            if (now.size() >= newIndexes) break;
            assertThat(System.nanoTime()).as("no new index within %d s", DEADLINE_SECONDS).isLessThan(deadline);
            Thread.sleep(1); // poll interval, not synchronisation: the loop waits for the condition
        }
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("killed by SIGKILL before it ended:\n%s", Files.readString(log)).isEqualTo(137);
        return before;
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
        manyOldIndexFiles(repo);

        Set<String> oldIndex = killAfterNewIndex(repo, pw, 1, "repair", "index");
        List<String> afterKill = Failures.ids(repo, "index");
        assertThat(afterKill).as("the new index and old ones still beside it").hasSizeGreaterThan(1)
                .anyMatch(oldIndex::contains).anyMatch(i -> !oldIndex.contains(i));

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
        // several blobs in one pack (the chunker's polynomial is the repository's, random: one 3 MiB
        // file could be one blob, and then nothing is salvaged and only one new index is written)
        for (int i = 0; i < 4; i++) Files.write(src.resolve("big-" + i + ".bin"), TestTrees.random(3 + i, 600 * 1024));
        cli.run("backup", src.toString()).ok();
        Path pack = null;
        for (Path p : Failures.packs(repo)) if (Files.size(p) > 1_000_000) pack = p;
        assertThat(pack).isNotNull();
        Failures.flipByte(pack, 100);
        String packId = pack.getFileName().toString();
        manyOldIndexFiles(repo);

        // the first new index names the salvaged blobs, the second replaces the old files
        Set<String> oldIndex = killAfterNewIndex(repo, pw, 2, "repair", "packs", packId);
        assertThat(pack).as("the damaged pack stays while an old index names it").exists();
        assertThat(Failures.ids(repo, "index")).anyMatch(oldIndex::contains);
        Run check = cli.run("check");
        // usable: the new index (superseding the old) is what counts; the only error is the blob that
        // could not be salvaged, which 'repair snapshots' then removes from the file
        List<String> errors = check.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as("%s", check).isNotEmpty().allMatch(l -> l.contains("big-"));
        assertThat(check.err()).contains("pack " + packId.substring(0, 8) + " is not referenced in any index");

        Files.delete(dir.resolve("pack-" + packId)); // the first run's backup copy
        Run again = Failures.runProcess(new ProcessBuilder(Cli.command("-r", repo.toString(), "--password-file",
                pw.toString(), "repair", "packs", packId)).directory(dir.toFile()), 300);
        assertThat(again.exit()).as("%s", again).isZero();
        assertThat(pack).as("removed, as restic does: its backup copy keeps the damaged blob").doesNotExist();
        assertThat(dir.resolve("pack-" + packId)).exists();
        assertThat(Failures.ids(repo, "index")).hasSize(1);
        cli.run("repair", "snapshots", "--forget").ok();
        cli.run("unlock").ok();
        Run resticCheck = new Restic(repo, dir.resolve("cache")).run("check", "--read-data");
        assertThat(resticCheck.exit()).as("%s", resticCheck).isZero();
    }
}
