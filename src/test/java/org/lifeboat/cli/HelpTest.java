package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every command's help, walked over the whole picocli tree: a description for every command,
 * option and argument, an "Examples:" footer that runs the command, and restic-style value names
 * (FILE, SNAPSHOT, PATTERN, N) instead of picocli's field-name placeholders such as {@code <stdinFilename>}.
 */
class HelpTest {
    /** An upper-case placeholder (FILE, TAG[,TAG], FILE[:HEADER], KEY=VALUE, SNAPSHOT-A) or a list of literal choices (auto|off|max). */
    private static final String WORD = "[A-Z][A-Z0-9_\\-]*(\\[,[A-Z]+\\]|\\[:[A-Z]+\\]|=[A-Z]+)?";
    /**
     * An upper-case placeholder (FILE, TAG[,TAG], FILE[:HEADER], KEY=VALUE, SNAPSHOT-A), or a list of choices (auto|off|max,
     * ID|latest); a lone lower-case word would be a placeholder in disguise.
     */
    private static final Pattern LABEL = Pattern.compile(WORD + "|(" + WORD + "|[a-z0-9\\-]+)(\\|(" + WORD + "|[a-z0-9\\-]+))+");
    private static final Pattern PLACEHOLDER = Pattern.compile("<[A-Za-z][A-Za-z0-9]*>");

    @Test
    void everyCommandAndOptionIsDescribedWithExamplesAndRealValueNames() {
        List<String> problems = new ArrayList<>();
        walk(Main.commandLine(), problems);
        assertThat(problems).as("help problems").isEmpty();
    }

    private static void walk(CommandLine cl, List<String> problems) {
        CommandSpec spec = cl.getCommandSpec();
        String name = spec.qualifiedName();
        if (spec.usageMessage().hidden()) return;
        if (String.join("", spec.usageMessage().description()).isBlank()) {
            problems.add(name + ": no description");
        }
        String footer = String.join("\n", spec.usageMessage().footer());
        if (!footer.contains("Examples:")) {
            problems.add(name + ": no \"Examples:\" footer");
        } else {
            boolean runsIt = footer.lines().map(String::trim).anyMatch(l -> l.equals(name) || l.startsWith(name + " "));
            if (!runsIt) problems.add(name + ": no example starts with '" + name + "'");
            // Wider lines wrap in an 80-column terminal, breaking the command in two.
            footer.lines().filter(l -> l.length() > 78).forEach(l -> problems.add(name + ": example wider than 78: " + l));
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            check(name + " " + o.longestName(), o, problems);
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.hidden()) continue;
            check(name + " " + p.paramLabel(), p, problems);
        }
        String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
        Matcher m = PLACEHOLDER.matcher(usage);
        while (m.find()) problems.add(name + ": help shows the placeholder " + m.group());
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == spec) walk(sub, problems);
        }
    }

    private static void check(String what, ArgSpec a, List<String> problems) {
        if (String.join("", a.description()).isBlank()) problems.add(what + ": no description");
        boolean takesValue = !(a instanceof OptionSpec o) || o.typeInfo().isBoolean() == false && o.arity().max() > 0;
        if (takesValue && !LABEL.matcher(a.paramLabel()).matches()) {
            problems.add(what + ": value name '" + a.paramLabel() + "' is not a restic-style name (FILE, SNAPSHOT, PATTERN, N, or a|b|c)");
        }
    }

    @Test
    void helpOfACommandShowsItsExamples() {
        Run r = Cli.raw(null, "backup", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Examples:").contains("lifeboat backup ").contains("--stdin-filename=FILE")
                .doesNotContain("<stdinFilename>");
    }

    @Test
    void theHelpCommandIsDescribedToo() {
        Run r = Cli.raw(null, "help", "help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Examples:").contains("lifeboat help backup");
    }
}
