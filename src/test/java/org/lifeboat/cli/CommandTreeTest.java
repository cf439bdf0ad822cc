package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import picocli.CommandLine;

/**
 * The command tree a run builds: only the subcommands its arguments name (building all of them
 * cost every command about half a second), all of them where help or generation needs the
 * whole tree, and parsing that ends as with the whole tree.
 */
class CommandTreeTest {
    @Test
    void everyRegisteredNameIsTheCommandsOwnName() {
        Main.SUBCOMMANDS.forEach((name, type) ->
                assertThat(new CommandLine(type).getCommandName()).as(type.getName()).isEqualTo(name));
        // and the whole tree has every one, in the listed order
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(Main.SUBCOMMANDS.keySet());
    }

    @Test
    void aRunBuildsOnlyTheCommandsItsArgumentsName() {
        assertThat(Main.commandLine(new Main(), new String[] {"-r", "/srv/repo", "snapshots", "--json"})
                .getSubcommands().keySet()).containsExactly("snapshots");
        // a root option's value is no command, even when it is a command's name
        assertThat(Main.commandLine(new Main(), new String[] {"--password-file", "backup", "-o", "s3.region=x", "restore", "latest"})
                .getSubcommands().keySet()).containsExactly("restore");
        // past the command word, arguments are the command's
        assertThat(Main.commandLine(new Main(), new String[] {"backup", "--", "restore"})
                .getSubcommands().keySet()).containsExactly("backup");
    }

    @Test
    void helpGenerationAndUnknownCommandsGetTheWholeTree() {
        for (String[] args : new String[][] {{"help"}, {"help", "backup"}, {"generate", "--man", "x"}, {}, {"--help"},
                {"snapshot"}, {"-r", "x"}, {"restor", "latest", "--target", "check"}, {"--", "backup"}}) {
            assertThat(Main.commandLine(new Main(), args).getSubcommands().keySet()).as(String.join(" ", args))
                    .containsExactlyElementsOf(Main.SUBCOMMANDS.keySet());
        }
    }

    @Test
    void parsingIsAsWithTheWholeTree() {
        // an option's value may be a command's name, as in restic ("-r snapshots snapshots")
        Run r = Cli.raw(null, "--password-file", "backup", "version");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("lifeboat " + Main.VERSION);
        Run named = Cli.raw(null, "--repo=/nonexistent/snapshots", "--password-file", "init", "snapshots");
        assertThat(named.err()).as(named.toString()).contains("/nonexistent/snapshots").doesNotContain("Expected parameter");
        assertThat(named.exit()).isEqualTo(ExitCodes.NO_REPOSITORY);
        // a typo is still suggested from every command, also when a later argument is a command's name
        Run typo = Cli.raw(null, "snapshot");
        assertThat(typo.err()).contains("unknown command \"snapshot\" for \"lifeboat\"; did you mean: snapshots?");
        Run typo2 = Cli.raw(null, "-r", "/srv/r", "restor", "latest", "--target", "check", "--host", "vm");
        assertThat(typo2.err()).as(typo2.toString()).contains("unknown command \"restor\" for \"lifeboat\"; did you mean: restore?");
        assertThat(typo2.exit()).isEqualTo(1);
        // and with a help option behind it, as restic: an error, not the root's help
        Run typoHelp = Cli.raw(null, "snapshot", "--help");
        assertThat(typoHelp.exit()).as(typoHelp.toString()).isEqualTo(1);
        assertThat(typoHelp.err()).contains("unknown command \"snapshot\" for \"lifeboat\"; did you mean: snapshots?");
        // a command's own help still works with only it built
        Run help = Cli.raw(null, "restore", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: lifeboat restore").contains("-o, --option=KEY=VALUE");
        // the whole tree's help lists the commands
        assertThat(Cli.raw(null, "help").out()).contains("serve-repository").contains("snapshots");
        // help walks down to a nested command, as cobra's, and refuses an unknown one
        Run nested = Cli.raw(null, "help", "plan", "show");
        assertThat(nested.exit()).as(nested.toString()).isZero();
        assertThat(nested.out()).startsWith("Usage: lifeboat plan show");
        Run unknownNested = Cli.raw(null, "help", "plan", "shw");
        assertThat(unknownNested.exit()).isEqualTo(1);
        assertThat(unknownNested.err()).contains("unknown command \"shw\" for \"lifeboat plan\"; did you mean: show?");
        Run nestedTypoHelp = Cli.raw(null, "plan", "shw", "--help");
        assertThat(nestedTypoHelp.exit()).as(nestedTypoHelp.toString()).isEqualTo(1);
        assertThat(nestedTypoHelp.err()).contains("unknown command \"shw\" for \"lifeboat plan\"; did you mean: show?");
        // a command whose words are arguments, not subcommands: its own help
        Run keyList = Cli.raw(null, "help", "key", "list");
        assertThat(keyList.exit()).as(keyList.toString()).isZero();
        assertThat(keyList.out()).startsWith("Usage: lifeboat key");
    }
}
