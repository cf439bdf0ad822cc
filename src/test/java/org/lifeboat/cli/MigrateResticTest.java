package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * {@code lifeboat migrate upgrade_repo_v2} on a repository {@code restic init --repository-version 1}
 * made: restic then reads version 2, checks it clean and backs up into it, and so does Lifeboat;
 * a second run says it is already version 2 and changes nothing.
 */
@Tag("restic")
@Tag("slow")
class MigrateResticTest {
    @TempDir
    Path dir;

    private static List<Path> migrateCopies() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("lifeboat-migrate-upgrade-repo-v2-")).toList();
        }
    }

    @Test
    void upgradesAVersion1RepositoryThatResticAndLifeboatThenUse() throws Exception {
        Path src = dir.resolve("src");
        TestTrees.everyKind(src);
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init", "--repository-version", "1").ok();
        restic.run("backup", src.toString()).ok();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        List<Path> copiesBefore = migrateCopies();

        Run list = lifeboat.run("migrate");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).isEqualTo("available migrations:\n  upgrade_repo_v2\tupgrade a repository to version 2\n");

        Run up = lifeboat.run("migrate", "upgrade_repo_v2");
        assertThat(up.exit()).as(up.toString()).isZero();
        assertThat(up.out()).isEqualTo("checking repository integrity...\napplying migration upgrade_repo_v2...\n"
                + "migration upgrade_repo_v2: success\n");
        assertThat(restic.json("cat", "config").get("version").asInt()).isEqualTo(2);
        assertThat(migrateCopies()).as("the copy of the old config goes once the upgrade succeeded (restic)").isEqualTo(copiesBefore);
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();

        Files.writeString(src.resolve("after-upgrade.txt"), "compressed now\n");
        restic.run("backup", src.toString()).ok();
        lifeboat.run("backup", src.toString()).ok();
        assertThat(restic.snapshotIds()).hasSize(3);
        Run checkAgain = restic.run("check", "--read-data");
        assertThat(checkAgain.exit()).as(checkAgain.toString()).isZero();
        Path target = dir.resolve("restored");
        restic.run("restore", "latest", "--target", target.toString()).ok();
        assertThat(TestTrees.describe(target.resolve(src.toString().substring(1)), true))
                .isEqualTo(TestTrees.describe(src, true));

        // a version 2 repository: said, nothing written, exit 0 (restic)
        byte[] config = Files.readAllBytes(dir.resolve("repo/config"));
        Run again = lifeboat.run("migrate", "upgrade_repo_v2");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.err().strip()).isEqualTo("migration upgrade_repo_v2 cannot be applied: repository is already upgraded to version 2");
        assertThat(Files.readAllBytes(dir.resolve("repo/config"))).isEqualTo(config);
        Run listAgain = lifeboat.run("migrate");
        assertThat(listAgain.out()).contains("(does not apply: repository is already upgraded to version 2)");
    }

    @Test
    void aDamagedRepositoryIsNotUpgradedAndAnUnknownMigrationIsNamed() throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.write(src.resolve("data.bin"), TestTrees.random(5, 200_000));
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init", "--repository-version", "1").ok();
        restic.run("backup", src.toString()).ok();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));

        Run unknown = lifeboat.run("migrate", "upgrade_repo_v3");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("Fatal: unknown migration 'upgrade_repo_v3' (the migrations are: upgrade_repo_v2)");

        // a pack is lost: the check before the upgrade finds it and nothing is changed
        try (Stream<Path> s = Files.walk(dir.resolve("repo/data"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.delete(p);
        }
        byte[] config = Files.readAllBytes(dir.resolve("repo/config"));
        Run r = lifeboat.run("migrate", "upgrade_repo_v2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("Fatal: the repository has ").contains("migration upgrade_repo_v2 was not applied: repair the repository first")
                .doesNotContain("\tat ");
        assertThat(Files.readAllBytes(dir.resolve("repo/config"))).isEqualTo(config);
        assertThat(restic.json("cat", "config").get("version").asInt()).isEqualTo(1);
    }
}
