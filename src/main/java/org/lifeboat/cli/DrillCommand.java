package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.drill.Drill;
import org.lifeboat.drill.DrillDurations;
import org.lifeboat.drill.DrillJson;
import org.lifeboat.drill.DrillReport;
import org.lifeboat.drill.DrillReports;
import org.lifeboat.drill.DrillSummary;
import org.lifeboat.drill.History;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.repository.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "drill", description = {"Recover the plan into an isolated sandbox, prove it works, measure RTO and RPO, clean up.",
        "Every drill is kept in the state store: see 'drill report' and 'drill history'."},
        subcommands = {DrillCommand.Report.class, DrillCommand.HistoryCmd.class},
        footer = {"", "Examples:", "  lifeboat drill", "  lifeboat drill --systems shop-db --report drill.html", "  lifeboat drill --verify-sample 10%% --keep"})
final class DrillCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--systems", split = ",", paramLabel = "NAME[,NAME]", description = "drill only these (and what they depend on)")
    List<String> systems = new ArrayList<>();

    @Option(names = "--site", paramLabel = "NAME", description = "the sandbox site (default: sandbox)")
    String site;

    @Option(names = "--keep", description = "leave the sandbox running and on disk (for a look around)")
    boolean keep;

    @Option(names = "--report", paramLabel = "FILE", description = "also write the report to FILE (.html, .md, .json or text)")
    String report;

    @Option(names = "--verify-sample", defaultValue = "100%", paramLabel = "PERCENT",
            description = "share of restored files whose content is compared with the snapshot (default 100%%)")
    String sample;

    @Option(names = "--gap-window", defaultValue = "7d", paramLabel = "DURATION",
            description = "how far back to look for gaps between backups (default 7d)")
    String gapWindow;

    @Option(names = "--from", paramLabel = "REPOSITORY", description = "restore from this repository of the plan (drills the off-site"
            + " copy: the copy of the snapshot the system's own repository would give, else the newest there)")
    String from;

    @Option(names = "--clean", description = "drill each system's clean point: the newest snapshot before its latest"
            + " run of snapshots tagged suspicious (as recover --clean)")
    boolean clean;

    @Option(names = "--parallel", defaultValue = "4", paramLabel = "N", description = "systems recovered at once within a wave")
    int parallel;

    private Path planFile;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        Path file = Plans.file(ctx);
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        double pct;
        try {
            pct = Double.parseDouble(sample.replace("%", "")) / 100.0;
        } catch (NumberFormatException e) {
            throw new UserException("--verify-sample must be a percentage such as 10%, not '" + sample + "'");
        }
        if (pct <= 0 || pct > 1) throw new UserException("--verify-sample must be more than 0% and at most 100%");
        Duration window = Durations.parse(gapWindow);
        if (window == null) throw new UserException("--gap-window must be a duration such as 7d, not '" + gapWindow + "'");
        if (from != null && !plan.repositories().containsKey(from)) {
            throw new UserException("--from '" + from + "' is not a repository of " + plan.file() + " (repositories: "
                    + String.join(", ", plan.repositories().keySet()) + ")");
        }
        // the command's storage flags (--limit-download, --pack-size) reach the sandbox's repositories
        var opener = ctx.repositoriesOpener(file, false);
        Path stateDir = StateDir.of(plan);
        Instant now = Instant.now();
        String id = DrillStore.newId(now);
        if (!ctx.quiet()) ctx.out.println("drill " + id + ": recovering into site " + (site == null ? Drill.DEFAULT_SITE : site)
                + (keep ? " (kept afterwards)" : " (torn down afterwards)"));
        // Opened first: a drill whose evidence cannot be kept is not worth running.
        try (DrillStore store = DrillStore.open(stateDir)) {
            DrillReport r = new Drill(file, new Drill.Options(systems, site, keep, pct, window, parallel, from, clean),
                    RecoveryOutput.live(ctx), ctx.cancel(), opener).run(id);
            String saveError = null;
            try {
                store.save(r);
            } catch (org.lifeboat.state.StateStoreException e) {
                saveError = e.getMessage();
            }
            if (report != null) write(Path.of(report), r);
            planFile = file;
            return print(ctx, r, saveError);
        }
    }

    /**
     * The command that shows a drill again as HTML, with absolute, quoted paths so it works when
     * pasted in any folder: the plan (where the state store is found) and the output file in
     * {@code folder}.
     */
    static String hint(Path plan, String id, Path folder) {
        return "lifeboat --config " + org.lifeboat.recovery.Runbook.shellWord(plan.toAbsolutePath().normalize().toString())
                + " drill report " + org.lifeboat.recovery.Runbook.shellWord(id) + " --format html -o "
                + org.lifeboat.recovery.Runbook.shellWord(folder.resolve("drill-" + id + ".html").toString());
    }

    private int print(Context ctx, DrillReport r, String saveError) {
        if (ctx.json()) {
            ctx.printJson(DrillJson.toJson(r));
        } else {
            ctx.out.println();
            ctx.out.print(DrillReports.text(r));
            if (report != null) ctx.out.println("report written to " + Path.of(report).toAbsolutePath());
            if (saveError == null) ctx.out.println("see it again: " + hint(planFile, r.id(), Path.of("").toAbsolutePath()));
        }
        if (saveError != null) {
            ctx.err.println("error: the drill ran but could not be recorded: " + saveError);
            return ExitCodes.FATAL;
        }
        return r.passed() ? ExitCodes.OK : ExitCodes.FATAL;
    }

    static void write(Path p, DrillReport r) throws java.io.IOException {
        String name = p.getFileName().toString();
        String text = name.endsWith(".html") || name.endsWith(".htm") ? DrillReports.html(r)
                : name.endsWith(".md") ? DrillReports.markdown(r)
                : name.endsWith(".json") ? Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(DrillJson.toJson(r)) + "\n"
                : DrillReports.text(r);
        OutputFile.write(p.toString(), text);
    }

    static DrillStore store(Context ctx) throws Exception {
        Plan plan = null;
        try {
            plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        } catch (org.lifeboat.plan.PlanException e) {
            // the state dir can come from LIFEBOAT_STATE_DIR alone
            if (System.getenv("LIFEBOAT_STATE_DIR") == null) throw e;
        }
        return DrillStore.open(StateDir.of(plan));
    }

    @Command(name = "report", description = "Show a past drill: timeline, measurements and results.",
            footer = {"", "Examples:", "  lifeboat drill report", "  lifeboat drill report latest --format html -o drill.html"})
    static final class Report implements Callable<Integer> {
        @ParentCommand
        DrillCommand parent;

        @Parameters(index = "0", defaultValue = "latest", paramLabel = "ID|latest", description = "drill ID, or latest (default)")
        String id;

        @Option(names = "--format", defaultValue = "text", paramLabel = "text|json|md|html",
                description = "text (default), JSON, Markdown or HTML")
        String format;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of standard output")
        String output;

        @Override
        public Integer call() throws Exception {
            Context ctx = new Context(parent.main);
            String fmt = ctx.json() ? "json" : format;
            if (!List.of("text", "json", "md", "html").contains(fmt)) {
                throw new UserException("--format must be text, json, md or html, not '" + format + "'");
            }
            DrillReport r;
            try (DrillStore store = store(ctx)) {
                r = store.load(id);
            }
            String text = switch (fmt) {
                case "json" -> Json.MAPPER.writeValueAsString(DrillJson.toJson(r)) + "\n";
                case "md" -> DrillReports.markdown(r);
                case "html" -> DrillReports.html(r);
                default -> DrillReports.text(r);
            };
            if (output == null) {
                ctx.out.print(text);
            } else {
                ctx.info("report written to " + OutputFile.write(output, text));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "history", description = "Measured RTO and RPO per system over time, with the trend.",
            footer = {"", "Examples:", "  lifeboat drill history", "  lifeboat drill history --system shop-db --since 90d"})
    static final class HistoryCmd implements Callable<Integer> {
        @ParentCommand
        DrillCommand parent;

        @Option(names = "--system", paramLabel = "NAME", description = "one system only")
        String system;

        @Option(names = "--since", paramLabel = "DURATION", description = "only drills in this period, e.g. 90d")
        String since;

        @Override
        public Integer call() throws Exception {
            Context ctx = new Context(parent.main);
            Instant from = null;
            if (since != null) {
                Duration d = Durations.parse(since);
                if (d == null) throw new UserException("--since must be a duration such as 90d, not '" + since + "'");
                from = Instant.now().minus(d);
            }
            List<SystemRun> runs;
            List<SystemRun> all;
            List<DrillSummary> drills;
            try (DrillStore store = store(ctx)) {
                runs = store.history(system, from);
                all = store.history(null, null);
                drills = store.list(20);
            }
            // Forecasts as they stood before each drill: from every earlier drill, whatever --system and --since show.
            java.util.Map<SystemRun, Duration> forecasts = new java.util.HashMap<>();
            for (java.util.Map.Entry<SystemRun, Duration> e : org.lifeboat.drill.Forecast.backtest(all).entrySet()) {
                forecasts.put(e.getKey(), e.getValue());
            }
            List<History.SystemTrend> trends = History.of(runs);
            if (ctx.json()) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                ArrayNode sys = o.putArray("systems");
                for (History.SystemTrend t : trends) {
                    ObjectNode so = sys.addObject().put("name", t.name()).put("drills", t.runs().size())
                            .put("passed", t.passed()).put("failed", t.failed()).put("rto_trend", t.rtoTrend().label())
                            .put("rpo_trend", t.rpoTrend().label());
                    ArrayNode rs = so.putArray("runs");
                    for (SystemRun r : t.runs()) {
                        ObjectNode ro = rs.addObject().put("drill", r.drillId()).put("started", r.started().toString())
                                .put("result", r.result().json());
                        Duration fc = forecasts.get(r);
                        if (fc != null) {
                            ro.put("forecast_seconds", fc.toMillis() / 1000.0)
                                    .put("forecast_error_seconds", fc.minus(r.rtoMeasured()).toMillis() / 1000.0);
                        }
                        if (r.rtoMeasured() != null) ro.put("rto_measured_seconds", r.rtoMeasured().toMillis() / 1000.0);
                        if (r.rtoTarget() != null) ro.put("rto_target_seconds", r.rtoTarget().toSeconds());
                        if (r.rpoAchieved() != null) ro.put("rpo_achieved_seconds", r.rpoAchieved().toMillis() / 1000.0);
                        if (r.rpoTarget() != null) ro.put("rpo_target_seconds", r.rpoTarget().toSeconds());
                    }
                }
                ctx.printJson(o);
                return ExitCodes.OK;
            }
            if (trends.isEmpty()) {
                ctx.out.println("no drills recorded yet; run 'lifeboat drill'");
                return ExitCodes.OK;
            }
            Table t = new Table("SYSTEM", "DRILLS", "PASSED", "LAST RTO", "BEST", "WORST", "RTO TREND", "LAST RPO", "RPO TREND");
            for (History.SystemTrend s : trends) {
                t.row(s.name(), s.runs().size(), s.passed() + "/" + s.runs().size(), seconds(s.latestRto()),
                        seconds(s.bestRto()), seconds(s.worstRto()), s.rtoTrend().label(),
                        seconds(s.latestRpo()), s.rpoTrend().label());
            }
            t.print(ctx.out);
            ctx.out.println();
            Table runsT = new Table("DRILL", "STARTED", "SYSTEM", "RESULT", "RTO MEASURED", "FORECAST BEFORE", "FORECAST ERROR",
                    "RTO TARGET", "RPO ACHIEVED", "RPO TARGET");
            for (SystemRun r : runs) {
                Duration fc = forecasts.get(r);
                runsT.row(r.drillId(), Plans.time(r.started()), r.name(), r.result().json(), seconds(r.rtoMeasured()),
                        fc == null ? "-" : seconds(fc), fc == null ? "-" : error(fc, r.rtoMeasured()),
                        Durations.format(r.rtoTarget()), seconds(r.rpoAchieved()), Durations.format(r.rpoTarget()));
            }
            runsT.print(ctx.out);
            return ExitCodes.OK;
        }

        /** A measured time for people, as every drill output writes it ({@link DrillDurations#format}). */
        static String seconds(Duration d) {
            return DrillDurations.format(d);
        }

        /** Forecast minus measured, signed, and relative to the measured time: "+14.6s (+608%)". */
        static String error(Duration forecast, Duration measured) {
            Duration diff = forecast.minus(measured);
            String sign = diff.isNegative() ? "-" : "+";
            String rel = measured.isZero() ? "" : String.format(java.util.Locale.ROOT, " (%s%.0f%%)", sign,
                    Math.abs(diff.toMillis()) * 100.0 / measured.toMillis());
            return sign + seconds(diff.abs()) + rel;
        }
    }
}
