package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.plan.Check;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Graph;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.RecoveryResult;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StartedServices;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "recover", description = {"Recover systems as the plan says: wave by wave, each system's restore steps, then its checks.",
        "Systems you name bring everything they depend on. A failed system blocks its dependents."},
        footer = {"", "Examples:", "  lifeboat recover --dry-run", "  lifeboat recover --site dr-site --systems shop-db --yes", "  lifeboat recover --at \"2026-11-20 14:05\" --systems web",
                "  lifeboat recover --clean --yes   # from before a ransomware attack",
                "  lifeboat recover --from offsite --yes   # the primary repository is gone"})
final class RecoverCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--site", paramLabel = "NAME", description = "where to recover (default: the plan's default-site)")
    String site;

    @Option(names = {"--systems", "--system"}, split = ",", paramLabel = "NAME[,NAME]", description = "recover only these (and what they depend on)")
    List<String> systems = new ArrayList<>();

    @Option(names = "--at", paramLabel = "TIME", description = "use the latest snapshots at or before TIME (2026-11-20T14:05:00Z, or local 2026-11-20 14:05)")
    String at;

    @Option(names = "--clean", description = "per system, the newest snapshot before its latest run of snapshots"
            + " tagged suspicious (a ransomware-like backup): the last clean point; --at wins when given")
    boolean clean;

    @Option(names = "--from", paramLabel = "REPOSITORY", description = "restore from this repository of the plan (e.g. the off-site copy"
            + " when the primary is gone): the copy of the snapshot the system's own repository would give, else the newest there")
    String from;

    @Option(names = {"-n", "--dry-run"}, description = "print what would be done, in order; change nothing")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
    boolean yes;

    @Option(names = "--stop-started", description = "stop the services (background commands, database servers) earlier recoveries started on the site, and nothing else")
    boolean stopStarted;

    @Option(names = "--parallel", defaultValue = "4", paramLabel = "N", description = "systems recovered at once within a wave, 1 or more (default 4)")
    int parallel;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (parallel < 1) throw new UserException("--parallel " + parallel + " is not valid: at least one system is recovered at a time");
        if (stopStarted) return stopStarted(ctx);
        Instant atTime = Plans.parseTime(at);
        if (clean && atTime != null) ctx.warn("--at is given, so --clean is not used: the snapshots at or before " + Plans.time(atTime) + " are");
        Plan plan = Plans.load(ctx, site, dryRun ? PlanLoader.Generators.placeholders()
                : PlanLoader.Generators.real(Path.of(System.getProperty("java.io.tmpdir"), "lifeboat-site-" + (site == null ? "default" : site))));
        List<String> selected = Recovery.selection(plan, systems);
        if (from != null && !plan.repositories().containsKey(from)) {
            throw new UserException("--from '" + from + "' is not a repository of " + plan.file() + " (repositories: "
                    + String.join(", ", plan.repositories().keySet()) + ")");
        }
        if (dryRun) return dryRun(ctx, plan, selected, atTime);
        if (!yes) confirm(ctx, plan, selected);
        Path logDir = StateDir.of(plan).resolve("logs");
        try (Repositories repos = ctx.repositories(plan, false).forReading()) {
            Recovery r = new Recovery(plan, repos, new Recovery.Options(systems, atTime, parallel, logDir).from(from).clean(clean),
                    RecoveryOutput.live(ctx), ctx.cancel());
            RecoveryResult res = r.run();
            List<StartedServices.Entry> running = List.of();
            String recordError = null;
            try {
                running = StartedServices.record(plan, res);
            } catch (java.io.IOException e) {
                recordError = "the services this recovery started could not be recorded in " + StartedServices.file(plan)
                        + ": " + e.getMessage();
            }
            if (ctx.json()) {
                ObjectNode o = RecoveryOutput.json(res);
                ArrayNode a = o.putArray("started_services");
                for (StartedServices.Entry e : running) {
                    a.addObject().put("system", e.system()).put("step", e.step()).put("kind", e.kind()).put("pid", e.pid())
                            .put("log", e.log());
                }
                ctx.printJson(o);
            } else {
                RecoveryOutput.table(ctx, res);
                if (!running.isEmpty()) {
                    ctx.out.println("\nRunning on site " + (res.site() == null ? "(the plan has no sites)" : res.site()) + " (stop them with: "
                            + org.lifeboat.recovery.Recovery.stopStartedCommand(plan) + "):");
                    for (StartedServices.Entry e : running) ctx.out.println("  " + e.describe());
                }
            }
            if (recordError != null) ctx.warn(recordError);
            return res.recovered() ? ExitCodes.OK : ExitCodes.FATAL;
        }
    }

    /** {@code --stop-started}: the recorded services of the site, stopped; exit 1 when one could not be. */
    private int stopStarted(Context ctx) throws Exception {
        if (dryRun || at != null || !systems.isEmpty() || from != null) {
            throw new UserException("--stop-started stops what earlier recoveries started; it takes only --site");
        }
        Plan plan = Plans.load(ctx, site, PlanLoader.Generators.placeholders());
        List<String> lines;
        try {
            lines = StartedServices.stop(plan, plan.site());
        } catch (java.io.IOException e) {
            throw new UserException("cannot stop the started services of site " + Plans.siteName(plan) + ": " + e.getMessage());
        }
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode().put("site", plan.site());
            ArrayNode a = o.putArray("services");
            for (String l : lines) a.add(l);
            ctx.printJson(o);
        } else if (lines.isEmpty()) {
            ctx.out.println("no services recorded as started on site " + Plans.siteName(plan));
        } else {
            for (String l : lines) ctx.out.println(l);
        }
        return lines.stream().anyMatch(l -> l.startsWith("could not")) ? ExitCodes.FATAL : ExitCodes.OK;
    }

    private static void confirm(Context ctx, Plan plan, List<String> selected) {
        java.io.Console c = System.console();
        String what = "recover " + String.join(", ", selected) + " into site " + Plans.siteName(plan);
        if (c == null || !c.isTerminal()) {
            throw new UserException("recover changes systems (" + what + "); pass --yes to go ahead, or --dry-run to see what it would do");
        }
        String answer = c.readLine("This will %s, overwriting what is there. Go ahead? [y/N] ", what);
        if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
            throw new UserException("recovery cancelled; nothing was changed");
        }
    }

    private int dryRun(Context ctx, Plan plan, List<String> selected, Instant atTime) throws Exception {
        List<List<String>> waves = Graph.waves(plan.systems(), selected);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("site", plan.site()).put("dry_run", true);
        ArrayNode sys = o.putArray("systems");
        if (!ctx.json()) {
            ctx.out.println("dry run: recovery of " + String.join(", ", selected) + " into site " + Plans.siteName(plan)
                    + (atTime == null ? "" : " with data from at or before " + Plans.time(atTime)) + "; nothing is changed");
        }
        int problems = 0;
        try (Repositories repos = ctx.repositories(plan, false).forStatus()) {
            for (int w = 0; w < waves.size(); w++) {
                if (!ctx.json()) ctx.out.println("\nwave " + (w + 1) + (waves.get(w).size() > 1 ? " (in parallel)" : "") + ":");
                for (String name : waves.get(w)) {
                    SystemSpec s = plan.system(name);
                    String snapText;
                    ObjectNode so = sys.addObject().put("name", name).put("wave", w + 1);
                    try {
                        Recovery.Choice choice = Recovery.chooseSnapshot(plan, s, repos, atTime, from, clean, ctx::warn);
                        Snapshot snap = choice.snapshot();
                        snapText = snap == null ? (s.backup() == null ? "no backup configured" : "NO SNAPSHOT (the recovery would fail)"
                                + (choice.note() == null ? "" : ": " + choice.note()))
                                : "snapshot " + snap.id().shortHex() + " of " + Plans.time(snap.time().toInstant())
                                + (from == null ? "" : " in repository '" + choice.repository() + "'")
                                + (choice.note() == null ? "" : " (" + choice.note() + ")");
                        if (choice.repository() != null) so.put("repository", choice.repository());
                        if (choice.note() != null) so.put("note", choice.note());
                        if (snap == null && s.backup() != null) {
                            problems++;
                            so.put("error", "no snapshot");
                        }
                        if (snap != null) so.put("snapshot", snap.id().hex()).put("snapshot_time", snap.time().toInstant().toString());
                    } catch (Exception e) {
                        snapText = "repository not readable: " + e.getMessage();
                        so.put("error", e.getMessage());
                        problems++;
                    }
                    ArrayNode st = so.putArray("steps");
                    ArrayNode ch = so.putArray("checks");
                    if (!ctx.json()) {
                        ctx.out.println("  " + name + " (RPO " + Durations.toPlanText(s.rpo()) + ", RTO "
                                + Durations.toPlanText(s.rto()) + "): " + snapText);
                    }
                    int i = 1;
                    for (Step step : s.restore()) {
                        st.add(step.describe());
                        if (!ctx.json()) ctx.out.println("    " + (i++) + ". " + step.describe());
                    }
                    for (Check c : s.verify()) {
                        ch.add(c.kind() + ": " + c.describe());
                        if (!ctx.json()) ctx.out.println("    check " + c.kind() + ": " + c.describe() + " (within "
                                + Durations.toPlanText(c.within()) + ")");
                    }
                }
            }
        }
        o.put("result", problems == 0 ? "ready" : "would fail");
        if (ctx.json()) ctx.printJson(o);
        else if (problems > 0) ctx.out.println("\n" + Plural.of(problems, "system") + " could not be recovered as things stand (see above)");
        // A dry run is a pre-check scripts can rely on: non-zero when the real recovery would fail.
        return problems == 0 ? ExitCodes.OK : ExitCodes.FATAL;
    }
}
