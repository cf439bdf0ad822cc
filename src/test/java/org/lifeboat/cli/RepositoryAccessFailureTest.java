package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** Wrong password, missing or half-created repositories, and where the repository and password come from. */
class RepositoryAccessFailureTest {
    @TempDir
    Path dir;

    Path pw;
    Path repo;

    @BeforeEach
    void setUp() throws Exception {
        pw = Cli.passwordFile(dir);
        repo = dir.resolve("repo");
    }

    private String backupSomething(Cli cli) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        return Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    @Test
    void wrongPasswordExits12AndSaysSo() throws Exception {
        Failures.init(repo, pw);
        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "not the password\n");
        for (String cmd : new String[] {"snapshots", "check", "backup"}) {
            Run r = cmd.equals("backup")
                    ? Cli.raw(null, "-r", repo.toString(), "--password-file", wrong.toString(), cmd, dir.toString())
                    : Cli.raw(null, "-r", repo.toString(), "--password-file", wrong.toString(), cmd);
            assertThat(fatal(r, 12)).as(cmd).containsIgnoringCase("password");
        }
        assertThat(Failures.ids(repo, "snapshots")).as("the failed backup saved nothing").isEmpty();
        assertThat(Failures.ids(repo, "locks")).as("no lock is left behind").isEmpty();
    }

    @Test
    void missingRepositoryExits10AndIsNotCreated() {
        Path none = dir.resolve("does-not-exist");
        for (String cmd : new String[] {"snapshots", "backup"}) {
            Run r = cmd.equals("backup")
                    ? Cli.raw(null, "-r", none.toString(), "--password-file", pw.toString(), cmd, dir.toString())
                    : Cli.raw(null, "-r", none.toString(), "--password-file", pw.toString(), cmd);
            assertThat(fatal(r, 10)).as(cmd).contains("no repository").contains(none.toString());
        }
        assertThat(none).as("a failed command must not create the repository folder").doesNotExist();
    }

    @Test
    void existingEmptyFolderIsNoRepository() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Run r = Cli.raw(null, "-r", empty.toString(), "--password-file", pw.toString(), "snapshots");
        assertThat(fatal(r, 10)).contains("no repository").contains(empty.toString());
        try (var s = Files.list(empty)) {
            assertThat(s).as("nothing written into the folder").isEmpty();
        }
    }

    @Test
    void halfCreatedRepositoryWithKeysButNoConfigIsNoRepository() throws Exception {
        // What a crash between writing the key and the config leaves: init writes the config last.
        Failures.init(repo, pw);
        Files.delete(repo.resolve("config"));
        assertThat(Failures.ids(repo, "keys")).hasSize(1);
        Map<String, String> before = Failures.fingerprint(repo);
        Run r = Cli.raw(null, "-r", repo.toString(), "--password-file", pw.toString(), "snapshots");
        assertThat(fatal(r, 10)).contains("no repository").contains("config");
        assertThat(Failures.fingerprint(repo)).isEqualTo(before);
    }

    @Test
    void repositoryAndPasswordFromLifeboatEnvironment() throws Exception {
        String id = backupSomething(Failures.init(repo, pw));
        Run r = Failures.process(Map.of("LIFEBOAT_REPOSITORY", repo.toString(), "LIFEBOAT_PASSWORD", Restic.PASSWORD),
                "snapshots");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains(id);
        Failures.assertNoStackTrace(r);
    }

    @Test
    void repositoryAndPasswordFromResticEnvironmentAsFallback() throws Exception {
        String id = backupSomething(Failures.init(repo, pw));
        Run r = Failures.process(Map.of("RESTIC_REPOSITORY", repo.toString(), "RESTIC_PASSWORD", Restic.PASSWORD),
                "snapshots");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains(id);
        Failures.assertNoStackTrace(r);
    }

    @Test
    void lifeboatVariablesWinOverResticOnes() throws Exception {
        Failures.init(repo, pw);
        Path other = dir.resolve("other-repo");
        Run r = Failures.process(Map.of("LIFEBOAT_REPOSITORY", repo.toString(), "RESTIC_REPOSITORY", other.toString(),
                "LIFEBOAT_PASSWORD", "wrong", "RESTIC_PASSWORD", Restic.PASSWORD), "snapshots");
        // LIFEBOAT_REPOSITORY chose the existing repository, LIFEBOAT_PASSWORD the (wrong) password.
        assertThat(fatal(r, 12)).containsIgnoringCase("password");
    }

    @Test
    void noPasswordAndNoTerminalIsAClearError() throws Exception {
        Failures.init(repo, pw);
        Run r = Failures.process(Map.of("LIFEBOAT_REPOSITORY", repo.toString()), "snapshots");
        assertThat(fatal(r, 1)).contains("no password").contains("LIFEBOAT_PASSWORD");
    }

    @Test
    void noRepositoryGivenIsAClearError() {
        Run r = Failures.process(Map.of("LIFEBOAT_PASSWORD", Restic.PASSWORD), "snapshots");
        assertThat(fatal(r, 1)).contains("no repository given").contains("--repo");
    }
}
