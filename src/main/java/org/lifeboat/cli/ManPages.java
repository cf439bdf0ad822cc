package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Man pages (troff, the man(7) macros) made from the command tree: one page per command, named as
 * restic's ({@code lifeboat-backup.1}, {@code lifeboat-drill-report.1}). Written here rather than
 * with picocli-codegen, whose ManPageGenerator writes AsciiDoc that needs asciidoctor to become troff.
 */
final class ManPages {
    private ManPages() {}

    /** File name to page, for the command and every command below it (hidden ones left out). */
    static Map<String, String> all(CommandLine root) {
        Map<String, String> pages = new LinkedHashMap<>();
        add(root, pages);
        return pages;
    }

    private static void add(CommandLine cl, Map<String, String> pages) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.usageMessage().hidden()) return;
        pages.put(pageName(spec) + ".1", page(cl));
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == spec) add(sub, pages); // aliases point to the same spec
        }
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** One command's page. */
    static String page(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        String name = pageName(spec);
        StringBuilder t = new StringBuilder();
        t.append(".TH \"").append(name.toUpperCase(Locale.ROOT)).append("\" \"1\" \"\" \"lifeboat ")
                .append(Main.VERSION).append("\" \"Lifeboat Manual\"\n");
        t.append(".SH NAME\n").append(escape(name)).append(" \\- ")
                .append(escape(firstSentence(text(spec.usageMessage().description())))).append('\n');

        t.append(".SH SYNOPSIS\n.nf\n");
        // A fixed width (the page's text column), not the terminal's: the same page on every machine.
        int width = spec.usageMessage().width();
        String synopsis;
        try {
            spec.usageMessage().width(72);
            synopsis = new CommandLine.Help(spec, new CommandLine.Help.ColorScheme.Builder(CommandLine.Help.Ansi.OFF).build())
                    .synopsis(0).stripTrailing();
        } finally {
            spec.usageMessage().width(width);
        }
        synopsis.lines().forEach(l -> t.append(escapeLine(l)).append('\n'));
        t.append(".fi\n");

        t.append(".SH DESCRIPTION\n");
        paragraphs(t, text(spec.usageMessage().description()));

        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            t.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                t.append(".TP\n.B ").append(escape(p.paramLabel())).append('\n');
                paragraphs(t, text(p.description()));
            }
        }

        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            t.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                t.append(".TP\n\\fB").append(escape(String.join(", ", o.names()))).append("\\fR");
                if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) {
                    t.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
                }
                t.append('\n');
                paragraphs(t, text(o.description()));
            }
        }

        List<CommandSpec> subs = new ArrayList<>();
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (s.parent() == spec && !s.usageMessage().hidden()) subs.add(s);
        }
        if (!subs.isEmpty()) {
            t.append(".SH COMMANDS\n");
            for (CommandSpec s : subs) {
                t.append(".TP\n.B ").append(escape(s.name())).append('\n')
                        .append(escape(firstSentence(text(s.usageMessage().description())))).append('\n');
            }
        }

        String footer = text(spec.usageMessage().footer());
        int ex = footer.indexOf("Examples:");
        if (ex >= 0) {
            t.append(".SH EXAMPLES\n.nf\n.RS\n");
            footer.substring(ex + "Examples:".length()).strip().lines()
                    .forEach(l -> t.append(escapeLine(l.strip())).append('\n'));
            t.append(".RE\n.fi\n");
        }

        List<String> seeAlso = new ArrayList<>();
        if (spec.parent() != null) seeAlso.add(pageName(spec.parent()));
        subs.forEach(s -> seeAlso.add(pageName(s)));
        if (!seeAlso.isEmpty()) {
            t.append(".SH SEE ALSO\n");
            List<String> refs = seeAlso.stream().map(n -> "\\fB" + escape(n) + "\\fR(1)").toList();
            t.append(String.join(", ", refs)).append('\n');
        }
        return t.toString();
    }

    /** Annotation text as shown: lines joined, picocli's format escapes (%n, %%) resolved. */
    private static String text(String[] lines) {
        return String.join("\n", lines).replace("%n", "\n").replace("%%", "%");
    }

    private static String firstSentence(String s) {
        String line = s.lines().findFirst().orElse("").strip();
        return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
    }

    private static void paragraphs(StringBuilder t, String text) {
        text.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> t.append(escapeLine(l)).append('\n'));
    }

    /**
     * Text for troff: backslashes and dashes escaped (a bare '-' may become a hyphen), and the
     * typographic characters help text uses spelled in ASCII (man renders for an ASCII terminal
     * in the C locale, where groff has no glyph for them); any other non-ASCII character becomes
     * groff's {@code \\[uXXXX]}.
     */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> b.append("\\e");
                case '-' -> b.append("\\-");
                case 0x2026 -> b.append("...");
                case 0x2013, 0x2014, 0x2212 -> b.append("\\-");
                case 0x2018, 0x2019 -> b.append('\'');
                case 0x201C, 0x201D -> b.append('"');
                case 0x2192 -> b.append("\\->");
                case 0x00D7 -> b.append('x');
                case 0x2264 -> b.append("<=");
                case 0x2265 -> b.append(">=");
                default -> {
                    if (c < 0x80) b.appendCodePoint(c);
                    else b.append(String.format("\\[u%04X]", c));
                }
            }
        });
        return b.toString();
    }

    /** A whole line: also guards a leading '.' or '\'' that troff would take for a request. */
    static String escapeLine(String s) {
        String e = escape(s);
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }
}
