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
 * How long recovering each system would take today, from what past drills measured: an overhead
 * (everything in the measured RTO that is not restoring data: waiting for dependencies, starting
 * services, checks) plus a restore time modelled as fixed cost + bytes / throughput (fixed and
 * throughput apart, so a small restore's latency is not taken for slowness), applied to the bytes
 * the system's restore steps would restore from its latest snapshot (or the whole snapshot's size
 * when those cannot be told; the basis says so).
 */
public final class Forecast {
    /** How many recent drills with a measured restore make the basis: recent enough to reflect today's setup. */
    static final int SAMPLES = 5;
    public static final Duration DEFAULT_DRILL_EVERY = Duration.ofDays(30);
    /**
     * Bytes below which a restore measures its fixed costs, not a throughput: a restore of 3 bytes
     * in 0.3 s says nothing about 10 MiB. Also the least spread of sizes a fitted line needs.
     */
    static final long MEANINGFUL_BYTES = 64L * 1024 * 1024;
    /**
     * Throughput assumed for bytes beyond the one size a system was drilled at when that size was
     * too small to measure one (and no other system measured one): 50 MiB/s, a conservative local
     * disk restore, so growth adds seconds, never days.
     */
    static final double DEFAULT_BYTES_PER_SECOND = 50.0 * 1024 * 1024;

    private Forecast() {}

    /**
     * A system as the plan has it today. restoreBytes: what its restore steps would restore from its
     * latest snapshot, in bytes; 0 when there is nothing to restore, -1 when unknown (no snapshot,
     * repository unreachable). wholeSnapshot: restoreBytes is the whole snapshot's size because what
     * the steps restore could not be told (the basis then says so).
     */
    public record ForecastInput(String name, Duration rto, Duration drillEvery, long restoreBytes, boolean wholeSnapshot) {
        /** restoreBytes counted from the restore steps. */
        public ForecastInput(String name, Duration rto, Duration drillEvery, long restoreBytes) {
            this(name, rto, drillEvery, restoreBytes, false);
        }
    }

    /**
     * forecast is null when the system was never drilled or no drill measured what is needed.
     * drillOverdue only for systems drilled before (neverDrilled says the rest). flags: what needs
     * attention, in words.
     */
    public record ForecastRow(String name, Duration forecast, Duration rto, boolean exceedsRto, Instant lastDrill,
                              boolean neverDrilled, boolean drillOverdue, String basis, List<String> flags) {}

    /** One row per system in the map's order; history is every recorded run (any systems, any order). */
    public static List<ForecastRow> compute(Map<String, ForecastInput> systems, List<SystemRun> history, Instant now) {
        List<SystemRun> all = sorted(history);
        List<ForecastRow> rows = new ArrayList<>();
        for (ForecastInput in : systems.values()) {
            List<SystemRun> runs = new ArrayList<>();
            for (SystemRun r : all) if (r.name().equals(in.name())) runs.add(r);
            rows.add(row(in, runs, all, now));
        }
        return rows;
    }

