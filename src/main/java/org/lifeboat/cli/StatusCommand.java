package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.backend.Cancel;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.repository.Json;
import org.lifeboat.state.Incident;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStore;
import org.lifeboat.status.StatusReader;
import org.lifeboat.status.SystemStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = {"Every system's state now, as the dashboard shows it: newest snapshot and its age against the RPO,",
        "newest off-site copy, last drill and its measured RTO, today's forecast; then the open alerts and the latest jobs."},
        footer = {"", "Exit code: 0 when every RPO is met, 3 when one is breached.",
                "", "Examples:", "  lifeboat status", "  lifeboat status --json"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--state-db", paramLabel = "URL", description = "the PostgreSQL state shared with the services (default: LIFEBOAT_STATE_DB, else the plan's state-db, else the SQLite file)")
    String stateDb;

    @Option(names = "--jobs", defaultValue = "10", paramLabel = "N", description = "how many of the latest jobs to show (default 10)")
    int jobsShown;

    private void checkJobs() {
        if (jobsShown < 0) throw new UserException("--jobs " + jobsShown + " is negative; give how many jobs to show (0 for none)");
    }

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        checkJobs();
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        // as serve: the flag, then LIFEBOAT_STATE_DB, then the plan's state-db
        String env = System.getenv("LIFEBOAT_STATE_DB");
        String db = stateDb != null ? stateDb : env != null && !env.isBlank() ? env : plan.service().stateDb();
        String host = StatusReader.localHost();
        List<SystemStatus> statuses;
        List<Incident> alerts;
        List<JobRun> jobs;
        try (StateStore store = StateStore.open(db, StateDir.of(plan))) {
            List<SystemRun> history = new DrillStore(store).history(null, null);
            try (Repositories repos = ctx.serviceOpener(plan.file()).open(plan, false, Cancel.NEVER).forStatus().withoutLocks()) {
                statuses = StatusReader.read(plan, repos, history, host, Instant.now());
            }
            alerts = new Incidents(store).open(null);
            jobs = jobsShown == 0 ? List.of() : new JobLog(store).recent(null, null, jobsShown);
        } catch (org.lifeboat.state.StateStoreException e) {
            throw new UserException(e.getMessage());
        }
        boolean breached = statuses.stream().anyMatch(s -> s.repository() != null && s.rpoBreached());
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode a = o.putArray("systems");
            statuses.forEach(s -> a.add(s.toJson()));
            ArrayNode al = o.putArray("alerts");
            for (Incident i : alerts) {
                al.addObject().put("host", i.host()).put("system", i.system()).put("kind", i.kind())
                        .put("since", i.since().toString()).put("message", i.message());
            }
            ArrayNode jb = o.putArray("jobs");
            for (JobRun r : jobs) jb.add(r.toJson());
            ctx.printJson(o);
            return breached ? ExitCodes.PARTIAL : ExitCodes.OK;
        }
        Table t = new Table("SYSTEM", "HOST", "RPO", "NEWEST SNAPSHOT", "OFF-SITE", "LAST DRILL", "RTO", "FORECAST");
        Instant now = Instant.now();
        for (SystemStatus s : statuses) {
            String rpo = s.repository() == null ? "no backup" : s.rpoStatus().json().toUpperCase(java.util.Locale.ROOT)
                    + " (" + Durations.toPlanText(s.rpo()) + ")";
            String snap = s.lastSnapshot() == null ? "none" : Durations.format(s.snapshotAge()) + " ago";
            String off = s.lastOffsite() == null ? "-" : Durations.format(java.time.Duration.between(s.lastOffsite(), now)) + " ago";
            String drill = s.lastDrill() == null ? "never" : Plans.time(s.lastDrill()) + (Boolean.TRUE.equals(s.lastDrillPassed()) ? " passed" : " FAILED");
            String rto = (s.rtoMeasured() == null ? "-" : Durations.format(s.rtoMeasured())) + " / " + Durations.toPlanText(s.rto());
            String fc = s.forecast() == null ? "-" : Durations.format(s.forecast()) + (s.forecastExceedsRto() ? " OVER RTO" : "");
            t.row(s.name(), s.host(), rpo, snap, off, drill, rto, fc);
        }
        t.print(ctx.out);
        for (SystemStatus s : statuses) if (s.problem() != null) ctx.out.println(s.name() + ": " + s.problem());
        ctx.out.println();
        if (alerts.isEmpty()) ctx.out.println("no open alerts");
        for (Incident i : alerts) ctx.out.println("ALERT " + i.kind() + " since " + Plans.time(i.since()) + ": " + i.message());
        if (!jobs.isEmpty()) {
            ctx.out.println();
            Table j = new Table("JOB", "STARTED", "RESULT", "MESSAGE");
            for (JobRun r : jobs) j.row(r.system() + " " + r.kind(), Plans.time(r.started()), r.result(), r.message() == null ? "" : r.message());
            j.print(ctx.out);
        }
        return breached ? ExitCodes.PARTIAL : ExitCodes.OK;
    }
}
