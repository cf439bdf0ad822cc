package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * The reverse of {@link RcloneInteropTest}: restic 0.14 writes a repository through its own
 * {@code rclone:} backend (a local rclone remote from an RCLONE_CONFIG file), and Lifeboat, through
 * its {@code rclone:} backend, lists, checks and restores it byte for byte (contents, modes, times);
 * then Lifeboat adds a backup there and restic checks and restores that one byte for byte too.
 */
@Tag("restic")
@Tag("slow")
class RcloneReverseInteropTest {
    @TempDir
    Path dir;

    private Map<String, String> env;
    private String location;

    private Run restic(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", location, "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> renv = new java.util.HashMap<>(env);
        renv.put("RESTIC_PASSWORD", Restic.PASSWORD);
        return Proc.run(cmd, renv, null, null, 600);
    }

    /** A separate process: RCLONE_CONFIG reaches the rclone Lifeboat starts. */
    private Run lifeboat(Path pw, String... args) {
        List<String> all = new ArrayList<>(List.of("-r", location, "--password-file", pw.toString()));
        all.addAll(List.of(args));
        return Cli.process(env, null, all.toArray(String[]::new));
    }

    @Test
    void resticWritesThroughRcloneAndLifeboatReadsChecksAndRestoresItByteIdentically() throws Exception {
        Path conf = dir.resolve("rclone.conf");
        Files.writeString(conf, "[loc]\ntype = local\n");
        Path store = Files.createDirectories(dir.resolve("store"));
        location = "rclone:loc:" + store.resolve("repo");
        env = Map.of("RCLONE_CONFIG", conf.toString());
        Path pw = Cli.passwordFile(dir);

        Path src = dir.resolve("src");
        TestTrees.everyKind(src);
        Files.write(src.resolve("big.bin"), TestTrees.random(21, 3 << 20));
        TestTrees.setTimes(src);
        Map<String, String> tree = TestTrees.describe(src, true);
        restic("init").ok();
        restic("backup", src.toString(), "--tag", "by-restic").ok();

        Run snaps = lifeboat(pw, "snapshots", "--json");
        assertThat(snaps.exit()).as(snaps.toString()).isZero();
        assertThat(snaps.out()).contains("by-restic");
        Run check = lifeboat(pw, "check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Path byLifeboat = dir.resolve("restored-by-lifeboat");
        Run restore = lifeboat(pw, "restore", "latest", "--target", byLifeboat.toString());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        assertThat(TestTrees.describe(byLifeboat.resolve(src.toString().substring(1)), true)).isEqualTo(tree);

        // And the reverse on the same repository: Lifeboat backs up changed files, restic checks and restores them.
        Files.writeString(src.resolve("added-by-lifeboat.txt"), "second backup\n");
        Files.write(src.resolve("big.bin"), TestTrees.random(22, 3 << 20));
        TestTrees.setTimes(src);
        Map<String, String> tree2 = TestTrees.describe(src, true);
        Run backup = lifeboat(pw, "backup", src.toString(), "--tag", "by-lifeboat");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        Run rcheck = restic("check", "--read-data");
        assertThat(rcheck.exit()).as(rcheck.toString()).isZero();
        Path byRestic = dir.resolve("restored-by-restic");
        restic("restore", "latest", "--tag", "by-lifeboat", "--target", byRestic.toString()).ok();
        assertThat(TestTrees.describe(byRestic.resolve(src.toString().substring(1)), true)).isEqualTo(tree2);

        // No rclone is left running after Lifeboat's commands ended.
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(store.toString())
                && p.info().command().orElse("").endsWith("rclone"))).isEmpty();
    }
}
