package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * Bad backup input is refused as restic refuses it: malformed patterns (restic's "invalid pattern(s)
 * provided"), unreadable pattern/list files named, empty passwords, a password command that cannot
 * start; and the parent snapshot is named by default.
 */
class BackupInputErrorsTest {
    @TempDir
    Path dir;

    private Cli repo() throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a"), "a");
        return Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
    }

    @Test
    void malformedPatternsAreRefusedWithResticsMessage() throws Exception {
        Cli cli = repo();
        String src = dir.resolve("src").toString();
        assertThat(Failures.fatal(cli.run("backup", src, "--exclude", "[abc"), 1))
                .isEqualTo("Fatal: --exclude: invalid pattern(s) provided: [abc");
        assertThat(Failures.fatal(cli.run("backup", src, "--iexclude", "x/[]/y", "--iexclude", "ok*"), 1))
                .isEqualTo("Fatal: --iexclude: invalid pattern(s) provided: x/[]/y");
        Path ex = dir.resolve("excludes");
        Files.writeString(ex, "ok\nfoo\\\n");
        assertThat(Failures.fatal(cli.run("backup", src, "--exclude-file", ex.toString()), 1))
                .startsWith("Fatal: --exclude-file: invalid pattern(s) provided: foo\\").contains(ex.toString());
        assertThat(Failures.fatal(cli.run("backup", src, "--iexclude-file", ex.toString()), 1))
                .startsWith("Fatal: --iexclude-file: invalid pattern(s) provided: foo\\");
        // valid, if odd, patterns still pass, as in restic: a reversed range, an escaped bracket
        cli.run("backup", src, "--exclude", "[z-a]", "--exclude", "\\[abc").ok();
        assertThat(cli.run("snapshots", "--json").ok().out()).contains("\"id\"");
    }

    @Test
    void invalidPatternsFollowRestic() {
        for (String bad : new String[] {"[abc", "a\\", "[]", "[a-]", "[^]", "**/[x", "[-a]", "!["}) {
            assertThat(org.lifeboat.repository.PathPatterns.invalid(java.util.List.of(bad))).as(bad).containsExactly(bad);
        }
        for (String ok : new String[] {"[z-a]", "*.tmp", "\\[", "[\\]]", "/a/**/b?", "[^a]", "[!a]"}) {
            assertThat(org.lifeboat.repository.PathPatterns.invalid(java.util.List.of(ok))).as(ok).isEmpty();
        }
    }

    @Test
    void aFolderGivenAsPatternOrListFileIsNamed() throws Exception {
        Cli cli = repo();
        String src = dir.resolve("src").toString();
        assertThat(Failures.fatal(cli.run("backup", src, "--exclude-file", src), 1))
                .isEqualTo("Fatal: cannot read exclude file: " + src + ": is a directory");
        assertThat(Failures.fatal(cli.run("backup", src, "--iexclude-file", dir.resolve("none").toString()), 1))
                .isEqualTo("Fatal: cannot read iexclude file: " + dir.resolve("none") + " does not exist (no such file or folder)");
        assertThat(Failures.fatal(cli.run("backup", "--files-from", src), 1)).contains(src).contains("is a directory");
    }

    @Test
    void anEmptyPasswordIsNotAWrongPassword() throws Exception {
        repo();
        String r = dir.resolve("repo").toString();
        Path empty = dir.resolve("empty-password");
        Files.writeString(empty, "  \n");
        assertThat(Failures.fatal(Cli.raw(null, "-r", r, "--password-command", "true", "snapshots"), 1))
                .startsWith("Fatal: an empty password is not a password");
        assertThat(Failures.fatal(Cli.raw(null, "-r", r, "--password-file", empty.toString(), "snapshots"), 1))
                .startsWith("Fatal: an empty password is not a password").contains(empty.toString());
        Run env = Failures.process(java.util.Map.of("RESTIC_PASSWORD_FILE", empty.toString()), "-r", r, "snapshots");
        assertThat(Failures.fatal(env, 1)).startsWith("Fatal: an empty password is not a password");
    }

    @Test
    void aPasswordCommandThatCannotStartIsNamedPlainly() throws Exception {
        repo();
        Run run = Cli.raw(null, "-r", dir.resolve("repo").toString(), "--password-command", "nosuchcmd --x", "snapshots");
        assertThat(Failures.fatal(run, 1))
                .isEqualTo("Fatal: cannot run the password command \"nosuchcmd\": no such file or directory");
    }

    @Test
    void theParentSnapshotIsNamedByDefault() throws Exception {
        Cli cli = repo();
        String src = dir.resolve("src").toString();
        String first = Failures.snapshotId(cli.run("backup", src).ok());
        assertThat(cli.run("backup", src).ok().out()).contains("using parent snapshot " + first);
        assertThat(cli.run("backup", src, "-q").ok().out()).doesNotContain("using parent");
        assertThat(cli.run("--json", "backup", src).ok().out()).doesNotContain("using parent");
    }
}
