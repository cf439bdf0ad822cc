package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A repository whose config file was lost (keys/, data/, index/, snapshots/ still there). 'init'
 * refuses to create a second repository over it, as restic does (Repository.Init refuses when
 * keys or snapshots exist), and says what to do; opening it says the config is missing while the
 * other folders exist, rather than "no repository". Nothing is written: once the config is put
 * back from a copy, both tools read every snapshot. A folder with other, unrelated files (a mount
 * point's lost+found, a note) is no repository and 'init' works there, as with restic.
 */
@Tag("restic")
class InitOverLostConfigTest {
    @TempDir
    Path dir;

    @Test
    void initRefusesAndOpeningNamesTheLostConfig() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        String id = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        Path copy = Files.copy(repo.resolve("config"), dir.resolve("config.copy"));
        Files.delete(repo.resolve("config"));
        Map<String, String> before = Failures.fingerprint(repo);

        String init = Failures.fatal(cli.run("init"), ExitCodes.FATAL);
        assertThat(init).contains(repo.toString()).contains("config file is missing")
                .contains("keys/").contains("snapshots/").contains("data/")
                .contains("restore the config file from a copy");
        assertThat(Failures.fingerprint(repo)).as("init wrote nothing").isEqualTo(before);

        String open = Failures.fatal(cli.run("snapshots"), ExitCodes.NO_REPOSITORY);
        assertThat(open).contains("config file is missing but keys/, snapshots/, index/, data/ exist")
                .contains("restore the config file").contains("do not run 'init' there");

        Files.copy(copy, repo.resolve("config"), StandardCopyOption.COPY_ATTRIBUTES);
        assertThat(cli.run("snapshots").ok().out()).contains(id);
        Run restic = new Restic(repo, dir.resolve("cache")).run("check");
        assertThat(restic.exit()).as("%s", restic).isZero();

        // Unrelated files are no repository: init works beside them and leaves them alone.
        Path mount = dir.resolve("mount");
        Files.createDirectories(mount.resolve("lost+found"));
        Files.writeString(mount.resolve("README"), "backups go here\n");
        new Cli(mount, pw).run("init").ok();
        assertThat(mount.resolve("README")).hasContent("backups go here\n");
        assertThat(mount.resolve("config")).exists();
    }

    @Test
    void anInitThatDidNotFinishSaysHowToStartOver() throws Exception {
        // init writes the key, then the config: a crash in between leaves only keys/.
        Path repo = dir.resolve("half");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Files.delete(repo.resolve("config"));
        assertThat(Failures.fatal(cli.run("init"), ExitCodes.FATAL)).contains("config file is missing but keys/ exist")
                .contains("remove the folder and run 'init' again");
        assertThat(Failures.ids(repo, "keys")).as("no second key").hasSize(1);
    }
}
