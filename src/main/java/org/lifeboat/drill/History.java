package org.lifeboat.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Measured RTO and achieved RPO per system over past drills, with the trend: the mean of the newer
 * half of the measurements against the mean of the older half (the middle one left out when the
 * count is odd, so both halves weigh the same), within ±10% counts as steady. Lower is better for
 * both, so a falling mean is improving.
 */
public final class History {
    /** Relative change of the mean that still counts as steady. */
    static final double BAND = 0.10;

    private History() {}

    public enum Trend {
        IMPROVING, WORSENING, STEADY,
        /** Fewer than two measurements: nothing to compare. */
        UNKNOWN;

        public String label() {
            return this == UNKNOWN ? "-" : name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One system's drills, oldest first. latestRto/latestRpo are the newest drill's values (null when
     * that drill did not measure them, e.g. the system never came back); best and worst are over the
     * drills that measured an RTO. failed counts drills the system did not pass (failed or blocked).
     */
    public record SystemTrend(String name, List<SystemRun> runs, Duration latestRto, Duration bestRto, Duration worstRto,
                              Trend rtoTrend, Duration latestRpo, Trend rpoTrend, int passed, int failed) {}

    /** One trend per system, by name; the runs in each keep their order (oldest first) after sorting by start. */
    public static List<SystemTrend> of(List<SystemRun> runs) {
        Map<String, List<SystemRun>> bySystem = new TreeMap<>();
        List<SystemRun> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparing(SystemRun::started).thenComparing(SystemRun::drillId)); // stable for ties
        for (SystemRun r : sorted) bySystem.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
        List<SystemTrend> out = new ArrayList<>();
        for (Map.Entry<String, List<SystemRun>> e : bySystem.entrySet()) out.add(trendOf(e.getKey(), e.getValue()));
        return out;
    }

    static SystemTrend trendOf(String name, List<SystemRun> runs) {
        List<Duration> rtos = measured(runs, SystemRun::rtoMeasured);
        List<Duration> rpos = measured(runs, SystemRun::rpoAchieved);
        SystemRun latest = runs.getLast();
        int passed = (int) runs.stream().filter(r -> r.result() == DrillSystem.Outcome.PASSED).count();
        return new SystemTrend(name, List.copyOf(runs), latest.rtoMeasured(),
                rtos.stream().min(Comparator.naturalOrder()).orElse(null),
                rtos.stream().max(Comparator.naturalOrder()).orElse(null), trend(rtos), latest.rpoAchieved(), trend(rpos),
                passed, runs.size() - passed);
    }

    /** Lower is better. Values oldest first. */
    static Trend trend(List<Duration> values) {
        int n = values.size();
        if (n < 2) return Trend.UNKNOWN;
        int half = n / 2;
        double older = mean(values.subList(0, half));
        double newer = mean(values.subList(n - half, n));
        if (older == 0) return newer == 0 ? Trend.STEADY : Trend.WORSENING;
        double change = (newer - older) / older;
        if (change < -BAND) return Trend.IMPROVING;
        if (change > BAND) return Trend.WORSENING;
        return Trend.STEADY;
    }

    private static List<Duration> measured(List<SystemRun> runs, Function<SystemRun, Duration> f) {
        List<Duration> out = new ArrayList<>();
        for (SystemRun r : runs) {
            Duration d = f.apply(r);
            if (d != null) out.add(d);
        }
        return out;
    }

    private static double mean(List<Duration> ds) {
        double sum = 0;
        for (Duration d : ds) sum += d.toMillis();
        return sum / ds.size();
    }
}