    /**
     * What the forecast said before each drill, against what that drill measured: for every run
     * that measured an RTO, the forecast from the runs before it (all systems' for the shared
     * throughput) and the bytes that drill restored. Runs without a forecast (the first of a
     * system, or nothing measured before) are left out. Keyed by the run itself, in history order.
     */
    public static Map<SystemRun, Duration> backtest(List<SystemRun> history) {
        List<SystemRun> all = sorted(history);
        Map<SystemRun, Duration> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            SystemRun r = all.get(i);
            if (r.rtoMeasured() == null) continue;
            List<SystemRun> before = new ArrayList<>();
            for (SystemRun o : all.subList(0, i)) if (o.started().isBefore(r.started())) before.add(o);
            List<SystemRun> own = before.stream().filter(o -> o.name().equals(r.name())).toList();
            if (own.isEmpty()) continue;
            Prediction p = predict(own, before, r.bytesRestored());
            if (p.forecast() != null) out.put(r, p.forecast());
        }
        return out;
    }

    private static List<SystemRun> sorted(List<SystemRun> history) {
        List<SystemRun> all = new ArrayList<>(history);
        all.sort(Comparator.comparing(SystemRun::started).thenComparing(SystemRun::drillId));
        return all;
    }

    private static ForecastRow row(ForecastInput in, List<SystemRun> runs, List<SystemRun> all, Instant now) {
        List<String> flags = new ArrayList<>();
        Duration every = in.drillEvery() == null ? DEFAULT_DRILL_EVERY : in.drillEvery();
        if (runs.isEmpty()) {
            flags.add("never drilled");
            return new ForecastRow(in.name(), null, in.rto(), false, null, true, false, "no drills", flags);
        }
        Instant last = runs.getLast().started();
        Duration age = Duration.between(last, now);
        boolean overdue = age.compareTo(every) > 0;
        Prediction p = predict(runs, all, in.restoreBytes());
        if (in.wholeSnapshot() && in.restoreBytes() > 0) {
            p = new Prediction(p.forecast(), p.basis() + "; whole snapshot size used (what the steps restore is unknown)");
        }
        Duration forecast = p.forecast();
        boolean exceeds = forecast != null && in.rto() != null && forecast.compareTo(in.rto()) > 0;
        if (exceeds) flags.add("forecast " + DrillDurations.format(forecast) + " exceeds RTO " + Durations.format(in.rto()));
        if (overdue) flags.add("last drill " + ago(age) + " ago, plan says every " + Durations.format(every));
        return new ForecastRow(in.name(), forecast, in.rto(), exceeds, last, false, overdue, p.basis(), flags);
    }

    private record Prediction(Duration forecast, String basis) {}

    /**
     * The recovery time of a system restoring {@code bytes} (0: nothing to restore, -1: unknown),
     * from its own runs (oldest first) and, for the throughput when its own cannot tell, the
     * other systems' runs in {@code all}: overhead (the median of RTO minus restore time: dependencies, services,
     * checks) + restore time, where restore time = fixed + bytes / throughput (see {@link Restore#fit}).
     */
    private static Prediction predict(List<SystemRun> runs, List<SystemRun> all, long bytes) {
        if (bytes == 0) {
            // Nothing to restore (a system of commands only): the forecast is the overhead alone.
            List<SystemRun> timed = recent(runs, r -> r.rtoMeasured() != null);
            if (timed.isEmpty()) return new Prediction(null, drills(runs.size()) + ", none came back");
            return new Prediction(overhead(timed), drills(timed.size()) + ", no data to restore");
        }
        List<SystemRun> samples = recent(runs, Forecast::measuredRestore);
        if (samples.isEmpty()) return new Prediction(null, drills(runs.size()) + ", none measured a restore");
        String name = runs.getFirst().name();
        Restore model = Restore.fit(samples, recent(all, r -> !r.name().equals(name) && measuredRestore(r), SAMPLES * 4));
        String basis = drills(samples.size()) + ", " + model.describe();
        if (bytes < 0) return new Prediction(null, basis + "; size of the latest snapshot unknown");
        List<SystemRun> timed = samples.stream().filter(r -> r.rtoMeasured() != null).toList();
        Duration forecast = (timed.isEmpty() ? Duration.ZERO : overhead(timed)).plus(model.time(bytes));
        if (timed.isEmpty()) basis += ", overhead not measured (restore time only)";
        return new Prediction(forecast, basis);
    }

    private static boolean measuredRestore(SystemRun r) {
        return r.bytesRestored() > 0 && r.restoreTime() != null && r.restoreTime().isPositive();
    }

    /**
     * Restore time = fixed + bytes × secondsPerByte. Fixed costs (opening the repository, starting
     * a server, loading a schema) dominate small restores: a throughput taken from a small restore
     * alone would make a bigger one look far slower than it is. {@code scaleFrom} &gt; 0 marks the
     * last fallback: one size only and no throughput known, so that size takes its measured time
     * ({@code scaleSeconds}) and only the bytes beyond it take bytes × secondsPerByte. The whole time
     * is never scaled by the size: a small restore's time is nearly all fixed cost.
     */
    record Restore(double fixedSeconds, double secondsPerByte, long scaleFrom, double scaleSeconds, String how) {
        /**
         * Least squares over the system's own drills when they restored sizes at least 1.5× and
         * {@link #MEANINGFUL_BYTES} apart; else the throughput (least squares, same rule) of the other
         * systems' drills with this system's fixed cost (the median of time minus bytes/throughput);
         * else its newest drill's time for its size, plus the bytes beyond it at that drill's own
         * throughput when it restored at least {@link #MEANINGFUL_BYTES}, else at
         * {@link #DEFAULT_BYTES_PER_SECOND}.
         */
        static Restore fit(List<SystemRun> own, List<SystemRun> everyone) {
            Restore line = line(own);
            if (line != null) return line;
            double slope = slope(everyone);
            if (slope > 0) {
                List<Double> rest = new ArrayList<>();
                for (SystemRun r : own) rest.add(Math.max(0, seconds(r.restoreTime()) - r.bytesRestored() * slope));
                rest.sort(null);
                int n = rest.size();
                double fixed = n % 2 == 1 ? rest.get(n / 2) : (rest.get(n / 2 - 1) + rest.get(n / 2)) / 2;
                return new Restore(fixed, slope, 0, 0, "throughput of other systems' drills");
            }
            SystemRun last = own.getFirst(); // the newest
            double took = seconds(last.restoreTime());
            if (last.bytesRestored() >= MEANINGFUL_BYTES) {
                // Its own throughput, fixed cost included: slower than the true one, so on the safe side.
                return new Restore(0, took / last.bytesRestored(), last.bytesRestored(), took, "one size, its own throughput beyond it");
            }
            return new Restore(0, 1 / DEFAULT_BYTES_PER_SECOND, last.bytesRestored(), took,
                    "one size too small to measure a throughput, default beyond it");
        }

        /** A least-squares line through the runs, or null when their sizes are too close or it does not rise. */
        private static Restore line(List<SystemRun> runs) {
            if (runs.size() < 2) return null;
            long min = Long.MAX_VALUE, max = 0;
            for (SystemRun r : runs) {
                min = Math.min(min, r.bytesRestored());
                max = Math.max(max, r.bytesRestored());
            }
            // Sizes too close, or too small to tell a throughput from timing noise (3 B and 10 B).
            if (max < min * 1.5 || max - min < MEANINGFUL_BYTES) return null;
            double mb = 0, mt = 0;
            for (SystemRun r : runs) {
                mb += r.bytesRestored();
                mt += seconds(r.restoreTime());
            }
            mb /= runs.size();
            mt /= runs.size();
            double sxx = 0, sxy = 0;
            for (SystemRun r : runs) {
                double db = r.bytesRestored() - mb;
                sxx += db * db;
                sxy += db * (seconds(r.restoreTime()) - mt);
            }
            double slope = sxy / sxx;
            if (!(slope > 0)) return null;
            double fixed = mt - slope * mb;
            if (fixed < 0) {
                // A line through zero then: fixed costs too small to tell from noise.
                double sbt = 0, sbb = 0;
                for (SystemRun r : runs) {
                    sbt += r.bytesRestored() * seconds(r.restoreTime());
                    sbb += (double) r.bytesRestored() * r.bytesRestored();
                }
                return new Restore(0, sbt / sbb, 0, 0, "fitted");
            }
            return new Restore(fixed, slope, 0, 0, "fitted");
        }

        /** Seconds per byte over other systems' runs: the slope of their line, 0 when there is none. */
        private static double slope(List<SystemRun> runs) {
            if (runs.isEmpty()) return 0;
            Restore l = line(runs);
            if (l != null) return l.secondsPerByte();
            return 0;
        }

        Duration time(long bytes) {
            double s = scaleFrom > 0 ? scaleSeconds + Math.max(0, bytes - scaleFrom) * secondsPerByte : fixedSeconds + bytes * secondsPerByte;
            return Duration.ofMillis(Math.round(s * 1000));
        }

        String describe() {
            if (scaleFrom > 0) {
                return String.format(Locale.ROOT, "%.1fs for %s + %s", scaleSeconds, size(scaleFrom), rate(1 / secondsPerByte))
                        + " (" + how + ")";
            }
            return String.format(Locale.ROOT, "%.1fs fixed + %s", fixedSeconds, rate(1 / secondsPerByte))
                    + (how.equals("fitted") ? "" : " (" + how + ")");
        }
    }

    /** The newest runs (up to SAMPLES) that pass the filter, newest first. */
    private static List<SystemRun> recent(List<SystemRun> runs, Predicate<SystemRun> ok) {
        return recent(runs, ok, SAMPLES);
    }

    private static List<SystemRun> recent(List<SystemRun> runs, Predicate<SystemRun> ok, int max) {
        List<SystemRun> out = new ArrayList<>();
        for (int i = runs.size() - 1; i >= 0 && out.size() < max; i--) {
            if (ok.test(runs.get(i))) out.add(runs.get(i));
        }
        return out;
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

    /** Binary units: 3 B, 100.0 MiB. */
    static String size(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String r = rate(bytes);
        return r.substring(0, r.length() - 2);
    }

    /** Whole days once it is a day or more (a plan's drill-every is in days), else as Durations writes it. */
    private static String ago(Duration age) {
        return age.toDays() >= 1 ? age.toDays() + "d" : DrillDurations.format(age);
    }
}
