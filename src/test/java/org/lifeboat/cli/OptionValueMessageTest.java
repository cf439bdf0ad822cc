package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;
import static org.lifeboat.cli.Failures.usageError;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * Bad values and names on the command line get one sentence saying what is wrong: a number too
 * large for an option names the option and its range, a file where a folder is needed is called a
 * file, an empty file name is called empty, and help for an unknown topic says what the unknown
 * command itself says.
 */
class OptionValueMessageTest {
    @TempDir
    Path dir;

    @Test
    void helpForAnUnknownTopicSaysWhatTheUnknownCommandSays() {
        String direct = usageError(Cli.raw(null, "snapshot"));
        Run r = Cli.raw(null, "help", "snapshot");
        assertThat(usageError(r)).isEqualTo(direct)
                .isEqualTo("error: unknown command \"snapshot\" for \"lifeboat\"; did you mean: snapshots?");
        assertThat(r.err()).contains("see 'lifeboat --help'");
    }

    @Test
    void tooLargeNumbersNameTheOptionAndItsRange() {
        assertThat(fatal(Cli.raw(null, "--pack-size", "99999999999", "snapshots"), 1))
                .isEqualTo("Fatal: --pack-size '99999999999' is not valid: it must be a whole number of MiB from 4 to 128 (0: the default)");
        assertThat(fatal(Cli.raw(null, "--limit-upload", "99999999999999999999", "snapshots"), 1))
                .isEqualTo("Fatal: --limit-upload '99999999999999999999' is not valid: it must be a whole number"
                        + " of KiB/s from 0 (unlimited) to 2147483647");
        // Any option, through the one handler: a command's own int option.
        assertThat(fatal(Cli.raw(null, "snapshots", "--latest", "x"), 1))
                .isEqualTo("Fatal: --latest 'x' is not valid: it must be a whole number from 0 to 2147483647");
    }

    @Test
    void aConnectionCountTooLargeIsCalledTooLarge() throws Exception {
        Cli cli = Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
        String line = fatal(cli.run("-o", "local.connections=99999999999", "snapshots"), 1);
        assertThat(line).contains("local.connections").contains("too large").contains("at most 2147483647")
                .doesNotContain("at least 1");
    }

    @Test
    void generateIntoAFileIsToldItIsNoFolder() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        assertThat(fatal(Cli.raw(null, "generate", "--man", file.toString()), 1))
                .isEqualTo("Fatal: --man " + file + " is not a folder (man pages are written into a folder,"
                        + " e.g. /usr/local/share/man/man1)");
        assertThat(fatal(Cli.raw(null, "generate", "--man", "/dev/null"), 1)).contains("/dev/null is not a folder");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void anEmptyCompletionFileNameIsCalledEmpty() {
        assertThat(fatal(Cli.raw(null, "generate", "--bash-completion", ""), 1))
                .isEqualTo("Fatal: --bash-completion: the file name is empty (give a file, or - for standard output)");
    }

    @Test
    void initOnAFileSaysItIsAFileNotARepositoryFolder() throws Exception {
        Path file = Files.writeString(dir.resolve("some.txt"), "x");
        Cli cli = new Cli(file, Cli.passwordFile(dir));
        assertThat(fatal(cli.run("init"), 1)).isEqualTo("Fatal: " + file + ": it is a file, not a repository folder");
        Cli below = new Cli(file.resolve("repo"), Cli.passwordFile(dir));
        assertThat(fatal(below.run("init"), 1)).startsWith("Fatal: " + file + ": it is a file, not a folder");
        assertThat(Files.readString(file)).isEqualTo("x");
    }
}
