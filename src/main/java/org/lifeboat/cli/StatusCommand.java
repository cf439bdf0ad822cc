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
        footer = {"", "Exit code: 0 when every RPO is met, 3 when one is breached, 1 when the",
                "state cannot be reached (the systems are still read from the repositories",
                "and shown). status writes nothing: with no state yet (no service has run)",
                "it shows the repositories and says there is no job history.",
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
        String db = Plans.stateDb(plan, stateDb);
        String host = StatusReader.localHost();
        java.nio.file.Path stateDir = StateDir.of(plan);
        // status never writes: with no state yet (no service or drill has written one), it reads the
        // repositories alone and says so; it never creates the state folder or an empty database.
        java.nio.file.Path sqlite = db == null || db.isBlank() ? stateDir.toAbsolutePath().normalize().resolve(StateStore.FILE_NAME) : null;
        boolean noState = sqlite != null && java.nio.file.Files.notExists(sqlite);
        String where = sqlite != null ? sqlite.toString() : StateStore.redact(db.strip());
        String unreachable = null; // why the state could not be read, if it could not
        List<SystemStatus> statuses;
        List<Incident> alerts = List.of();
        List<JobRun> jobs = List.of();
        List<SystemRun> history = List.of();
        StateStore store = null;
        try {
            if (!noState) {
                try {
                    store = StateStore.openReadOnly(db, stateDir);
                    if (store == null) {
                        noState = true; // a PostgreSQL database no service has prepared yet
                    } else {
                        where = store.where();
                        history = new DrillStore(store).history(null, null);
                    }
                } catch (org.lifeboat.state.StateStoreException e) {
                    unreachable = e.getMessage();
                }
            }
            // the repositories are read whether or not the state could be: they hold the snapshots
            try (Repositories repos = ctx.serviceOpener(plan.file()).open(plan, false, Cancel.NEVER).forStatus().withoutLocks()) {
                statuses = StatusReader.read(plan, repos, history, host, Instant.now());
            }
            if (store != null && unreachable == null) {
                try {
                    alerts = new Incidents(store).open(null);
                    jobs = jobsShown == 0 ? List.of() : new JobLog(store).recent(null, null, jobsShown);
                } catch (org.lifeboat.state.StateStoreException e) {
                    unreachable = e.getMessage();
                }
            }
        } finally {
            if (store != null) store.close();
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
            ObjectNode st = o.putObject("state").put("location", where)
                    .put("status", unreachable != null ? "unreachable" : noState ? "none" : "ok");
            if (unreachable != null) st.put("error", unreachable);
            ctx.printJson(o);
            return end(ctx, unreachable, breached);
        }
        Table t = new Table("SYSTEM", "HOST", "RPO", "NEWEST SNAPSHOT", "OFF-SITE", "LAST DRILL", "RTO", "FORECAST");
        Instant now = Instant.now();
        for (SystemStatus s : statuses) {
            String rpo = s.repository() == null ? "no backup" : s.rpoStatus().json().toUpperCase(java.util.Locale.ROOT)
                    + " (" + Durations.toPlanText(s.rpo()) + ")";
            // a snapshot dated in the future has no age (its problem line says why)
            String snap = s.lastSnapshot() == null ? "none" : s.snapshotAge() == null ? "in the future" : Durations.format(s.snapshotAge()) + " ago";
            String off = s.lastOffsite() == null ? "-" : Durations.format(java.time.Duration.between(s.lastOffsite(), now)) + " ago";
            String drill = s.lastDrill() == null ? "never" : Plans.time(s.lastDrill()) + (Boolean.TRUE.equals(s.lastDrillPassed()) ? " passed" : " FAILED");
            String rto = (s.rtoMeasured() == null ? "-" : Durations.format(s.rtoMeasured())) + " / " + Durations.toPlanText(s.rto());
            String fc = s.forecast() == null ? "-" : Durations.format(s.forecast()) + (s.forecastExceedsRto() ? " OVER RTO" : "");
            t.row(s.name(), s.host(), rpo, snap, off, drill, rto, fc);
        }
        t.print(ctx.out);
        for (SystemStatus s : statuses) if (s.problem() != null) ctx.out.println(s.name() + ": " + s.problem());
        ctx.out.println();
        if (noState) {
            ctx.out.println("no job history yet: there is no state at " + where + " (lifeboat serve creates it, records its jobs"
                    + " there and raises the alerts; drills record there too)");
        } else if (unreachable == null) {
            if (alerts.isEmpty()) {
                ctx.out.println(breached ? "no open alerts in the state (lifeboat serve raises them: is it running?)" : "no open alerts");
            }
            for (Incident i : alerts) ctx.out.println("ALERT " + i.kind() + " since " + Plans.time(i.since()) + ": " + i.message());
            if (!jobs.isEmpty()) {
                ctx.out.println();
                Table j = new Table("JOB", "STARTED", "RESULT", "MESSAGE");
                for (JobRun r : jobs) j.row(r.system() + " " + r.kind(), Plans.time(r.started()), r.result(), r.message() == null ? "" : r.message());
                j.print(ctx.out);
            } else if (jobsShown > 0) {
                ctx.out.println("no job history yet in " + where);
            }
        }
        ctx.out.flush();
        return end(ctx, unreachable, breached);
    }

    /**
     * The exit code once everything readable was printed: 1 (with one line saying so) when the
     * state could not be reached, so a cron job's {@code lifeboat status || page} tells that apart
     * from a breach (3); else 3 when an RPO is breached, 0 when every RPO is met.
     */
    private static int end(Context ctx, String unreachable, boolean breached) {
        if (unreachable != null) {
            ctx.out.flush();
            ctx.err.println("Fatal: the state cannot be reached, so alerts and jobs are not shown (the systems above are read"
                    + " from the repositories): " + unreachable);
            ctx.err.flush();
            return ExitCodes.FATAL;
        }
        return breached ? ExitCodes.PARTIAL : ExitCodes.OK;
    }
}
