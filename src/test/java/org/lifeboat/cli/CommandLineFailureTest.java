package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;
import static org.lifeboat.cli.Failures.usageError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/** Command lines that make no sense: one clear sentence, a usage hint that works, exit code 1. */
class CommandLineFailureTest {
    private static final Pattern HINT = Pattern.compile("see '(lifeboat[^']*)'");

    @TempDir
    Path dir;

    Path pw;
    Path repo;

    @BeforeEach
    void setUp() throws Exception {
        pw = Cli.passwordFile(dir);
        repo = dir.resolve("repo");
    }

    /** The hint names a command that itself runs and prints help (exit 0). */
    private static void assertHintWorks(Run r, String expectedHint) {
        Matcher m = HINT.matcher(r.err());
        assertThat(m.find()).as("a usage hint on stderr of:\n%s", r).isTrue();
        assertThat(m.group(1)).isEqualTo(expectedHint);
        String[] args = m.group(1).substring("lifeboat ".length()).split(" ");
        Run help = Cli.raw(null, args);
        assertThat(help.exit()).as("the hinted command '%s' works:\n%s", m.group(1), help).isZero();
        assertThat(help.out()).contains("Usage:");
    }

    @Test
    void unknownGlobalOption() {
        Run r = Cli.raw(null, "--frobnicate", "snapshots");
        assertThat(usageError(r)).containsIgnoringCase("Unknown option").contains("--frobnicate");
        assertHintWorks(r, "lifeboat --help");
    }

    @Test
    void unknownCommand() {
        Run r = Cli.raw(null, "-r", repo.toString(), "frobnicate");
        assertThat(usageError(r)).contains("frobnicate");
        assertHintWorks(r, "lifeboat --help");
    }

    @Test
    void unknownOptionOfASubcommand() {
        Run r = Cli.raw(null, "-r", repo.toString(), "backup", "--frob", dir.toString());
        assertThat(usageError(r)).containsIgnoringCase("Unknown option").contains("--frob");
        assertHintWorks(r, "lifeboat backup --help");
    }

    @Test
    void unknownOptionAfterAnActionArgument() {
        Run r = Cli.raw(null, "-r", repo.toString(), "key", "add", "--frob");
        assertThat(usageError(r)).contains("--frob");
        assertHintWorks(r, "lifeboat key --help"); // add is an argument of key, not a subcommand
    }

    @Test
    void missingCommand() {
        Run r = Cli.raw(null, "-r", repo.toString());
        assertThat(usageError(r)).contains("missing command");
        assertHintWorks(r, "lifeboat --help");
    }

    @Test
    void missingRequiredOption() {
        Run r = Cli.raw(null, "-r", repo.toString(), "restore", "latest");
        assertThat(usageError(r)).contains("--target");
        assertHintWorks(r, "lifeboat restore --help");
    }

    @Test
    void backupOfANonexistentPathIsRefusedBeforeAnythingIsWritten() throws Exception {
        Failures.init(repo, pw);
        var before = Failures.fingerprint(repo);
        Path missing = dir.resolve("no-such-folder");
        Path existing = Files.createDirectories(dir.resolve("src"));
        Run r = Cli.raw(null, "-r", repo.toString(), "--password-file", pw.toString(), "backup", existing.toString(),
                missing.toString());
        assertThat(fatal(r, 1)).contains(missing.toString()).contains("does not exist");
        assertThat(Failures.fingerprint(repo)).as("no snapshot, pack or lock written").isEqualTo(before);
    }

    @Test
    void backupWithoutPathsIsAClearError() throws Exception {
        Failures.init(repo, pw);
        Run r = Cli.raw(null, "-r", repo.toString(), "--password-file", pw.toString(), "backup");
        assertThat(fatal(r, 1)).contains("nothing to back up");
    }

    @Test
    void unsupportedRepositoryVersion() {
        Run r = Cli.raw(null, "-r", repo.toString(), "--password-file", pw.toString(), "init", "--repository-version", "3");
        assertThat(fatal(r, 1)).contains("--repository-version").contains("1 or 2").contains("'3'");
        assertThat(repo).as("nothing created").doesNotExist();
    }

    @Test
    void badOptionValuesAreClearErrors() throws Exception {
        Failures.init(repo, pw);
        Path src = Files.createDirectories(dir.resolve("src"));
        for (List<String> c : List.of(
                List.of("backup", "--compression", "extreme", src.toString()),
                List.of("check", "--read-data-subset", "7/5"),
                List.of("check", "--read-data-subset", "150%"))) {
            List<String> args = new java.util.ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString()));
            args.addAll(c);
            Run r = Cli.raw(null, args.toArray(String[]::new));
            assertThat(fatal(r, 1)).as("%s", c).contains(c.get(c.size() - (c.getFirst().equals("backup") ? 2 : 1)));
        }
    }

    @Test
    void backendsReachedOnlyThroughRcloneAreAClearError() {
        Run r = Cli.raw(null, "-r", "b2:bucket:repo", "--password-file", pw.toString(), "snapshots");
        assertThat(fatal(r, 1)).contains("b2:bucket:repo").contains("through rclone");
    }
}
