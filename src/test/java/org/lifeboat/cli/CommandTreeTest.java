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
        // an option value that is a command's name costs that command's model, nothing else
        assertThat(Main.commandLine(new Main(), new String[] {"--password-file", "backup", "restore", "latest"})
                .getSubcommands().keySet()).containsExactly("backup", "restore");
        // after "--" nothing is a command
        assertThat(Main.commandLine(new Main(), new String[] {"backup", "--", "restore"})
                .getSubcommands().keySet()).containsExactly("backup");
    }

    @Test
    void helpGenerationAndUnknownCommandsGetTheWholeTree() {
        for (String[] args : new String[][] {{"help"}, {"help", "backup"}, {"generate", "--man", "x"}, {}, {"--help"},
                {"snapshot"}, {"-r", "x"}}) {
            assertThat(Main.commandLine(new Main(), args).getSubcommands().keySet()).as(String.join(" ", args))
                    .containsExactlyElementsOf(Main.SUBCOMMANDS.keySet());
        }
    }

    @Test
    void parsingIsAsWithTheWholeTree() {
        // picocli takes a command's name for the command, not an option's value, with the whole
        // tree too: the same error as before
        Run r = Cli.raw(null, "--password-file", "backup", "version");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("Expected parameter for option '--password-file' but found 'backup'");
        assertThat(Cli.raw(null, "--repo", "/srv/r", "version").out()).startsWith("lifeboat " + Main.VERSION);
        // a typo is still suggested from every command
        Run typo = Cli.raw(null, "snapshot");
        assertThat(typo.err()).contains("unknown command \"snapshot\" for \"lifeboat\"; did you mean: snapshots?");
        // a command's own help still works with only it built
        Run help = Cli.raw(null, "restore", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: lifeboat restore").contains("-o, --option=KEY=VALUE");
        // the whole tree's help lists the commands
        assertThat(Cli.raw(null, "help").out()).contains("serve-repository").contains("snapshots");
    }
}
