package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lifeboat.drill.DrillDurations;
import org.lifeboat.drill.Forecast;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.SnapshotLayout;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "forecast", description = {"Expected recovery time of each system today, from the restore speed measured in past drills",
        "and the bytes its restore steps would restore from its latest snapshot; flags forecasts over the RTO and drills that are missing or overdue."},
        footer = {"", "Examples:", "  lifeboat forecast", "  lifeboat forecast --json"})
final class ForecastCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        Map<String, Forecast.ForecastInput> inputs = new LinkedHashMap<>();
        try (Repositories repos = ctx.repositories(plan, false)) {
            for (SystemSpec s : plan.systems().values()) {
                long bytes = -1;
                boolean whole = false;
                try {
                    Snapshot snap = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
                    if (snap != null) {
                        Repository repo = repos.get(s.backup().repository());
                        bytes = stepBytes(repo, snap, s.restore());
                        if (bytes < 0) {
                            // A step names what the snapshot does not hold: the drill would say why; here the whole snapshot stands in.
                            whole = true;
                            bytes = snap.summary() != null ? snap.summary().totalBytesProcessed() : org.lifeboat.restore.TreeTotals.restoreSize(repo, snap);
                        }
                    } else if (s.backup() == null) {
                        bytes = 0;
                    }
                } catch (Exception e) {
                    ctx.warn(s.name() + ": cannot read its latest snapshot: " + e.getMessage());
                }
                inputs.put(s.name(), new Forecast.ForecastInput(s.name(), s.rto(), s.drillEvery(), bytes, whole));
            }
        }
        List<SystemRun> history;
        try (DrillStore store = DrillStore.open(StateDir.of(plan))) {
            history = store.history(null, null);
        }
        List<Forecast.ForecastRow> rows = Forecast.compute(inputs, history, Instant.now());
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode a = o.putArray("systems");
            for (Forecast.ForecastRow r : rows) {
                ObjectNode so = a.addObject().put("name", r.name()).put("rto_target_seconds", r.rto().toSeconds())
                        .put("exceeds_rto", r.exceedsRto()).put("never_drilled", r.neverDrilled())
                        .put("drill_overdue", r.drillOverdue()).put("basis", r.basis());
                Forecast.ForecastInput in = inputs.get(r.name());
                if (in.restoreBytes() >= 0) {
                    so.put("restore_bytes", in.restoreBytes()).put("restore_bytes_from", in.wholeSnapshot() ? "snapshot" : "steps");
                }
                if (r.forecast() != null) so.put("forecast_seconds", r.forecast().toMillis() / 1000.0);
                if (r.lastDrill() != null) so.put("last_drill", r.lastDrill().toString());
                ArrayNode f = so.putArray("flags");
                r.flags().forEach(f::add);
            }
            ctx.printJson(o);
            return ExitCodes.OK;
        }
        Table t = new Table("SYSTEM", "TO RESTORE", "FORECAST", "RTO", "LAST DRILL", "BASIS", "FLAGS");
        for (Forecast.ForecastRow r : rows) {
            Forecast.ForecastInput in = inputs.get(r.name());
            long bytes = in.restoreBytes();
            t.row(r.name(), bytes < 0 ? "unknown" : ProgressLine.bytes(bytes) + (in.wholeSnapshot() ? " (whole snapshot)" : ""), DrillDurations.format(r.forecast()),
                    Durations.toPlanText(r.rto()), r.lastDrill() == null ? "never" : Plans.time(r.lastDrill()), r.basis(),
                    r.flags().isEmpty() ? "ok" : String.join("\n", r.flags()));
        }
        t.print(ctx.out);
        return ExitCodes.OK;
    }

    /**
     * The bytes the restore steps would restore from {@code snap}: a path step its folder's files
     * (each tree summed once, hard links once; include/exclude not applied, so an upper bound), a
     * PostgreSQL step its dumps (the named databases, else all, plus globals.sql when it loads
     * them), a MySQL/MariaDB step its dump files, a command step nothing. -1 when a step names what
     * the snapshot does not hold (a missing folder, no dumps).
     *
     * @throws IOException when the repository cannot be read (a damaged tree on the way)
     */
    static long stepBytes(Repository repo, Snapshot snap, List<Step> steps) throws IOException {
        Map<Id, org.lifeboat.restore.TreeTotals.Totals> memo = new HashMap<>();
        long sum = 0;
        for (Step step : steps) {
            long b = switch (step) {
                case Step.PathStep p -> {
                    Id tree;
                    try {
                        tree = TreeWalker.subtree(repo, snap.tree(), p.from());
                    } catch (RepositoryException e) {
                        yield -1;
                    }
                    yield org.lifeboat.restore.TreeTotals.totals(repo, tree, memo, null, (shown, id, problems) -> { }).restoreSize();
                }
                case Step.DatabaseStep d when d.engine().equals("postgres") ->
                        dumps(repo, snap, SnapshotLayout.ROOT + "/postgres", ".pgdump", d.databases(), d.globals());
                case Step.DatabaseStep d -> dumps(repo, snap, SnapshotLayout.ROOT + "/mysql", ".sql", List.of(), false);
                case Step.CommandStep c -> 0;
            };
            if (b < 0) return -1;
            sum = Math.addExact(sum, b);
        }
        return sum;
    }

    /** Sizes of the dump files under dir/SERVER/ (only the named databases unless none are named); -1 when there are none. */
    private static long dumps(Repository repo, Snapshot snap, String dir, String suffix, List<String> databases, boolean globals)
            throws IOException {
        Node top;
        try {
            top = TreeWalker.find(repo, snap.tree(), dir);
        } catch (RepositoryException e) {
            return -1;
        }
        if (top == null || top.type() != NodeType.DIR || top.subtree() == null) return -1;
        long sum = 0;
        boolean any = false;
        for (Node server : TreeWalker.load(repo, top.subtree())) {
            if (server.type() != NodeType.DIR || server.subtree() == null) continue;
            for (Node f : TreeWalker.load(repo, server.subtree())) {
                if (f.type() != NodeType.FILE) continue;
                boolean dump;
                if (f.name().equals("globals.sql") && suffix.equals(".pgdump")) dump = globals;
                else if (f.name().endsWith(suffix)) {
                    String db = SnapshotLayout.decodeName(f.name().substring(0, f.name().length() - suffix.length()));
                    dump = databases.isEmpty() || databases.contains(db);
                    any = true;
                } else dump = false;
                if (dump) sum = Math.addExact(sum, f.size());
            }
        }
        return any ? sum : -1;
    }
}
