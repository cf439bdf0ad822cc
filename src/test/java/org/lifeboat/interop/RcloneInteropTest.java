package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** Lifeboat backs up to an rclone remote (a local one from an RCLONE_CONFIG file) and restic 0.14 reads it through its own rclone backend. */
@Tag("restic")
@Tag("slow")
class RcloneInteropTest {
    @TempDir
    Path dir;

    @Test
    void lifeboatBacksUpToRcloneAndResticRestoresItByteIdentically() throws Exception {
        Path conf = dir.resolve("rclone.conf");
        Files.writeString(conf, "[loc]\ntype = local\n");
        Path store = Files.createDirectories(dir.resolve("store"));
        String location = "rclone:loc:" + store.resolve("repo");
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] big = new byte[2 << 20];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.resolve("note.txt"), "through rclone\n");
        Path pw = Cli.passwordFile(dir);
        Map<String, String> env = Map.of("RCLONE_CONFIG", conf.toString());
        // A separate process: RCLONE_CONFIG reaches the rclone Lifeboat starts.
        Run init = Cli.process(env, null, "-r", location, "--password-file", pw.toString(), "init");
        assertThat(init.exit()).as(init.toString()).isZero();
        Run backup = Cli.process(env, null, "-r", location, "--password-file", pw.toString(), "backup", src.toString());
        assertThat(backup.exit()).as(backup.toString()).isZero();

        List<String> restic = new ArrayList<>(List.of("/usr/bin/restic", "-r", location, "--no-cache"));
        Map<String, String> renv = Map.of("RCLONE_CONFIG", conf.toString(), "RESTIC_PASSWORD", Restic.PASSWORD);
        List<String> check = new ArrayList<>(restic);
        check.addAll(List.of("check", "--read-data"));
        Proc.run(check, renv, null, null, 600).ok();
        List<String> restore = new ArrayList<>(restic);
        Path target = dir.resolve("restored");
        restore.addAll(List.of("restore", "latest", "--target", target.toString()));
        Proc.run(restore, renv, null, null, 600).ok();
        Path back = target.resolve(src.toString().substring(1));
        assertThat(Files.readAllBytes(back.resolve("big.bin"))).isEqualTo(big);
        assertThat(Files.readString(back.resolve("note.txt"))).isEqualTo("through rclone\n");
        // No rclone is left running after Lifeboat's commands ended.
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(store.toString())
                && p.info().command().orElse("").endsWith("rclone"))).isEmpty();
    }
}
