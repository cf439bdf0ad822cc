package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * {@code init --retention-mode/--retention-period} on the command line: both or neither, periods
 * of days/hours/minutes within 100 years, and a storage without retention (every backend but S3
 * with Object Lock; here a local folder) refused in one sentence naming the location before
 * anything is written. {@code retention extend} on a repository without retention says so.
 */
class InitRetentionTest {
    @TempDir
    Path dir;

    private static String fatal(Run r) {
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err().lines().toList()).as("%s", r).hasSize(1);
        assertThat(r.err()).startsWith("Fatal: ");
        return r.err().strip().substring("Fatal: ".length());
    }

    @Test
    void aLocalFolderKeepsNoRetentionSoInitRefusesNamingItAndWritesNothing() throws Exception {
        Path repo = dir.resolve("repo");
        Cli cli = new Cli(repo, Cli.passwordFile(dir));
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance", "--retention-period", "30d")))
                .isEqualTo("refusing to create a repository with compliance retention of 30d at " + repo
                        + ": this storage keeps no retention; only an S3 bucket with Object Lock does, and nothing was written");
        assertThat(repo).doesNotExist();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(fatal(new Cli(empty, Cli.passwordFile(dir)).run("init", "--retention-mode", "governance",
                "--retention-period", "1d12h"))).contains("governance retention of 1d12h at " + empty);
        try (var s = Files.list(empty)) {
            assertThat(s.toList()).isEmpty();
        }
        // without the flags, init there works as before
        cli.run("init").ok();
    }

    @Test
    void theFlagsGoTogetherAndBadValuesAreNamed() throws Exception {
        Cli cli = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        String both = "--retention-mode and --retention-period go together: give both (e.g. --retention-mode compliance"
                + " --retention-period 30d) or neither";
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance"))).isEqualTo(both);
        assertThat(fatal(cli.run("init", "--retention-period", "30d"))).isEqualTo(both);
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance", "--retention-period", "0d")))
                .isEqualTo("retention period '0d' is zero; give a positive one such as 30d");
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance", "--retention-period=-3d")))
                .isEqualTo("retention period '-3d' is negative; give a positive one such as 30d");
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance", "--retention-period", "101y")))
                .isEqualTo("retention period '101y' is not a duration of days, hours and minutes such as 30d, 36h or 1d12h");
        assertThat(fatal(cli.run("init", "--retention-mode", "compliance", "--retention-period", "36600d")))
                .isEqualTo("retention period '36600d' is longer than 100 years");
        assertThat(fatal(cli.run("init", "--retention-mode", "locked", "--retention-period", "30d")))
                .isEqualTo("retention mode 'locked' is neither compliance nor governance");
        assertThat(dir.resolve("repo")).doesNotExist();
    }

    @Test
    void retentionExtendOnARepositoryWithoutRetentionSaysThereIsNothingToExtend() throws Exception {
        Path repo = dir.resolve("repo");
        Cli cli = new Cli(repo, Cli.passwordFile(dir));
        cli.run("init").ok();
        assertThat(fatal(cli.run("retention", "extend"))).isEqualTo("the repository at " + repo
                + " keeps no retention (its config asks for none), so there is nothing to extend");
        assertThat(fatal(cli.run("retention", "shorten"))).isEqualTo("unknown retention action 'shorten': use extend");
        // and check has no retention section there
        Run check = cli.run("check").ok();
        assertThat(check.out()).doesNotContain("retention");
        assertThat(cli.run("--json", "check").ok().out()).doesNotContain("retention");
    }
}
