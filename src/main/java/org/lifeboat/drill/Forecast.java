package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.lifeboat.plan.Durations;

/**
 * How long recovering each system would take today, from what past drills measured: the restore
 * throughput (bytes per second of restore time) and a fixed overhead (everything in the measured
 * RTO that is not restoring data: waiting for dependencies, starting services, checks), applied to
 * the size of the system's latest snapshot.
 */
public final class Forecast {
    /** How many recent drills with a measured restore make the basis: recent enough to reflect today's setup. */
    static final int SAMPLES = 5;
    public static final Duration DEFAULT_DRILL_EVERY = Duration.ofDays(30);

    private Forecast() {}

    /** A system as the plan has it today. latestSnapshotBytes is -1 when unknown (no snapshot, repository unreachable). */
    public record ForecastInput(String name, Duration rto, Duration drillEvery, long latestSnapshotBytes) {}

    /**
     * forecast is null when the system was never drilled or no drill measured what is needed.
     * drillOverdue only for systems drilled before (neverDrilled says the rest). flags: what needs
     * attention, in words.
     */
    public record ForecastRow(String name, Duration forecast, Duration rto, boolean exceedsRto, Instant lastDrill,
                              boolean neverDrilled, boolean drillOverdue, String basis, List<String> flags) {}

    /** One row per system in the map's order; history is every recorded run (any systems, any order). */
    public static List<ForecastRow> compute(Map<String, ForecastInput> systems, List<SystemRun> history, Instant now) {
        List<ForecastRow> rows = new ArrayList<>();
        for (ForecastInput in : systems.values()) {
            List<SystemRun> runs = new ArrayList<>();
            for (SystemRun r : history) if (r.name().equals(in.name())) runs.add(r);
            runs.sort(Comparator.comparing(SystemRun::started).thenComparing(SystemRun::drillId));
            rows.add(row(in, runs, now));
        }
        return rows;
    }

    private static ForecastRow row(ForecastInput in, List<SystemRun> runs, Instant now) {
        List<String> flags = new ArrayList<>();
        Duration every = in.drillEvery() == null ? DEFAULT_DRILL_EVERY : in.drillEvery();
        if (runs.isEmpty()) {
            flags.add("never drilled");
            return new ForecastRow(in.name(), null, in.rto(), false, null, true, false, "no drills", flags);
        }
        Instant last = runs.getLast().started();
        Duration age = Duration.between(last, now);
        boolean overdue = age.compareTo(every) > 0;

        Duration forecast = null;
        String basis;
        if (in.latestSnapshotBytes() == 0) {
            // Nothing to restore (a system of commands only): the forecast is the overhead alone.
            List<SystemRun> timed = recent(runs, r -> r.rtoMeasured() != null);
            if (timed.isEmpty()) {
                basis = drills(runs.size()) + ", none came back";
            } else {
                forecast = overhead(timed);
                basis = drills(timed.size()) + ", no data to restore";
            }
        } else {
            List<SystemRun> samples = recent(runs, r -> r.bytesRestored() > 0 && r.restoreTime() != null
                    && r.restoreTime().isPositive());
            if (samples.isEmpty()) {
                basis = drills(runs.size()) + ", none measured a restore";
            } else {
                double throughput = throughput(samples);
                basis = drills(samples.size()) + ", " + rate(throughput);
                List<SystemRun> timed = samples.stream().filter(r -> r.rtoMeasured() != null).toList();
                if (in.latestSnapshotBytes() < 0) {
                    basis += "; size of the latest snapshot unknown";
                } else {
                    Duration restore = Duration.ofMillis(Math.round(in.latestSnapshotBytes() / throughput * 1000));
                    forecast = (timed.isEmpty() ? Duration.ZERO : overhead(timed)).plus(restore);
                    if (timed.isEmpty()) basis += ", overhead not measured (restore time only)";
                }
            }
        }
        boolean exceeds = forecast != null && in.rto() != null && forecast.compareTo(in.rto()) > 0;
        if (exceeds) flags.add("forecast " + Durations.format(forecast) + " exceeds RTO " + Durations.format(in.rto()));
        if (overdue) flags.add("last drill " + ago(age) + " ago, plan says every " + Durations.format(every));
        return new ForecastRow(in.name(), forecast, in.rto(), exceeds, last, false, overdue, basis, flags);
    }

    /** The newest runs (up to SAMPLES) that pass the filter, newest first. */
    private static List<SystemRun> recent(List<SystemRun> runs, Predicate<SystemRun> ok) {
        List<SystemRun> out = new ArrayList<>();
        for (int i = runs.size() - 1; i >= 0 && out.size() < SAMPLES; i--) {
            if (ok.test(runs.get(i))) out.add(runs.get(i));
        }
        return out;
    }

    /**
     * Bytes per second: each drill's throughput weighted by the bytes it restored, so a big restore
     * (steady streaming) counts more than a small one dominated by latency.
     */
    static double throughput(List<SystemRun> samples) {
        double weighted = 0;
        double bytes = 0;
        for (SystemRun r : samples) {
            double b = r.bytesRestored();
            weighted += b * (b / seconds(r.restoreTime()));
            bytes += b;
        }
        return weighted / bytes;
    }

    /** Median of RTO minus restore time; never negative (a restore overlapping its own clock is no overhead). */
    static Duration overhead(List<SystemRun> timed) {
        List<Long> ms = new ArrayList<>();
        for (SystemRun r : timed) {
            Duration restore = r.restoreTime() == null ? Duration.ZERO : r.restoreTime();
            ms.add(Math.max(0, r.rtoMeasured().minus(restore).toMillis()));
        }
        ms.sort(null);
        int n = ms.size();
        long median = n % 2 == 1 ? ms.get(n / 2) : Math.round((ms.get(n / 2 - 1) + ms.get(n / 2)) / 2.0);
        return Duration.ofMillis(median);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static String drills(int n) {
        return n == 1 ? "1 drill" : n + " drills";
    }

    /** Binary units as restic prints them: 41.2 MiB/s. */
    static String rate(double bytesPerSecond) {
        String[] units = {"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"};
        double v = bytesPerSecond;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Whole days once it is a day or more (a plan's drill-every is in days), else as Durations writes it. */
    private static String ago(Duration age) {
        return age.toDays() >= 1 ? age.toDays() + "d" : Durations.format(age);
    }
}
