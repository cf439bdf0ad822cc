package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
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
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.status.RestoreEstimate;
import org.lifeboat.repository.Json;
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
            for (SystemSpec s : plan.systems().values()) inputs.put(s.name(), RestoreEstimate.input(plan, s, repos, ctx::warn));
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
}
