package org.lifeboat.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.lifeboat.repository.Json;

/**
 * One system's state at one moment, as every face shows it (issue 13): {@code lifeboat status},
 * the dashboard, {@code /api/systems} and the metrics. Durations and ages are null when unknown.
 *
 * @param host             the host whose service looks after it (the plan's backup host, else this machine)
 * @param repository       the plan's repository for its backups, or null when it has none
 * @param lastSnapshot     the newest snapshot of it in its own repository (the plan's one rule), or null
 * @param snapshotAge      now minus {@code lastSnapshot}'s time, never negative
 * @param rpoStatus        how that age stands against the RPO
 * @param lastOffsite      the newest snapshot of it in an off-site repository, or null
 * @param lastImmutable    the newest snapshot of it in an immutable (Object Lock) repository, or null
 * @param lastDrill        the start of the newest drill that included it, or null
 * @param lastDrillPassed  whether that drill passed for it (null without one)
 * @param rtoMeasured      the recovery time that drill measured, or null
 * @param forecast         today's forecast recovery time ({@code lifeboat forecast}), or null
 * @param forecastExceedsRto whether {@code forecast} is over the RTO
 * @param drillOverdue     whether the newest drill is older than drill-every (or there is none)
 * @param problem          why something above is unknown (a repository that cannot be read), or null
 * @param schedule         its job kinds and when they run, as the plan writes them
 * @param suspicion        its latest run of snapshots tagged suspicious (ransomware-like change), or null
 */
public record SystemStatus(String name, String host, Duration rpo, Duration rto, String repository,
                           Instant lastSnapshot, String lastSnapshotId, Duration snapshotAge, RpoStatus rpoStatus,
                           Instant lastOffsite, Instant lastImmutable, Instant lastDrill, Boolean lastDrillPassed,
                           Duration rtoMeasured, Duration forecast, boolean forecastExceedsRto, boolean drillOverdue,
                           String problem, Map<String, String> schedule, Suspicion suspicion) {

    /** A status without suspicious snapshots. */
    public SystemStatus(String name, String host, Duration rpo, Duration rto, String repository,
                        Instant lastSnapshot, String lastSnapshotId, Duration snapshotAge, RpoStatus rpoStatus,
                        Instant lastOffsite, Instant lastImmutable, Instant lastDrill, Boolean lastDrillPassed,
                        Duration rtoMeasured, Duration forecast, boolean forecastExceedsRto, boolean drillOverdue,
                        String problem, Map<String, String> schedule) {
        this(name, host, rpo, rto, repository, lastSnapshot, lastSnapshotId, snapshotAge, rpoStatus, lastOffsite, lastImmutable,
                lastDrill, lastDrillPassed, rtoMeasured, forecast, forecastExceedsRto, drillOverdue, problem, schedule, null);
    }

    /**
     * The latest run of a system's snapshots tagged {@code suspicious}.
     *
     * @param firstSnapshot the run's first snapshot (hex ID)
     * @param since its time
     * @param snapshots how many snapshots the run has
     * @param cleanPoint the newest snapshot before the run (hex ID), or null when there is none
     */
    public record Suspicion(String firstSnapshot, Instant since, int snapshots, String cleanPoint) {}

    /** A snapshot age against the RPO: green, amber, red on the dashboard. */
    public enum RpoStatus {
        /** Younger than {@link #WARNING_SHARE} of the RPO. */
        OK,
        /** Older than that share but within the RPO: a backup was missed or is late. */
        WARNING,
        /** Older than the RPO, or no snapshot at all: this much data would be lost now. */
        BREACHED;

        /** The share of the RPO past which an age is a warning: a backup every RPO/2 keeps ages below it. */
        public static final double WARNING_SHARE = 0.75;

        /** The status of {@code age} (null: no snapshot) against {@code rpo}. */
        public static RpoStatus of(Duration age, Duration rpo) {
            if (age == null) return BREACHED;
            if (rpo == null || rpo.isZero()) return OK;
            if (age.compareTo(rpo) > 0) return BREACHED;
            return age.toMillis() > rpo.toMillis() * WARNING_SHARE ? WARNING : OK;
        }

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether the RPO is breached now. */
    public boolean rpoBreached() {
        return rpoStatus == RpoStatus.BREACHED;
    }

    /**
     * The API's shape ({@code GET /api/systems}, issue 13's contract): name, host, rpo_seconds,
     * rto_seconds, last_snapshot, snapshot_age_seconds, rpo_status, last_drill, rto_measured_seconds,
     * forecast_seconds, and beside them last_snapshot_id, repository, last_offsite, last_immutable,
     * last_drill_result, forecast_exceeds_rto, drill_overdue, problem and schedule. Times RFC 3339 UTC,
     * durations in seconds.
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", name).put("host", host);
        seconds(o, "rpo_seconds", rpo);
        seconds(o, "rto_seconds", rto);
        o.put("repository", repository);
        time(o, "last_snapshot", lastSnapshot);
        o.put("last_snapshot_id", lastSnapshotId);
        seconds(o, "snapshot_age_seconds", snapshotAge);
        o.put("rpo_status", rpoStatus.json());
        time(o, "last_offsite", lastOffsite);
        time(o, "last_immutable", lastImmutable);
        time(o, "last_drill", lastDrill);
        if (lastDrillPassed == null) o.putNull("last_drill_result");
        else o.put("last_drill_result", lastDrillPassed ? "passed" : "failed");
        seconds(o, "rto_measured_seconds", rtoMeasured);
        seconds(o, "forecast_seconds", forecast);
        o.put("forecast_exceeds_rto", forecastExceedsRto).put("drill_overdue", drillOverdue);
        o.put("problem", problem);
        ObjectNode sch = o.putObject("schedule");
        schedule.forEach(sch::put);
        if (suspicion == null) {
            o.putNull("suspicious");
        } else {
            ObjectNode su = o.putObject("suspicious");
            su.put("first_snapshot", suspicion.firstSnapshot()).put("since", suspicion.since().toString())
                    .put("snapshots", suspicion.snapshots()).put("clean_point", suspicion.cleanPoint());
        }
        return o;
    }

    static void seconds(ObjectNode o, String key, Duration d) {
        if (d == null) o.putNull(key);
        else if (d.toMillis() % 1000 == 0) o.put(key, d.toSeconds());
        else o.put(key, d.toMillis() / 1000.0);
    }

    static void time(ObjectNode o, String key, Instant t) {
        if (t == null) o.putNull(key);
        else o.put(key, t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
    }
}
