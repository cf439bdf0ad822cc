package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** restic's global options as restic users type them: pack size, backend options, cache and rate limits. */
@Tag("restic")
class GlobalOptionsTest {
    @TempDir
    Path dir;

    Path repo;
    Path pw;
    Cli cli;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        pw = Cli.passwordFile(dir);
        cli = Failures.init(repo, pw);
        src = Files.createDirectories(dir.resolve("src"));
        byte[] data = new byte[24 << 20];
        new Random(4).nextBytes(data);
        Files.write(src.resolve("big.bin"), data);
    }

    private long largestPack() throws Exception {
        long max = 0;
        for (Path p : Failures.packs(repo)) max = Math.max(max, Files.size(p));
        return max;
    }

    @Test
    void packSizeChangesThePacksWrittenAndResticAcceptsThem() throws Exception {
        cli.run("--pack-size", "4", "backup", src.toString()).ok();
        // 24 MiB of incompressible data in packs of about 4 MiB (a pack closes once it reaches the
        // target, so it can exceed it by one chunk of at most 8 MiB).
        assertThat(Failures.packs(repo).size()).as("packs").isGreaterThanOrEqualTo(4);
        assertThat(largestPack()).isLessThan(13L << 20);
        new Restic(repo, dir.resolve("cache")).run("check", "--read-data").ok();
    }

    @Test
    void resticPackSizeVariableIsHonouredAndLimitsAreRestics() throws Exception {
        Run r = Failures.process(Map.of("RESTIC_REPOSITORY", repo.toString(), "RESTIC_PASSWORD_FILE", pw.toString(),
                "RESTIC_PACK_SIZE", "4"), "backup", src.toString());
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(Failures.packs(repo).size()).isGreaterThanOrEqualTo(4);

        assertThat(fatal(cli.run("--pack-size", "200", "backup", src.toString()), 1))
                .contains("--pack-size 200 is outside the pack size limits of 4 to 128 MiB");
        assertThat(fatal(cli.run("--pack-size", "3", "snapshots"), 1)).contains("4 to 128 MiB");
        // restic takes 0 as "the default": an environment that works with restic works here.
        cli.run("--pack-size", "0", "snapshots").ok();
        Run zero = Failures.process(Map.of("RESTIC_REPOSITORY", repo.toString(), "RESTIC_PASSWORD_FILE", pw.toString(),
                "RESTIC_PACK_SIZE", "0"), "snapshots");
        assertThat(zero.exit()).as("%s", zero).isZero();
    }

    @Test
    void theLargestLocalConnectionsValueBacksUpAndRestores() throws Exception {
        // 2^31-1 once overflowed the upload stage's bound (a hang): stages cap their workers.
        Path data = Files.createDirectories(dir.resolve("conn-data"));
        for (int i = 0; i < 4; i++) Files.write(data.resolve("f" + i), org.lifeboat.testutil.TestTrees.random(i, 3 << 20));
        cli.run("-o", "local.connections=2147483647", "--pack-size", "4", "backup", data.toString()).ok();
        Path target = dir.resolve("conn-target");
        cli.run("-o", "local.connections=2147483647", "restore", "latest", "--target", target.toString()).ok();
        cli.run("-o", "local.connections=2147483647", "check", "--read-data").ok();
        assertThat(Files.mismatch(target.resolve(data.toString().substring(1)).resolve("f3"), data.resolve("f3"))).isEqualTo(-1);
    }

    @Test
    void backendOptionsCacheOptionsAndLimitsAreAccepted() throws Exception {
        Path cache = dir.resolve("cache-dir");
        cli.run("-o", "local.connections=2", "--no-cache", "--cache-dir", cache.toString(), "snapshots").ok();
        cli.run("snapshots", "-o", "local.connections=2").ok();
        assertThat(cache).as("Lifeboat keeps no cache").doesNotExist();
        assertThat(fatal(cli.run("-o", "ftp.command=ssh", "snapshots"), 1))
                .startsWith("Fatal: -o ftp.command=ssh: unknown option 'ftp.command'; Lifeboat knows local.connections, ");
        assertThat(fatal(cli.run("--limit-download", "-5", "snapshots"), 1)).contains("cannot be negative");
    }

    @Test
    void limitDownloadSlowsReadsToTheRate() throws Exception {
        cli.run("backup", src.toString()).ok();
        // check --read-data reads the 24 MiB of packs; at 8 MiB/s that cannot take less than 2 s
        // (one second of burst allowed); unlimited it takes a fraction of that.
        long t0 = System.nanoTime();
        cli.run("--limit-download", String.valueOf(8 * 1024), "check", "--read-data").ok();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isGreaterThanOrEqualTo(2.0);
    }
}
