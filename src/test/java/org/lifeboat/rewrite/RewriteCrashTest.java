package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * A rewrite that dies while it saves the new snapshot (the storage gone part-way through the
 * write, as a kill leaves it) has lost nothing: the original snapshot is there and restores
 * whole, restic's check is clean (the new trees' pack is indexed data nothing refers to yet), and
 * the next rewrite completes.
 */
@Tag("restic")
@Tag("slow")
class RewriteCrashTest {
    @TempDir
    Path dir;

    @Test
    void aCrashWhileTheNewSnapshotIsSavedLeavesTheOriginalWholeAndTheRepositoryClean() throws Exception {
        Path src = dir.resolve("src");
        TestTrees.everyKind(src);
        Files.writeString(src.resolve("docs/.env"), "SECRET=1\n");
        TestTrees.setTimes(src);
        Map<String, String> before = TestTrees.describe(src, true);
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString()).ok();
        String original = restic.snapshotIds().getFirst();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        Map<String, String> env = lifeboat.env();
        // saves: 1 the lock, 2 the pack of new trees, 3 the index, 4 the snapshot (interrupted)
        env.put("LIFEBOAT_BACKEND_FAULTS", "crash-during-save=4");

        Run crashed = Cli.process(env, null, "rewrite", "--exclude", ".env", "--forget");

        assertThat(crashed.exit()).as(crashed.toString()).isEqualTo(1);
        assertThat(crashed.err()).contains("Fatal: ").doesNotContain("\tat ");
        // the crashed process's (exclusive) lock stays behind, as after a kill; restic removes it as stale (dead PID)
        restic.run("unlock").ok();
        assertThat(restic.snapshotIds()).containsExactly(original);
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Path target = dir.resolve("restored");
        restic.run("restore", original, "--target", target.toString()).ok();
        assertThat(TestTrees.describe(target.resolve(src.toString().substring(1)), true)).isEqualTo(before);

        // the next run completes: the trees stored before the crash are reused
        Run again = lifeboat.run("rewrite", "--exclude", ".env", "--forget");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).contains("removed old snapshot " + original.substring(0, 8));
        assertThat(restic.snapshotIds()).hasSize(1).doesNotContain(original);
        Run checkAfter = restic.run("check", "--read-data");
        assertThat(checkAfter.exit()).as(checkAfter.toString()).isZero();
        Run ls = restic.run("ls", "latest").ok();
        assertThat(ls.out()).contains(src + "/docs/hello.txt").doesNotContain(".env");
    }
}
