package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.lifeboat.plan.Durations;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.StepResult;

/**
 * A drill report for people: plain text (the terminal), Markdown (tickets, wikis) and a
 * self-contained HTML page whose recovery timeline is an inline SVG Gantt chart. Pure functions of
 * the report, so a stored drill renders the same way every time.
 */
public final class DrillReports {
    private DrillReports() {}

    static final List<String> COLUMNS = List.of("System", "Wave", "Result", "Snapshot", "Data age / RPO", "RTO / target",
            "First byte", "Restore", "Start", "Checks", "Restored");
    static final List<String> TIMELINE_COLUMNS = List.of("Wave", "System / step", "Result", "From", "To", "Took");

    // ------------------------------------------------------------------------------ text

    public static String text(DrillReport r) {
        StringBuilder b = new StringBuilder();
        b.append("Drill ").append(r.id()).append(": ").append(verdict(r)).append('\n');
        b.append("site ").append(r.site()).append(", plan ").append(shortHash(r.planHash())).append(" (").append(r.planFile())
                .append(")\n");
        b.append("started ").append(time(r.started())).append(", took ").append(span(r.duration())).append(", ")
                .append(passedCount(r)).append('\n');
        b.append('\n').append(table(COLUMNS, rows(r), "  "));
        b.append("\nTimeline (from the drill's start)\n").append(indent(table(TIMELINE_COLUMNS, timeline(r, false), "  ")));
        List<String[]> reasons = reasons(r);
        if (!reasons.isEmpty()) {
            b.append("\nReasons\n");
            for (String[] s : reasons) b.append("  ").append(s[0]).append(": ").append(s[1]).append('\n');
        }
        b.append("\nVerification\n");
        for (DrillSystem s : r.systems()) b.append("  ").append(s.name()).append(": ").append(verification(s)).append('\n');
        b.append("\nTeardown\n");
        for (String line : teardown(r)) b.append("  ").append(line).append('\n');
        return b.toString();
    }

