package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * {@code forget --prune}: the forget removes the snapshots, then prune (with forget's prune flags)
 * removes the data only they used, in the same lock; with {@code --dry-run} prune counts the
 * snapshots forget would remove as gone and changes nothing. restic judges the result.
 */
class ForgetPruneTest {
    @TempDir
    Path dir;

    private static long packBytes(Path repo) throws Exception {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void forgetWithPruneRemovesTheForgottenSnapshotsDataAndADryRunChangesNothing() throws Exception {
        Path repo = dir.resolve("repo");
        Path src = Files.createDirectories(dir.resolve("src"));
        Cli cli = new Cli(repo, Cli.passwordFile(dir));
        cli.run("init").ok();
        Random rnd = new Random(12);
        for (int i = 0; i < 3; i++) {
            byte[] big = new byte[3 << 20];
            rnd.nextBytes(big);
            try (Stream<Path> old = Files.list(src)) {
                for (Path p : old.toList()) Files.delete(p);
            }
            Files.write(src.resolve("big-" + i + ".bin"), big);
            cli.run("backup", src.toString()).ok();
        }
        long before = packBytes(repo);

        Run dry = cli.run("forget", "--keep-last", "1", "--prune", "--dry-run");
        assertThat(dry.exit()).as("%s", dry).isZero();
        assertThat(dry.out()).contains("2 snapshots would be removed, running prune dry run")
                .contains("Would have made the following changes:");
        assertThat(packBytes(repo)).isEqualTo(before);
        assertThat(new Restic(repo, dir.resolve("cache")).snapshotIds()).hasSize(3);

        Run real = cli.run("forget", "--keep-last", "1", "--prune", "--max-unused", "0");
        assertThat(real.exit()).as("%s", real).isZero();
        assertThat(real.out()).contains("2 snapshots have been removed").contains("running prune");
        Restic restic = new Restic(repo, dir.resolve("cache"));
        assertThat(restic.snapshotIds()).hasSize(1);
        // two of the three incompressible 3 MiB files are gone from the packs
        assertThat(packBytes(repo)).isLessThan(before - 5L * (1 << 20));
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as("%s", check).isZero();
        assertThat(check.out()).doesNotContain("not referenced");
        Path out = dir.resolve("out");
        assertThat(restic.run("restore", "latest", "--target", out.toString()).exit()).isZero();
        assertThat(Files.readAllBytes(out.resolve(src.toString().substring(1)).resolve("big-2.bin")))
                .isEqualTo(Files.readAllBytes(src.resolve("big-2.bin")));
        assertThat(List.of(real.err())).noneMatch(e -> e.contains("Exception"));
    }

    /** restic checks prune's options first: a malformed or unfitting one removes no snapshot. */
    @Test
    void aBadPruneOptionRemovesNoSnapshot() throws Exception {
        Path repo = dir.resolve("repo1");
        Path src = Files.createDirectories(dir.resolve("src1"));
        Files.writeString(src.resolve("f"), "x");
        Cli cli = new Cli(repo, Cli.passwordFile(dir));
        cli.run("init", "--repository-version", "1").ok();
        cli.run("backup", src.toString()).ok();
        cli.run("backup", src.toString()).ok();
        Run bad = cli.run("forget", "--keep-last", "1", "--prune", "--max-unused", "abc");
        assertThat(bad.exit()).as("%s", bad).isEqualTo(1);
        Run v1 = cli.run("forget", "--keep-last", "1", "--prune", "--repack-uncompressed");
        assertThat(v1.exit()).as("%s", v1).isEqualTo(1);
        assertThat(v1.err()).contains("--repack-uncompressed needs compression").endsWith("; nothing was removed\n");
        assertThat(new Restic(repo, dir.resolve("cache1")).snapshotIds()).hasSize(2);
    }
}
