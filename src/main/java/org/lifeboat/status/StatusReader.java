package org.lifeboat.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.drill.Forecast;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.Schedule;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemCopies;

/**
 * Computes every system's {@link SystemStatus} once, for all faces: the newest snapshot in each of
 * its places (own, off-site, immutable; {@link SystemCopies}), its age against the RPO, the newest
 * drill and today's forecast ({@link Forecast}).
 */
public final class StatusReader {
    private StatusReader() {}

    /** How far in the future a snapshot may be dated (clocks of hosts differ a little) and still count. */
    static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(5);

    /**
     * The status of every system of {@code plan}, in the plan's order.
     *
     * @param repos   the plan's repositories, opened for reading (each is listed once)
     * @param history every recorded drill run ({@code DrillStore.history(null, null)})
     * @param host    this machine's name, for systems whose plan names no backup host
     * @param now     the time ages are measured at
     */
    public static List<SystemStatus> read(Plan plan, Repositories repos, List<SystemRun> history, String host, Instant now) {
        Map<String, Forecast.ForecastInput> inputs = new LinkedHashMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (SystemSpec s : plan.systems().values()) {
            inputs.put(s.name(), RestoreEstimate.input(plan, s, repos,
                    w -> problems.putIfAbsent(s.name(), w.startsWith(s.name() + ": ") ? w.substring(s.name().length() + 2) : w)));
        }
        Map<String, Forecast.ForecastRow> forecasts = new LinkedHashMap<>();
        for (Forecast.ForecastRow r : Forecast.compute(inputs, history, now)) forecasts.put(r.name(), r);
        List<SystemStatus> out = new ArrayList<>();
        for (SystemSpec s : plan.systems().values()) {
            SystemCopies.Report report = SystemCopies.report(plan, s, repos, now);
            SystemCopies.Place own = null;
            Instant offsite = null, immutable = null;
            for (SystemCopies.Place p : report.places()) {
                if (p.primary()) own = p;
                if (p.error() != null) problems.putIfAbsent(s.name(), "repository '" + p.repository() + "' cannot be read: " + p.error());
                if (p.newest() == null) continue;
                Instant t = p.newest().time().toInstant();
                if (p.offsite() && (offsite == null || t.isAfter(offsite))) offsite = t;
                if (p.retention() != null && (immutable == null || t.isAfter(immutable))) immutable = t;
            }
            Instant last = own == null || own.newest() == null ? null : own.newest().time().toInstant();
            Duration age = own == null ? null : own.age(now);
            if (last != null && last.isAfter(now.plus(FUTURE_TOLERANCE))) {
                // A snapshot dated in the future (a wrong clock, restic backup --time) proves nothing
                // about today's data: the RPO counts as missed until a snapshot of now comes.
                problems.putIfAbsent(s.name(), "its newest snapshot " + own.newest().id().shortHex() + " is dated "
                        + last + ", in the future (clock skew?); the RPO cannot be judged by it");
                age = null;
            }
            SystemRun drill = null;
            for (SystemRun r : history) {
                if (r.name().equals(s.name()) && (drill == null || r.started().isAfter(drill.started()))) drill = r;
            }
            Forecast.ForecastRow f = forecasts.get(s.name());
            Map<String, String> schedule = new LinkedHashMap<>();
            for (Map.Entry<String, Schedule> e : plan.service().jobs(s.name()).schedule().entrySet()) {
                schedule.put(e.getKey(), e.getValue().text());
            }
            if (s.backup() != null && !s.backup().sources().isEmpty() && !schedule.containsKey("backup")) {
                schedule.put("backup", org.lifeboat.plan.Durations.toPlanText(defaultBackupInterval(s)) + " (from the RPO)");
            }
            out.add(new SystemStatus(s.name(), hostOf(s, host), s.rpo(), s.rto(),
                    s.backup() == null ? null : s.backup().repository(), last,
                    own == null || own.newest() == null ? null : own.newest().id().hex(), age,
                    s.backup() == null ? SystemStatus.RpoStatus.OK : SystemStatus.RpoStatus.of(age, s.rpo()),
                    offsite, immutable, drill == null ? null : drill.started(),
                    drill == null ? null : drill.result() == org.lifeboat.drill.DrillSystem.Outcome.PASSED,
                    drill == null ? null : drill.rtoMeasured(), f == null ? null : f.forecast(), f != null && f.exceedsRto(),
                    f == null || f.neverDrilled() || f.drillOverdue(), problems.get(s.name()), Map.copyOf(schedule),
                    suspicion(s, repos)));
        }
        return out;
    }

    /** The system's latest run of suspicious snapshots in its own repository; null when none (or unreadable). */
    private static SystemStatus.Suspicion suspicion(SystemSpec s, Repositories repos) {
        if (s.backup() == null) return null;
        try {
            org.lifeboat.recovery.Anomalies.Clean c = org.lifeboat.recovery.Anomalies.cleanPoint(
                    org.lifeboat.recovery.SystemSnapshots.of(s, repos.snapshots(s.backup().repository(), w -> {})));
            if (c.firstSuspicious() == null) return null;
            return new SystemStatus.Suspicion(c.firstSuspicious().id().hex(), c.firstSuspicious().time().toInstant(), c.run(),
                    c.snapshot() == null ? null : c.snapshot().id().hex());
        } catch (Exception e) {
            return null; // the repository's problem is named already (its places)
        }
    }

    /**
     * How often a system without a backup schedule is backed up: half its RPO (so a backup that
     * fails once is retried in time), at least every 10 seconds, at most a day.
     */
    public static Duration defaultBackupInterval(SystemSpec s) {
        Duration half = s.rpo() == null || s.rpo().isZero() ? Duration.ofDays(1) : s.rpo().dividedBy(2);
        if (half.compareTo(Duration.ofSeconds(10)) < 0) return Duration.ofSeconds(10);
        return half.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : half;
    }

    /** The host a system's status is shown under: the plan's backup host, else {@code local}. */
    static String hostOf(SystemSpec s, String local) {
        return s.backup() != null && s.backup().host() != null ? s.backup().host() : local;
    }

    /** This machine's name as snapshots carry it ({@link org.lifeboat.repository.Repository#hostname}). */
    public static String localHost() {
        return org.lifeboat.repository.Repository.hostname();
    }
}