    /** Columns padded to their widest cell; the last column is not padded (no trailing blanks). */
    private static String table(List<String> head, List<String[]> rows, String gap) {
        int[] w = new int[head.size()];
        for (int i = 0; i < w.length; i++) w[i] = head.get(i).length();
        for (String[] row : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], row[i].length());
        StringBuilder b = new StringBuilder();
        line(b, head.toArray(String[]::new), w, gap);
        String[] rule = new String[w.length];
        for (int i = 0; i < w.length; i++) rule[i] = "-".repeat(w[i]);
        line(b, rule, w, gap);
        for (String[] row : rows) line(b, row, w, gap);
        return b.toString();
    }

    private static void line(StringBuilder b, String[] cells, int[] w, String gap) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) l.append(gap);
            l.append(cells[i]).append(" ".repeat(w[i] - cells[i].length()));
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }

    private static String indent(String s) {
        return s.lines().map(l -> "  " + l).reduce("", (a, c) -> a + c + "\n");
    }

    // ------------------------------------------------------------------------------ markdown

    public static String markdown(DrillReport r) {
        StringBuilder b = new StringBuilder();
        b.append("# Drill ").append(md(r.id())).append(": ").append(verdict(r)).append("\n\n");
        b.append("- Site: ").append(md(r.site())).append('\n');
        b.append("- Plan: `").append(shortHash(r.planHash())).append("` (").append(md(r.planFile())).append(")\n");
        b.append("- Started: ").append(time(r.started())).append('\n');
        b.append("- Took: ").append(span(r.duration())).append('\n');
        b.append("- Systems: ").append(passedCount(r)).append("\n\n");
        b.append("## Systems\n\n").append(mdTable(COLUMNS, rows(r)));
        b.append("\n## Timeline\n\nTimes from the drill's start.\n\n").append(mdTable(TIMELINE_COLUMNS, timeline(r, false)));
        List<String[]> reasons = reasons(r);
        if (!reasons.isEmpty()) {
            b.append("\n## Reasons\n\n");
            for (String[] s : reasons) b.append("- **").append(md(s[0])).append("**: ").append(md(s[1])).append('\n');
        }
        b.append("\n## Verification\n\n");
        for (DrillSystem s : r.systems()) b.append("- **").append(md(s.name())).append("**: ").append(md(verification(s))).append('\n');
        b.append("\n## Teardown\n\n");
        for (String line : teardown(r)) b.append("- ").append(md(line)).append('\n');
        return b.toString();
    }

    private static String mdTable(List<String> head, List<String[]> rows) {
        StringBuilder b = new StringBuilder("|");
        for (String h : head) b.append(' ').append(h).append(" |");
        b.append("\n|");
        for (String h : head) b.append(h.equals("Wave") ? ":---:|" : "---|");
        b.append('\n');
        for (String[] row : rows) {
            b.append('|');
            // Markdown collapses leading blanks: step rows keep their indent as non-breaking spaces.
            for (String c : row) b.append(' ').append(md(c).replaceFirst("^ {2}", "\u00a0\u00a0")).append(" |");
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Table cells and list items: a pipe would end the cell, a newline the row, and angle brackets,
     * stars, underscores and backticks would become markup.
     */
    private static String md(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') continue;
            if (c == '\n') b.append(' ');
            else if ("\\|<>*_`[]".indexOf(c) >= 0) b.append('\\').append(c);
            else b.append(c);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------ html

    public static String html(DrillReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        b.append("<title>Lifeboat drill ").append(esc(r.id())).append(": ").append(verdict(r)).append("</title>\n");
        b.append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        b.append("<h1>Drill ").append(esc(r.id())).append(" <span class=\"badge ").append(r.passed() ? "passed" : "failed")
                .append("\">").append(verdict(r)).append("</span></h1>\n");
        b.append("<dl class=\"summary\">");
        dd(b, "Site", esc(r.site()));
        dd(b, "Plan", "<code>" + esc(shortHash(r.planHash())) + "</code> " + esc(r.planFile()));
        dd(b, "Started", esc(time(r.started())));
        dd(b, "Took", esc(span(r.duration())));
        dd(b, "Systems", esc(passedCount(r)));
        b.append("</dl>\n");
        b.append("<h2>Timeline</h2>\n").append(Gantt.svg(r)).append('\n');
        b.append("<h2>Systems</h2>\n");
        List<String[]> rows = rows(r);
        b.append("<table class=\"systems\">\n<thead><tr>");
        for (String c : COLUMNS) b.append("<th>").append(esc(c)).append("</th>");
        b.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < rows.size(); i++) {
            String[] row = rows.get(i);
            b.append("<tr>");
            for (int c = 0; c < row.length; c++) {
                // Only the name may wrap (anywhere); every other cell is short and stays on one line.
                String cls = c == 0 ? "wrap" : c == 2 ? r.systems().get(i).result().json()
                        : row[c].endsWith("MISSED") ? "missed" : c >= 4 ? "num" : null;
                b.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(row[c])).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n");
        b.append("<h2>Steps</h2>\n<table class=\"steps\">\n<thead><tr>");
        for (String c : TIMELINE_COLUMNS) b.append("<th>").append(esc(c)).append("</th>");
        b.append("<th>Detail</th></tr></thead>\n<tbody>\n");
        for (String[] row : timeline(r, true)) {
            boolean system = !row[1].startsWith("  ");
            b.append(system ? "<tr class=\"system-row\">" : "<tr>");
            for (int c = 0; c < row.length; c++) {
                String cell = c == 1 && !system ? row[c].substring(2) : row[c];
                String cls = c == 1 ? (system ? "wrap" : "step wrap") : c == 6 ? "wrap" : c == 2 ? row[c].toLowerCase(Locale.ROOT)
                        : c >= 3 && c <= 5 ? "num" : null;
                b.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(cell)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n");
        List<String[]> reasons = reasons(r);
        if (!reasons.isEmpty()) {
            b.append("<h2>Reasons</h2>\n<ul class=\"reasons\">\n");
            for (String[] s : reasons) b.append("<li><strong>").append(esc(s[0])).append("</strong>: ").append(esc(s[1])).append("</li>\n");
            b.append("</ul>\n");
        }
        b.append("<h2>Verification</h2>\n<ul>\n");
        for (DrillSystem s : r.systems()) {
            b.append("<li><strong>").append(esc(s.name())).append("</strong>: ").append(esc(verification(s))).append("</li>\n");
        }
        b.append("</ul>\n<h2>Teardown</h2>\n<ul>\n");
        for (String line : teardown(r)) b.append("<li>").append(esc(line)).append("</li>\n");
        b.append("</ul>\n<p class=\"foot\">Lifeboat drill report. Plan hash <code>").append(esc(r.planHash()))
                .append("</code>.</p>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void dd(StringBuilder b, String term, String html) {
        b.append("<div><dt>").append(term).append("</dt><dd>").append(html).append("</dd></div>");
    }

    private static final String CSS = """
            body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #1f2328; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
            h1 { font-size: 22px; margin: 0 0 8px; }
            h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
            .badge { font-size: 13px; padding: 2px 8px; border-radius: 10px; color: #fff; vertical-align: middle; }
            .badge.passed { background: #1a7f37; } .badge.failed { background: #cf222e; }
            dl.summary { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; font-size: 14px; }
            dl.summary dt { color: #59636e; font-size: 12px; } dl.summary dd { margin: 0; }
            svg.gantt { display: block; max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
            table { border-collapse: collapse; font-size: 13px; width: 100%; }
            th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f6f8fa; }
            th, td { white-space: nowrap; }
            td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 8em; }
            dd, li { overflow-wrap: anywhere; }
            td.passed, td.ok { color: #1a7f37; font-weight: bold; } td.failed { color: #cf222e; font-weight: bold; }
            td.blocked, td.skipped { color: #59636e; font-weight: bold; } td.missed { color: #cf222e; white-space: nowrap; }
            tr.system-row td { background: #f6f8fa; font-weight: bold; } td.step { padding-left: 24px; }
            ul.reasons li { margin: 2px 0; }
            code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
            .foot { color: #59636e; font-size: 12px; margin-top: 32px; }
            """;

    /**
     * Text for HTML and XML (the SVG must parse as XML): the five markup characters escaped, and
     * control characters (not allowed in XML 1.0) as spaces; null as "". Every HTML page Lifeboat
     * writes itself (drill reports, the readiness assessment) escapes through it.
     */
    public static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // Control characters are not allowed in XML 1.0 at all.
                    if (c < 0x20 && c != '\n' && c != '\t') b.append(' ');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------ shared content

    private static String verdict(DrillReport r) {
        return r.passed() ? "PASSED" : "FAILED";
    }

    private static String passedCount(DrillReport r) {
        long ok = r.systems().stream().filter(s -> s.result() == DrillSystem.Outcome.PASSED).count();
        return ok + " of " + r.systems().size() + " system" + (r.systems().size() == 1 ? "" : "s") + " passed";
    }

    /** The systems table, one row per system in recovery order. */
    static List<String[]> rows(DrillReport r) {
        List<String[]> rows = new ArrayList<>();
        for (DrillSystem s : r.systems()) {
            long checksPassed = s.checks().stream().filter(CheckResult::passed).count();
            rows.add(new String[] {
                s.name(), String.valueOf(s.wave()), s.result().json(), s.snapshot() == null ? "-" : shortHash(s.snapshot()),
                versus(s.rpoAchieved(), s.rpoTarget(), false), versus(s.rtoMeasured(), s.rtoTarget(), true),
                span(s.timeToFirstByte()), span(s.started() == null ? null : s.restoreTime()),
                span(s.started() == null ? null : s.startTime()),
                s.checks().isEmpty() ? "-" : span(s.checkTime()) + " (" + checksPassed + "/" + s.checks().size() + ")",
                s.started() == null ? "-" : bytes(s.bytesRestored())});
        }
        return rows;
    }

    /**
     * "4m 10s / 15m met". missingMisses: a missing RTO means the system never came back (missed);
     * a missing data age is unknown (no snapshot was looked at), so no verdict.
     */
    static String versus(Duration measured, Duration target, boolean missingMisses) {
        if (target == null) return span(measured);
        if (measured == null && !missingMisses) return "- / " + Durations.toPlanText(target);
        boolean met = measured != null && measured.compareTo(target) <= 0;
        return span(measured) + " / " + Durations.toPlanText(target) + (met ? " met" : " MISSED");
    }

    /**
     * The timeline as rows: a system (from its start to its end), then its steps and checks
     * indented by two blanks. withDetail adds a column: why a step or check failed.
     */
    static List<String[]> timeline(DrillReport r, boolean withDetail) {
        List<String[]> rows = new ArrayList<>();
        for (DrillSystem s : r.systems()) {
            String why = s.reasons().isEmpty() ? "" : s.reasons().get(0);
            rows.add(row(withDetail, String.valueOf(s.wave()), s.name(), s.result().json(), r.started(), s.started(),
                    s.finished(), s.result() == DrillSystem.Outcome.PASSED ? "" : why));
            for (StepResult st : s.steps()) {
                rows.add(row(withDetail, "", "  " + st.kind() + ": " + clip(st.description(), 60),
                        st.result().name().toLowerCase(Locale.ROOT), r.started(), st.started(), st.finished(),
                        st.result() == StepResult.Outcome.FAILED ? st.detail() : ""));
            }
            for (CheckResult c : s.checks()) {
                rows.add(row(withDetail, "", "  check " + c.kind() + ": " + clip(c.description(), 54), c.passed() ? "ok" : "failed",
                        r.started(), c.started(), c.finished(), c.passed() ? "" : c.detail()));
            }
        }
        return rows;
    }

    private static String[] row(boolean withDetail, String wave, String what, String result, Instant origin, Instant from,
                                Instant to, String detail) {
        String took = from == null || to == null ? "-" : span(Duration.between(from, to));
        String[] cells = {wave, what, result, offset(origin, from), offset(origin, to), took};
        if (!withDetail) return cells;
        String[] more = java.util.Arrays.copyOf(cells, cells.length + 1);
        more[cells.length] = detail == null ? "" : detail;
        return more;
    }

    /** Every system that has reasons: why it failed or was blocked, and warnings of passed ones. */
    static List<String[]> reasons(DrillReport r) {
        List<String[]> out = new ArrayList<>();
        for (DrillSystem s : r.systems()) {
            for (String why : s.reasons()) out.add(new String[] {s.name() + " (" + s.result().json() + ")", why});
        }
        return out;
    }

    static String verification(DrillSystem s) {
        DrillSystem.Verification v = s.verification();
        if (v == null || (v.filesCompared() == 0 && v.packsChecked() == 0 && v.problems().isEmpty())) {
            return s.result() == DrillSystem.Outcome.BLOCKED ? "not verified (blocked)" : "nothing to verify";
        }
        StringBuilder b = new StringBuilder();
        if (v.filesCompared() > 0) {
            b.append(v.filesCompared()).append(" file").append(v.filesCompared() == 1 ? "" : "s").append(" compared with the snapshot (")
                    .append(v.contentChecked()).append(" by content), ").append(v.differences()).append(" different, ");
        }
        b.append(v.packsChecked()).append(" pack").append(v.packsChecked() == 1 ? "" : "s").append(" checked: ")
                .append(v.ok() ? "ok" : "PROBLEMS");
        for (String p : v.problems()) b.append("; ").append(p);
        return b.toString();
    }

    static List<String> teardown(DrillReport r) {
        List<String> out = new ArrayList<>();
        if (r.kept()) out.add("kept on request: the sandbox stays at " + r.sandboxRoot());
        else if (r.leftovers().isEmpty()) out.add("torn down: nothing left behind (" + r.sandboxRoot() + " removed)");
        else out.add("torn down, but " + r.leftovers().size() + " thing" + (r.leftovers().size() == 1 ? "" : "s")
                + " could not be removed:");
        for (String l : r.leftovers()) out.add("left behind: " + l);
        return out;
    }

    // ------------------------------------------------------------------------------ formatting

    static String shortHash(String h) {
        if (h == null || h.isEmpty()) return "-";
        String s = h.contains(":") ? h.substring(h.indexOf(':') + 1) : h;
        return s.length() <= 8 ? s : s.substring(0, 8);
    }

    private static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Every time in a report is written by {@link DrillDurations#format}: rounded, one style. */
    static String span(Duration d) {
        return DrillDurations.format(d);
    }

    private static String offset(Instant origin, Instant t) {
        return t == null ? "-" : "+" + span(Duration.between(origin, t));
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    private static String clip(String s, int max) {
        if (s == null) return "";
        String one = s.replace('\n', ' ');
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }

    // ------------------------------------------------------------------------------ the Gantt chart

    /**
     * The recovery timeline as inline SVG: a time axis from the drill's start, a band per wave, a
     * lane per system with its bar, its steps and checks below it, and its RTO target as a dashed
     * line. Bars carry data-* attributes (times in ms from the drill's start) for tests and tools.
     */
    static final class Gantt {
        private Gantt() {}

        static final int WIDTH = 1000, LABEL_X = 14, PLOT_X = 210, PLOT_W = 650, AXIS_H = 38, WAVE_H = 24, LANE_H = 56,
                LEGEND_H = 40;
        /** Room for a lane's name and result, left of the plot. */
        static final double LABEL_W = PLOT_X - (LABEL_X + 10) - 8;
        /** Where the RTO label of a target beyond the axis's end stands. */
        static final double RTO_BEYOND_X = PLOT_X + PLOT_W + 14;
        static final String GREEN = "#1a7f37", RED = "#cf222e", GREY = "#8c959f", BLUE = "#0969da", PURPLE = "#8250df",
                AMBER = "#bf8700", INK = "#1f2328", MUTED = "#59636e", GRID = "#d8dee4";
        /** Tick steps in ms: the smallest that gives at most 8 ticks. */
        private static final long[] STEPS = {100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000,
            300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000};

        static String svg(DrillReport r) {
            List<DrillSystem> lanes = new ArrayList<>(r.systems());
            lanes.sort(Comparator.comparingInt(DrillSystem::wave)); // stable: recovery order within a wave
            long drillMs = Math.max(1, ms(r.started(), r.finished()));
            // An RTO target close to the drill's length is drawn in place (the axis grows to it);
            // one far beyond it would squeeze the bars into a corner, so it sits past the axis's end.
            long end = drillMs;
            for (DrillSystem s : lanes) {
                if (s.rtoTarget() != null && s.rtoTarget().toMillis() <= drillMs * 3 / 2) end = Math.max(end, s.rtoTarget().toMillis());
            }
            long step = STEPS[STEPS.length - 1];
            for (long st : STEPS) {
                if ((end + st - 1) / st <= 8) {
                    step = st;
                    break;
                }
            }
            long axis = Math.max(step, (end + step - 1) / step * step);
            int waves = (int) lanes.stream().mapToInt(DrillSystem::wave).distinct().count();
            int height = AXIS_H + waves * WAVE_H + lanes.size() * LANE_H + LEGEND_H + 8;
            Scale x = new Scale(axis);

            StringBuilder b = new StringBuilder();
            b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                    .append("\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"")
                    .append(esc("Recovery timeline of drill " + r.id())).append("\">\n");
            b.append("<title>").append(esc("Recovery timeline of drill " + r.id() + ": " + verdict(r))).append("</title>\n");

            // Wave bands first, so grid lines and bars draw over them.
            int y = AXIS_H;
            List<int[]> laneY = new ArrayList<>();
            int prevWave = Integer.MIN_VALUE, waveIndex = 0;
            StringBuilder bands = new StringBuilder();
            for (int i = 0; i < lanes.size(); i++) {
                DrillSystem s = lanes.get(i);
                if (s.wave() != prevWave) {
                    int count = (int) lanes.stream().filter(o -> o.wave() == s.wave()).count();
                    int h = WAVE_H + count * LANE_H;
                    bands.append("<g class=\"wave\" data-wave=\"").append(s.wave()).append("\">");
                    bands.append(rect(0, y, WIDTH, h, waveIndex % 2 == 0 ? "#f6f8fa" : "#ffffff", null));
                    bands.append("<line x1=\"0\" x2=\"").append(WIDTH).append("\" y1=\"").append(y).append("\" y2=\"").append(y)
                            .append("\" stroke=\"").append(GRID).append("\"/>");
                    bands.append("<text class=\"wave-label\" x=\"").append(LABEL_X).append("\" y=\"").append(y + 16)
                            .append("\" font-weight=\"bold\" font-size=\"11\" fill=\"").append(MUTED).append("\" letter-spacing=\"1\">WAVE ")
                            .append(s.wave()).append(count > 1 ? " (in parallel)" : "").append("</text></g>\n");
                    y += WAVE_H;
                    prevWave = s.wave();
                    waveIndex++;
                }
                laneY.add(new int[] {y});
                y += LANE_H;
            }
            b.append(bands);

            // Time axis: tick labels at the top, grid lines through every lane.
            int bottom = y;
            for (long t = 0; t <= axis; t += step) {
                double tx = x.at(t);
                b.append("<line class=\"tick\" x1=\"").append(f(tx)).append("\" x2=\"").append(f(tx)).append("\" y1=\"")
                        .append(AXIS_H - 6).append("\" y2=\"").append(bottom).append("\" stroke=\"").append(GRID).append("\"/>");
                b.append("<text class=\"tick-label\" x=\"").append(f(tx)).append("\" y=\"").append(AXIS_H - 12)
                        .append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"").append(MUTED).append("\">").append(tick(t, step))
                        .append("</text>\n");
            }
            b.append("<text x=\"").append(LABEL_X).append("\" y=\"").append(AXIS_H - 12).append("\" font-size=\"11\" fill=\"")
                    .append(MUTED).append("\">time since drill start</text>\n");
            double endX = x.at(drillMs);
            b.append("<line class=\"drill-end\" x1=\"").append(f(endX)).append("\" x2=\"").append(f(endX)).append("\" y1=\"")
                    .append(AXIS_H).append("\" y2=\"").append(bottom).append("\" stroke=\"").append(INK)
                    .append("\" stroke-width=\"1\" stroke-dasharray=\"2 3\" opacity=\"0.5\"><title>")
                    .append(esc("drill finished at +" + span(r.duration()))).append("</title></line>\n");

            for (int i = 0; i < lanes.size(); i++) lane(b, r, lanes, lanes.get(i), laneY.get(i)[0], x, axis);
            legend(b, bottom + 12);
            b.append("</svg>");
            return b.toString();
        }

        private static void lane(StringBuilder b, DrillReport r, List<DrillSystem> all, DrillSystem s, int y, Scale x, long axis) {
            String name = esc(s.name());
            b.append("<g class=\"lane\" data-system=\"").append(name).append("\" data-wave=\"").append(s.wave()).append("\">\n");
            String color = switch (s.result()) {
                case PASSED -> GREEN;
                case FAILED -> RED;
                case BLOCKED -> GREY;
            };
            b.append("<text class=\"lane-label\" x=\"").append(LABEL_X + 10).append("\" y=\"").append(y + 27)
                    .append("\" font-weight=\"bold\" font-size=\"13\" fill=\"").append(INK).append("\"><title>").append(name)
                    .append("</title>").append(esc(fit(s.name(), LABEL_W, 13, true))).append("</text>");
            String sub = s.result().json() + (s.rtoMeasured() == null ? "" : ", back at +" + span(s.rtoMeasured()));
            b.append("<text class=\"lane-sub\" x=\"").append(LABEL_X + 10).append("\" y=\"").append(y + 43).append("\" font-size=\"11\" fill=\"")
                    .append(color).append("\">").append(esc(fit(sub, LABEL_W, 11, false))).append("</text>\n");

            if (s.result() == DrillSystem.Outcome.BLOCKED || s.started() == null) {
                // Never ran: a marker where it would have started (when the waves before it were done).
                long at = 0;
                for (DrillSystem o : all) {
                    if (o.wave() < s.wave() && o.finished() != null) at = Math.max(at, ms(r.started(), o.finished()));
                }
                double mx = x.at(at);
                String why = s.reasons().isEmpty() ? "" : ": " + s.reasons().get(0);
                b.append("<rect class=\"blocked-marker\" data-system=\"").append(name).append("\" x=\"").append(f(mx))
                        .append("\" y=\"").append(y + 14).append("\" width=\"4\" height=\"18\" fill=\"").append(GREY).append("\"><title>")
                        .append(esc(s.name() + " blocked" + why)).append("</title></rect>");
                // The words go where there is room: right of the marker up to the RTO label (or the chart's
                // edge), else left of it down to the label column; cut with an ellipsis, the whole in the title.
                String words = "blocked" + why;
                double right = (beyondAxis(s, axis) ? RTO_BEYOND_X - 6 : WIDTH - 8) - (mx + 9);
                double left = mx - 5 - (PLOT_X + 4);
                boolean atRight = right >= Math.min(left, textWidth(words, 12, false));
                b.append("<text class=\"blocked-label\" x=\"").append(f(atRight ? mx + 9 : mx - 5)).append("\" y=\"").append(y + 27)
                        .append(atRight ? "" : "\" text-anchor=\"end").append("\" font-size=\"12\" font-style=\"italic\" fill=\"")
                        .append(MUTED).append("\"><title>").append(esc(words)).append("</title>")
                        .append(esc(fit(words, atRight ? right : left, 12, false))).append("</text>\n");
            } else {
                long from = ms(r.started(), s.started());
                long to = s.finished() == null ? ms(r.started(), r.finished()) : ms(r.started(), s.finished());
                double x1 = x.at(from), x2 = Math.max(x.at(to), x1 + 2);
                b.append("<rect class=\"system-bar\" data-system=\"").append(name).append("\" data-wave=\"").append(s.wave())
                        .append("\" data-result=\"").append(s.result().json()).append("\" data-start-ms=\"").append(from)
                        .append("\" data-end-ms=\"").append(to).append("\" x=\"").append(f(x1)).append("\" y=\"").append(y + 14)
                        .append("\" width=\"").append(f(x2 - x1)).append("\" height=\"18\" rx=\"3\" fill=\"").append(color)
                        .append("\"><title>").append(esc(s.name() + " " + s.result().json() + ": +" + span(Duration.ofMillis(from))
                                + " to +" + span(Duration.ofMillis(to)) + " (" + span(Duration.ofMillis(to - from)) + ")"))
                        .append("</title></rect>");
                String took = span(Duration.ofMillis(to - from));
                boolean inside = x2 + 8 + took.length() * 7 > PLOT_X + PLOT_W;
                b.append("<text class=\"").append(inside ? "bar-label in-bar" : "bar-label").append("\" data-system=\"").append(name)
                        .append("\" x=\"").append(f(inside ? x2 - 5 : x2 + 5)).append("\" y=\"").append(y + 27)
                        .append("\" font-size=\"11\"").append(inside ? " text-anchor=\"end\" fill=\"#ffffff\"" : " fill=\"" + INK + "\"")
                        .append(">").append(took).append("</text>\n");
                for (StepResult st : s.steps()) {
                    if (st.started() == null) continue;
                    long a = ms(r.started(), st.started());
                    long e = st.finished() == null ? to : ms(r.started(), st.finished());
                    String fill = st.result() == StepResult.Outcome.FAILED ? RED : st.kind().equals("command") ? PURPLE : BLUE;
                    sub(b, "step-bar", name, st.kind(), a, e, x, y, fill, st.kind(),
                            st.kind() + ": " + st.description() + " (" + st.result().name().toLowerCase(Locale.ROOT) + ", "
                                    + span(Duration.ofMillis(e - a)) + ")" + (st.detail() == null || st.detail().isBlank() ? "" : ": " + st.detail()));
                }
                Instant cFrom = null, cTo = null;
                boolean cOk = true;
                for (CheckResult c : s.checks()) {
                    if (c.started() != null && (cFrom == null || c.started().isBefore(cFrom))) cFrom = c.started();
                    if (c.finished() != null && (cTo == null || c.finished().isAfter(cTo))) cTo = c.finished();
                    cOk &= c.passed();
                }
                if (cFrom != null && cTo != null) {
                    long a = ms(r.started(), cFrom), e = ms(r.started(), cTo);
                    long passed = s.checks().stream().filter(CheckResult::passed).count();
                    sub(b, "check-bar", name, "checks", a, e, x, y, cOk ? AMBER : RED, "checks",
                            "checks: " + passed + " of " + s.checks().size() + " passed (" + span(Duration.ofMillis(e - a)) + ")");
                }
            }
            rto(b, s, y, x, axis);
            b.append("</g>\n");
        }

        /** A step or the checks: a thinner bar under the system's, labelled when the label fits. */
        private static void sub(StringBuilder b, String cls, String name, String kind, long a, long e, Scale x, int y, String fill,
                                String label, String title) {
            double x1 = x.at(a), x2 = Math.max(x.at(e), x1 + 2);
            b.append("<rect class=\"").append(cls).append("\" data-system=\"").append(name).append("\" data-kind=\"")
                    .append(esc(kind)).append("\" data-start-ms=\"").append(a).append("\" data-end-ms=\"").append(e)
                    .append("\" x=\"").append(f(x1)).append("\" y=\"").append(y + 36).append("\" width=\"").append(f(x2 - x1))
                    .append("\" height=\"13\" rx=\"2\" fill=\"").append(fill).append("\" fill-opacity=\"0.85\"><title>")
                    .append(esc(title)).append("</title></rect>");
            if (x2 - x1 >= label.length() * 6.5 + 6) {
                b.append("<text class=\"in-bar\" x=\"").append(f(x1 + 4)).append("\" y=\"").append(y + 46)
                        .append("\" font-size=\"10\" fill=\"#ffffff\">").append(esc(label)).append("</text>");
            }
            b.append('\n');
        }

        /** The RTO target: in place when it is on the axis, else at the axis's end with an arrow. */
        private static void rto(StringBuilder b, DrillSystem s, int y, Scale x, long axis) {
            if (s.rtoTarget() == null) return;
            long t = s.rtoTarget().toMillis();
            boolean beyond = beyondAxis(s, axis);
            double lx = beyond ? RTO_BEYOND_X : x.at(t);
            boolean missed = s.rtoMeasured() == null ? s.result() != DrillSystem.Outcome.PASSED
                    : s.rtoMeasured().compareTo(s.rtoTarget()) > 0;
            String color = missed ? RED : INK;
            String label = "RTO " + Durations.toPlanText(s.rtoTarget()) + (beyond ? " \u2192" : "");
            b.append("<line class=\"rto-line\" data-system=\"").append(esc(s.name())).append("\" data-rto-ms=\"").append(t)
                    .append("\" data-beyond-axis=\"").append(beyond).append("\" x1=\"").append(f(lx)).append("\" x2=\"").append(f(lx))
                    .append("\" y1=\"").append(y + 3).append("\" y2=\"").append(y + LANE_H - 3).append("\" stroke=\"").append(color)
                    .append("\" stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>")
                    .append(esc("RTO target of " + s.name() + ": " + Durations.toPlanText(s.rtoTarget())
                            + (s.rtoMeasured() == null ? ", not recovered" : ", back after " + span(s.rtoMeasured()))
                            + (beyond ? " (beyond the end of the axis)" : "")))
                    .append("</title></line>");
            // On the axis the line may cross the bars: its label goes above them, at the lane's top.
            b.append("<text class=\"rto-label\" x=\"").append(f(lx + 4)).append("\" y=\"").append(beyond ? y + 27 : y + 10)
                    .append("\" font-size=\"").append(beyond ? 11 : 10).append("\" font-weight=\"bold\" fill=\"").append(color)
                    .append("\">").append(esc(label)).append("</text>\n");
        }

        private static boolean beyondAxis(DrillSystem s, long axis) {
            return s.rtoTarget() != null && s.rtoTarget().toMillis() > axis;
        }

        /**
         * Width in px of {@code s} in DejaVu Sans (the report's font) at {@code size} px, on the
         * generous side: the glyph widths of its widest letters per class, so a text fitted with it
         * never runs into its neighbour (the font's real advance widths are at most these).
         */
        static double textWidth(String s, double size, boolean bold) {
            double em = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                double w;
                if ("iljI.,:;'|!()[] ".indexOf(c) >= 0) w = 0.40;
                else if ("mwMW@%".indexOf(c) >= 0) w = 1.02;
                else if (Character.isUpperCase(c) || c == '\u2192' || c == '\u2026') w = 0.86;
                else if (Character.isDigit(c)) w = 0.72;
                else w = 0.70;
                em += w;
            }
            return em * size * (bold ? 1.12 : 1.0);
        }

        /** {@code s} cut (with an ellipsis) to fit {@code max} px; "" when not even the ellipsis fits. */
        static String fit(String s, double max, double size, boolean bold) {
            String one = s.replace('\n', ' ');
            if (textWidth(one, size, bold) <= max) return one;
            for (int n = one.length() - 1; n > 0; n--) {
                String cut = one.substring(0, n).stripTrailing() + "\u2026";
                if (textWidth(cut, size, bold) <= max) return cut;
            }
            return "";
        }

        private static void legend(StringBuilder b, int y) {
            String[][] items = {{GREEN, "system passed"}, {RED, "failed"}, {GREY, "blocked"}, {BLUE, "data restore step"},
                {PURPLE, "command step"}, {AMBER, "checks"}};
            double lx = LABEL_X;
            b.append("<g class=\"legend\" font-size=\"11\" fill=\"").append(MUTED).append("\">");
            for (String[] it : items) {
                b.append(rect(lx, y + 4, 14, 10, it[0], null)).append("<text x=\"").append(f(lx + 19)).append("\" y=\"")
                        .append(y + 13).append("\">").append(it[1]).append("</text>");
                lx += 19 + it[1].length() * 6.8 + 22;
            }
            b.append("<line x1=\"").append(f(lx + 4)).append("\" x2=\"").append(f(lx + 4)).append("\" y1=\"").append(y + 1)
                    .append("\" y2=\"").append(y + 17).append("\" stroke=\"").append(INK)
                    .append("\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/><text x=\"").append(f(lx + 12)).append("\" y=\"")
                    .append(y + 13).append("\">RTO target</text></g>\n");
        }

        private static String rect(double x, double y, double w, double h, String fill, String cls) {
            return "<rect" + (cls == null ? "" : " class=\"" + cls + "\"") + " x=\"" + f(x) + "\" y=\"" + f(y) + "\" width=\"" + f(w)
                    + "\" height=\"" + f(h) + "\" fill=\"" + fill + "\"/>";
        }

        private static String tick(long t, long step) {
            if (t == 0) return "0";
            if (step < 1_000) return String.format(Locale.ROOT, "%.1fs", t / 1000.0);
            if (t < 60_000) return (t / 1000) + "s";
            return Durations.format(Duration.ofMillis(t));
        }

        private static long ms(Instant origin, Instant t) {
            return Math.max(0, Duration.between(origin, t).toMillis());
        }

        private static String f(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }

        private record Scale(long axis) {
            double at(long ms) {
                return PLOT_X + Math.min(1.0, Math.max(0.0, (double) ms / axis)) * PLOT_W;
            }
        }
    }
}
