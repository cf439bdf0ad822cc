package org.lifeboat.assess;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.drill.DrillReport;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.DrillSystem;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.recovery.SystemSnapshots;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incident;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.Runbooks;
import org.lifeboat.state.StateStore;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.StatusReader;
import org.lifeboat.status.SystemStatus;

/**
 * Reads the {@link Evidence} of an assessment: the repositories (listed only: snapshots and their
 * times, never written) and the state store (read only). A repository or a state that cannot be
 * read is evidence too, said in the findings; nothing here throws for it.
 */
public final class EvidenceReader {
    private EvidenceReader() {}

    /** How many of a system's newest backup runs are read: 30 days of backups every 10 minutes. */
    static final int BACKUP_RUNS = 5000;
    /** How many of a system's newest check and prune runs are read. */
    static final int OTHER_RUNS = 200;
    /** How many of the newest alert incidents are read. */
    static final int INCIDENTS = 2000;

    /**
     * Reads the evidence for {@code plan}.
     *
     * @param repos       the plan's repositories, opened for listing (status retries, no locks); only
     *                    snapshots are listed and trees read for the forecast
     * @param store       the state, opened (read-only is enough), or null when there is none or it could not be opened
     * @param where       the state's location, for messages
     * @param stateError  why the state could not be opened, or null
     * @param serviceHere true when the running service itself asks (the dashboard)
     * @param host        this machine's name
     * @param now         the time of the assessment
     * @return the evidence; never throws for a repository or a state that cannot be read
     */
    public static Evidence read(Plan plan, Repositories repos, StateStore store, String where, String stateError,
                                boolean serviceHere, String host, Instant now) {
        Evidence.State state;
        if (store == null) {
            state = Evidence.State.missing(where, stateError == null ? Evidence.Availability.NONE : Evidence.Availability.UNREACHABLE,
                    stateError);
        } else {
            try {
                state = state(plan, store, where);
            } catch (StateStoreException e) {
                state = Evidence.State.missing(where, Evidence.Availability.UNREACHABLE, e.getMessage());
            }
        }
        List<SystemStatus> statuses = StatusReader.read(plan, repos, state.drills(), host, now);
        Map<String, SystemCopies.Report> copies = new LinkedHashMap<>();
        Map<String, Evidence.Snapshots> snapshots = new LinkedHashMap<>();
        for (SystemSpec s : plan.systems().values()) {
            if (s.backup() == null) continue;
            copies.put(s.name(), SystemCopies.report(plan, s, repos, now));
            try {
                List<Instant> times = new ArrayList<>();
                for (Snapshot snap : SystemSnapshots.of(s, repos.snapshots(s.backup().repository(), w -> {}))) {
                    times.add(snap.time().toInstant());
                }
                times.sort(null);
                snapshots.put(s.name(), new Evidence.Snapshots(List.copyOf(times), null));
            } catch (Exception e) { // any failure to list is evidence, said in the RPO finding
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                snapshots.put(s.name(), new Evidence.Snapshots(null, "repository '" + s.backup().repository()
                        + "' could not be read: " + m));
            }
        }
        return new Evidence(plan, now, serviceHere, host, statuses, copies, snapshots, state);
    }

    private static Evidence.State state(Plan plan, StateStore store, String where) throws StateStoreException {
        DrillStore drillStore = new DrillStore(store);
        List<SystemRun> drills = drillStore.history(null, null);
        Map<String, SystemRun> newest = new HashMap<>();
        for (SystemRun r : drills) {
            SystemRun n = newest.get(r.name());
            if (n == null || !r.started().isBefore(n.started())) newest.put(r.name(), r);
        }
        Map<String, List<String>> reasons = new HashMap<>();
        for (SystemRun r : newest.values()) {
            if (r.result() == DrillSystem.Outcome.PASSED || !plan.systems().containsKey(r.name())) continue;
            try {
                DrillReport report = drillStore.load(r.drillId());
                DrillSystem ds = report.system(r.name());
                if (ds != null) reasons.put(r.name(), List.copyOf(ds.reasons()));
            } catch (StateStoreException e) {
                reasons.put(r.name(), List.of("its report cannot be read: " + e.getMessage()));
            }
        }
        JobLog log = new JobLog(store);
        List<JobRun> jobs = new ArrayList<>();
        for (String system : plan.systems().keySet()) {
            jobs.addAll(log.recent(system, "backup", BACKUP_RUNS));
            jobs.addAll(log.recent(system, "check", OTHER_RUNS));
            jobs.addAll(log.recent(system, "prune", OTHER_RUNS));
        }
        jobs.sort((a, b) -> b.started().compareTo(a.started()));
        List<Incident> incidents = new Incidents(store).recent(INCIDENTS);
        List<Runbooks.Generated> runbooks = new Runbooks(store).recent(50);
        List<FleetStatus.Row> fleet = new FleetStatus(store).all();
        return new Evidence.State(where, Evidence.Availability.OK, null, drills, reasons, jobs, incidents, runbooks, fleet);
    }
}
