package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code lifeboat generate}: completion scripts that bash loads and uses, man pages that man renders. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    Path bash;
    Path zsh;
    Path man;

    @BeforeEach
    void generate() {
        bash = dir.resolve("lifeboat.bash");
        zsh = dir.resolve("lifeboat.zsh");
        man = dir.resolve("man1");
        Run r = Cli.raw(null, "generate", "--bash-completion", bash.toString(), "--zsh-completion", zsh.toString(),
                "--man", man.toString());
        assertThat(r.exit()).as("%s", r).isZero();
    }

    private static Run bash(String script) {
        return Proc.run(List.of("bash", "-c", script), Map.of(), null, new byte[0], 60);
    }

    @Test
    void theBashScriptLoadsAndRegistersTheCompletion() {
        Run r = bash("source '" + bash + "' && complete -p lifeboat");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("-F _complete_lifeboat").endsWith("lifeboat\n");
    }

    /** Completion really completes: bash calls the function as it would on TAB. */
    @Test
    void commandsAndOptionsComplete() {
        String call = "source '" + bash + "'; complete(){ COMP_WORDS=(\"$@\"); COMP_CWORD=$(($#-1)); COMP_LINE=\"$*\";"
                + " COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _complete_lifeboat; echo \"${COMPREPLY[*]}\"; };"
                + " complete lifeboat snap; complete lifeboat backup --exclude-c; complete lifeboat drill rep";
        Run r = bash(call);
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out().lines().toList()).containsExactly("snapshots", "--exclude-caches", "report");
    }

    @Test
    void theZshScriptIsWrittenToo() throws Exception {
        assertThat(Files.readString(zsh)).contains("bashcompinit").contains("_complete_lifeboat");
    }

    /** Every command has a page that man renders without a warning, naming each of its options. */
    @Test
    void everyCommandHasAManPageListingItsOptions() throws Exception {
        CommandLine root = Main.commandLine();
        List<CommandSpec> specs = new java.util.ArrayList<>();
        collect(root, specs);
        assertThat(specs).hasSizeGreaterThan(20);
        for (CommandSpec spec : specs) {
            Path page = man.resolve(spec.qualifiedName("-") + ".1");
            assertThat(page).exists();
            Run r = Proc.run(List.of("man", "--warnings", "-l", page.toString()),
                    Map.of("LC_ALL", "C", "MANPAGER", "cat", "MANWIDTH", "100"), null, new byte[0], 60);
            assertThat(r.exit()).as("%s: %s", page, r).isZero();
            assertThat(r.err()).as("warnings for %s", page).isEmpty();
            String text = r.out();
            assertThat(text).contains("NAME").contains("SYNOPSIS").contains("EXAMPLES").contains(spec.qualifiedName());
            for (OptionSpec o : spec.options()) {
                if (!o.hidden()) assertThat(text).as("%s lists %s", page, o.longestName()).contains(o.longestName());
            }
        }
        Run backup = Proc.run(List.of("man", "-l", man.resolve("lifeboat-backup.1").toString()),
                Map.of("LC_ALL", "C", "MANPAGER", "cat", "MANWIDTH", "100"), null, new byte[0], 60);
        assertThat(backup.out()).contains("--stdin-filename=FILE").contains("lifeboat backup /home --dry-run -v")
                .contains("lifeboat(1)");
    }

    private static void collect(CommandLine cl, List<CommandSpec> specs) {
        specs.add(cl.getCommandSpec());
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == cl.getCommandSpec()) collect(sub, specs);
        }
    }

    @Test
    void nothingToGenerateIsOneClearSentence() {
        Run r = Cli.raw(null, "generate");
        assertThat(fatal(r, 1)).contains("nothing to generate").contains("--man DIR");
    }

    @Test
    void aMissingFolderIsNamed() {
        Run r = Cli.raw(null, "generate", "--bash-completion", dir.resolve("no/such/lifeboat.bash").toString());
        assertThat(fatal(r, 1)).contains(dir.resolve("no/such/lifeboat.bash").toString()).contains("does not exist");
    }
}
