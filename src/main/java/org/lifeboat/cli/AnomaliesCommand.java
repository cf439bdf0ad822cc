package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.anomaly.Verdict;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Anomalies;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemSnapshots;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.state.AnomalyLog;
import org.lifeboat.state.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "anomalies", description = {"Ransomware-like change in each system's backups: every snapshot's score (0-100)",
        "against the system's own baseline, the signals behind it, and whether it is tagged suspicious.",
        "Snapshots never scored (written by restic or before scoring) are scored now, not tagged."},
        footer = {"", "Examples:", "  lifeboat anomalies", "  lifeboat anomalies files --last 50", "  lifeboat anomalies --json"})
final class AnomaliesCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(arity = "0..1", paramLabel = "SYSTEM", description = "one system (default: all with backups)")
    String system;

    @Option(names = "--last", defaultValue = "20", paramLabel = "N", description = "the newest N snapshots per system (default 20)")
    int last;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (last < 1) throw new UserException("--last " + last + " is not valid: at least one snapshot is shown");
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        List<SystemSpec> chosen = new ArrayList<>();
        if (system != null) {
            SystemSpec s = plan.systems().get(system);
            if (s == null) {
                throw new UserException("there is no system '" + system + "' in " + plan.file() + " (systems: "
                        + String.join(", ", plan.systems().keySet()) + ")");
            }
            if (s.backup() == null) throw new UserException("system '" + system + "' has no backup in " + plan.file());
            chosen.add(s);
        } else {
            for (SystemSpec s : plan.systems().values()) if (s.backup() != null) chosen.add(s);
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        Table t = new Table("System", "Snapshot", "Time", "Score", "Tag", "Strongest signal");
        int failures = 0;
        int code = ExitCodes.OK;
        int shown = 0;
        StateStore state = Plans.openState(ctx, plan, "scores are computed from the repository and not kept");
        try (Repositories repos = ctx.repositories(plan, false).forReading()) {
            AnomalyLog log = state == null ? null : new AnomalyLog(state);
            for (SystemSpec s : chosen) {
                List<Anomalies.Row> rows;
                try {
                    List<Snapshot> mine = SystemSnapshots.of(s, repos.snapshots(s.backup().repository(), ctx::warn));
                    rows = Anomalies.rows(s, repos.get(s.backup().repository()), mine, log, last, ctx::warn);
                } catch (Exception e) {
                    failures++;
                    code = Math.max(code, exitCode(e));
                    ctx.err.println("error: system '" + s.name() + "': " + e.getMessage());
                    continue;
                }
                List<Anomalies.Row> newest = rows.subList(Math.max(0, rows.size() - last), rows.size());
                if (newest.stream().anyMatch(r -> r.verdict() != null && !r.verdict().signals().compressionKnown())) {
                    ctx.warn("repository '" + s.backup().repository() + "' stores data uncompressed (repository format 1, or"
                            + " compression off), so files that lost their compressibility (encrypted ones) cannot be seen in"
                            + " system '" + s.name() + "'; lifeboat migrate upgrade_repo_v2 lets new backups be judged");
                }
                for (Anomalies.Row r : newest.reversed()) {
                    Verdict v = r.verdict();
                    if (v == null) continue;
                    if (ctx.json()) {
                        out.add(v.toJson(r.snapshot().id().hex(), r.tagged()));
                        continue;
                    }
                    var sc = v.score();
                    String flag = r.tagged() ? "SUSPICIOUS"
                            : v.late() && sc.threshold() > 0 && sc.score() >= sc.threshold() ? "over threshold (scored late)" : "";
                    shown++;
                    t.row(s.name(), r.snapshot().id().shortHex(), Plans.time(r.snapshot().time().toInstant()),
                            sc.score() + "/" + (sc.threshold() == 0 ? "off" : sc.threshold()), flag,
                            sc.reasons().isEmpty() ? "" : cut(sc.reasons().getFirst()));
                }
            }
        } finally {
            if (state != null) state.close();
        }
        if (ctx.json()) {
            // an empty array would read as "no anomalies" when no system could be read
            if (!out.isEmpty() || failures == 0) ctx.printJson(out);
        } else if (shown > 0 || failures == 0) {
            t.print(ctx.out);
        }
        return failures > 0 ? Math.max(code, ExitCodes.FATAL) : ExitCodes.OK;
    }

    /** restic's exit code for why a system's repository could not be read (12, 10, 11, else 1). */
    private static int exitCode(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.lifeboat.repository.WrongPasswordException) return ExitCodes.WRONG_PASSWORD;
            if (t instanceof org.lifeboat.repository.RepositoryNotFoundException) return ExitCodes.NO_REPOSITORY;
            if (t instanceof org.lifeboat.repository.LockException) return ExitCodes.LOCKED;
        }
        return ExitCodes.FATAL;
    }

    /** A reason cut to fit a terminal line beside the other columns (the JSON has it whole). */
    private static String cut(String reason) {
        return reason.length() <= 72 ? reason : reason.substring(0, 71) + "…";
    }
}
