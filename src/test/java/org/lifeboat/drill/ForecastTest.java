package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.drill.TestDrills.MIB;
import static org.lifeboat.drill.TestDrills.run;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lifeboat.drill.DrillSystem.Outcome;
import org.lifeboat.drill.Forecast.ForecastInput;
import org.lifeboat.drill.Forecast.ForecastRow;

class ForecastTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static Instant daysAgo(long d) {
        return NOW.minus(Duration.ofDays(d));
    }

    private static SystemRun restore(String id, Instant at, String name, long mib, long restoreSecs, Long rtoSecs) {
        return run(id, at, name, rtoSecs == null ? Outcome.FAILED : Outcome.PASSED,
                rtoSecs == null ? null : Duration.ofSeconds(rtoSecs), Duration.ofMinutes(5), mib * MIB,
                Duration.ofSeconds(restoreSecs));
    }

    private static ForecastRow one(ForecastInput in, List<SystemRun> history) {
        return Forecast.compute(Map.of(in.name(), in), history, NOW).getFirst();
    }

    /**
     * Three drills: 100 MiB in 10s, 300 MiB in 20s, 200 MiB in 10s. The least-squares line: 0.05 s
     * per MiB (20 MiB/s) plus 3.33s fixed. Overheads 30s, 25s, 40s: median 30s. 950 MiB today:
     * 3.33 + 47.5 + 30 = 80.83s.
     */
    private static List<SystemRun> threeDbDrills() {
        return List.of(
                restore("a", daysAgo(20), "db", 100, 10, 40L),
                restore("b", daysAgo(13), "db", 300, 20, 45L),
                restore("c", daysAgo(6), "db", 200, 10, 50L));
    }

    @Test
    void fixedCostAndThroughputFittedApartPlusMedianOverhead() {
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(2), null, 950 * MIB), threeDbDrills());
        assertThat(row.forecast()).isEqualTo(Duration.ofMillis(80_833));
        assertThat(row.rto()).isEqualTo(Duration.ofMinutes(2));
        assertThat(row.exceedsRto()).isFalse();
        assertThat(row.lastDrill()).isEqualTo(daysAgo(6));
        assertThat(row.neverDrilled()).isFalse();
        assertThat(row.drillOverdue()).isFalse();
        assertThat(row.basis()).isEqualTo("3 drills, 3.3s fixed + 20.0 MiB/s");
        assertThat(row.flags()).isEmpty();
    }

    @Test
    void flagsAForecastOverTheRto() {
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(1), Duration.ofDays(30), 950 * MIB),
                threeDbDrills());
        assertThat(row.exceedsRto()).isTrue();
        assertThat(row.flags()).containsExactly("forecast 1m 21s exceeds RTO 1m"); // 80.833s, rounded
        // exactly the RTO is still within it
        assertThat(one(new ForecastInput("db", Duration.ofMillis(80_833), null, 950 * MIB), threeDbDrills()).exceedsRto())
                .isFalse();
    }

    @Test
    void usesTheFiveNewestDrillsThatRestoredSomething() {
        List<SystemRun> h = new ArrayList<>();
        // old and slow: 1 MiB/s, overhead 500s: outside the five newest measured restores
        h.add(restore("o1", daysAgo(60), "db", 100, 100, 600L));
        h.add(restore("o2", daysAgo(55), "db", 100, 100, 600L));
        // five at 20 MiB/s; overheads 20, 30, 40, 50 and a failed one without RTO → median of 4 = 35s
        h.add(restore("n1", daysAgo(40), "db", 200, 10, 30L));
        h.add(restore("n2", daysAgo(30), "db", 400, 20, 50L));
        h.add(restore("n3", daysAgo(20), "db", 100, 5, null));
        h.add(run("b1", daysAgo(15), "db", Outcome.BLOCKED, null, null, 0, null)); // counts as a drill only
        h.add(restore("n4", daysAgo(10), "db", 200, 10, 50L));
        h.add(restore("n5", daysAgo(2), "db", 600, 30, 80L));
        h.add(restore("w1", daysAgo(1), "web", 1, 1, 5L)); // another system
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(5), null, 1200 * MIB), h.reversed());
        // 1200 MiB / 20 MiB/s = 60s, plus 35s
        assertThat(row.forecast()).isEqualTo(Duration.ofSeconds(95));
        assertThat(row.basis()).isEqualTo("5 drills, 0.0s fixed + 20.0 MiB/s");
        assertThat(row.lastDrill()).isEqualTo(daysAgo(2));
    }

    @Test
    void aSystemWithNothingToRestoreIsForecastAsItsOverhead() {
        List<SystemRun> h = List.of(
                run("a", daysAgo(9), "web", Outcome.PASSED, Duration.ofSeconds(12), null, 0, Duration.ZERO),
                run("b", daysAgo(8), "web", Outcome.PASSED, Duration.ofSeconds(20), null, 0, null),
                run("c", daysAgo(7), "web", Outcome.PASSED, Duration.ofSeconds(14), null, 0, Duration.ZERO));
        ForecastRow row = one(new ForecastInput("web", Duration.ofSeconds(10), null, 0), h);
        assertThat(row.forecast()).isEqualTo(Duration.ofSeconds(14));
        assertThat(row.basis()).isEqualTo("3 drills, no data to restore");
        assertThat(row.flags()).containsExactly("forecast 14.0s exceeds RTO 10s");
    }

    @Test
    void aNeverDrilledSystemHasNoForecast() {
        ForecastRow row = one(new ForecastInput("mail", Duration.ofHours(1), null, 5 * MIB), List.of());
        assertThat(row).isEqualTo(new ForecastRow("mail", null, Duration.ofHours(1), false, null, true, false,
                "no drills", List.of("never drilled")));
    }

    @Test
    void aDrillOlderThanDrillEveryIsOverdue() {
        List<SystemRun> h = List.of(restore("a", daysAgo(45), "db", 100, 10, 40L));
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(10), null, 100 * MIB), h);
        assertThat(row.drillOverdue()).isTrue();
        assertThat(row.forecast()).isEqualTo(Duration.ofSeconds(40));
        assertThat(row.basis()).isEqualTo("1 drill, 10.0s for 100.0 MiB + 10.0 MiB/s (one size, its own throughput beyond it)");
        assertThat(row.flags()).containsExactly("last drill 45d ago, plan says every 30d");

        ForecastRow weekly = one(new ForecastInput("db", Duration.ofMinutes(10), Duration.ofDays(7), 100 * MIB),
                List.of(restore("a", daysAgo(8).minusSeconds(7200), "db", 100, 10, 40L)));
        assertThat(weekly.flags()).containsExactly("last drill 8d ago, plan says every 7d");
        ForecastRow recent = one(new ForecastInput("db", Duration.ofMinutes(10), null, 100 * MIB),
                List.of(restore("a", daysAgo(29), "db", 100, 10, 40L)));
        assertThat(recent.drillOverdue()).isFalse();
        assertThat(recent.flags()).isEmpty();
    }

    @Test
    void bothFlagsTogether() {
        List<SystemRun> h = List.of(restore("a", daysAgo(100), "db", 100, 10, 40L));
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(20), null, 15_000 * MIB), h);
        // 15000 MiB at 10 MiB/s = 1500s, plus 30s = 25m 30s
        assertThat(row.forecast()).isEqualTo(Duration.ofSeconds(1530));
        assertThat(row.flags()).containsExactly("forecast 25m 30s exceeds RTO 20m",
                "last drill 100d ago, plan says every 30d");
    }

    @Test
    void withoutAMeasuredRestoreOrSizeThereIsNoForecast() {
        List<SystemRun> blocked = List.of(run("a", daysAgo(3), "db", Outcome.BLOCKED, null, null, 0, null));
        ForecastRow none = one(new ForecastInput("db", Duration.ofMinutes(5), null, 100 * MIB), blocked);
        assertThat(none.forecast()).isNull();
        assertThat(none.neverDrilled()).isFalse();
        assertThat(none.lastDrill()).isEqualTo(daysAgo(3));
        assertThat(none.basis()).isEqualTo("1 drill, none measured a restore");
        assertThat(none.flags()).isEmpty();

        ForecastRow unknownSize = one(new ForecastInput("db", Duration.ofMinutes(5), null, -1), threeDbDrills());
        assertThat(unknownSize.forecast()).isNull();
        assertThat(unknownSize.basis()).isEqualTo("3 drills, 3.3s fixed + 20.0 MiB/s; size of the latest snapshot unknown");
    }

    @Test
    void aRestoreThatNeverCameBackGivesThroughputButNoOverhead() {
        List<SystemRun> h = List.of(restore("a", daysAgo(3), "db", 100, 10, null));
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(5), null, 200 * MIB), h);
        assertThat(row.forecast()).isEqualTo(Duration.ofSeconds(20));
        assertThat(row.basis()).isEqualTo(
                "1 drill, 10.0s for 100.0 MiB + 10.0 MiB/s (one size, its own throughput beyond it), overhead not measured (restore time only)");
    }

    @Test
    void rowsFollowThePlansOrder() {
        Map<String, ForecastInput> plan = new LinkedHashMap<>();
        for (String s : List.of("web", "db", "cache")) plan.put(s, new ForecastInput(s, Duration.ofMinutes(5), null, 0));
        assertThat(Forecast.compute(plan, List.of(), NOW)).extracting(ForecastRow::name)
                .containsExactly("web", "db", "cache");
    }

    @Test
    void ratesInBinaryUnits() {
        assertThat(Forecast.rate(512)).isEqualTo("512.0 B/s");
        assertThat(Forecast.rate(41.2 * MIB)).isEqualTo("41.2 MiB/s");
        assertThat(Forecast.rate(1.5 * 1024 * MIB)).isEqualTo("1.5 GiB/s");
    }

    private static SystemRun timed(String id, Instant at, String name, long mib, long restoreMs, long rtoMs) {
        return run(id, at, name, Outcome.PASSED, Duration.ofMillis(rtoMs), Duration.ofMinutes(5), mib * MIB,
                Duration.ofMillis(restoreMs));
    }

    /**
     * Small restores are mostly fixed cost (32 MiB in 3.5s, 128 MiB in 8.3s). Taken as throughput
     * alone (128 MiB / 8.3s) 320 MiB would need 20.8s; fixed 1.9s + 0.05 s/MiB says 17.9s, plus
     * 0.1s overhead: 18.0s.
     */
    @Test
    void smallRestoresAreFixedCostNotSlowness() {
        List<SystemRun> h = List.of(timed("a", daysAgo(9), "db", 32, 3_500, 3_600), timed("b", daysAgo(2), "db", 128, 8_300, 8_400));
        ForecastRow row = one(new ForecastInput("db", Duration.ofMinutes(5), null, 320 * MIB), h);
        assertThat(row.forecast()).isEqualTo(Duration.ofMillis(18_000));
        assertThat(row.basis()).isEqualTo("2 drills, 1.9s fixed + 20.0 MiB/s");
    }

    /** One drill of its own: its fixed cost with the throughput the other systems' drills measured. */
    @Test
    void oneDrillTakesTheThroughputOfTheOtherSystems() {
        List<SystemRun> h = List.of(
                restore("d1", daysAgo(9), "db", 100, 10, 40L),
                restore("d2", daysAgo(8), "db", 300, 20, 45L), // db: 0.05 s/MiB, 5s fixed
                timed("w1", daysAgo(3), "web", 1, 2_050, 2_150));
        ForecastRow row = one(new ForecastInput("web", Duration.ofMinutes(5), null, 5 * MIB), h);
        // web: 2.05s - 1 MiB × 0.05 = 2.0s fixed; 5 MiB: 2.0 + 0.25, plus 0.1s overhead
        assertThat(row.forecast()).isEqualTo(Duration.ofMillis(2_350));
        assertThat(row.basis()).isEqualTo("1 drill, 2.0s fixed + 20.0 MiB/s (throughput of other systems' drills)");
    }

    /** Each drill against the forecast from the drills before it, with the bytes it restored. */
    @Test
    void backtestComparesEachDrillWithTheForecastMadeBeforeIt() {
        SystemRun d1 = timed("a", daysAgo(20), "db", 32, 3_500, 3_600);
        SystemRun d2 = timed("b", daysAgo(10), "db", 128, 8_300, 8_400);
        SystemRun d3 = timed("c", daysAgo(1), "db", 320, 17_900, 18_000);
        SystemRun failed = run("f", daysAgo(5), "db", Outcome.BLOCKED, null, null, 0, null);
        Map<SystemRun, Duration> f = Forecast.backtest(List.of(d3, failed, d2, d1));
        // d1: nothing before it; d2: d1 alone, too small for a throughput: 3.5s + 96 MiB at the
        // default 50 MiB/s + 0.1s; d3: the line through d1 and d2.
        assertThat(f).containsOnlyKeys(d2, d3);
        assertThat(f.get(d2)).isEqualTo(Duration.ofMillis(5_520));
        assertThat(f.get(d3)).isEqualTo(Duration.ofMillis(18_000));
    }

    /**
     * The tester's case: a 3-byte system drilled in 0.337s (RTO 2.0s), then grown to 10 MiB. Scaling
     * the whole time by the size said 13d 15h (8.9 B/s); the next drill took 2.8s. Now the 3 bytes
     * keep their 0.337s, the 10 MiB beyond them take 0.2s at the default 50 MiB/s, plus the 1.663s
     * overhead: 2.2s, and the basis says the default was used.
     */
    @Test
    void aTinyDrillIsFixedCostAndGrowthAddsBytesAtADefaultThroughput() {
        SystemRun tiny = run("a", daysAgo(2), "app", Outcome.PASSED, Duration.ofMillis(2_000), Duration.ofMinutes(5), 3,
                Duration.ofMillis(337));
        ForecastRow row = one(new ForecastInput("app", Duration.ofMinutes(1), null, 10 * MIB), List.of(tiny));
        assertThat(row.forecast()).isEqualTo(Duration.ofMillis(2_200));
        assertThat(row.exceedsRto()).isFalse();
        assertThat(row.flags()).isEmpty();
        assertThat(row.basis()).isEqualTo("1 drill, 0.3s for 3 B + 50.0 MiB/s (one size too small to measure a throughput, default beyond it)");

        // The history's backtest of the next drill (10 MiB, restore 1.1s, RTO 2.8s): -21%, not +29730586%.
        SystemRun next = run("b", daysAgo(1), "app", Outcome.PASSED, Duration.ofMillis(2_800), Duration.ofMinutes(5), 10 * MIB,
                Duration.ofMillis(1_100));
        assertThat(Forecast.backtest(List.of(tiny, next))).containsExactly(Map.entry(next, Duration.ofMillis(2_200)));

        // Two tiny drills of different sizes are no line either: 3 B and 10 B in 0.3s and 0.35s
        // would say 140 B/s; the newest size with the default beyond it is used instead.
        SystemRun small = run("c", daysAgo(1), "app", Outcome.PASSED, Duration.ofMillis(2_013), Duration.ofMinutes(5), 10,
                Duration.ofMillis(350));
        ForecastRow two = one(new ForecastInput("app", Duration.ofMinutes(1), null, 10 * MIB), List.of(tiny, small));
        assertThat(two.forecast()).isBetween(Duration.ofMillis(2_000), Duration.ofMillis(2_400));
    }

    /** Only the steps' bytes were unknown: the whole snapshot was used, and the basis says so. */
    @Test
    void theBasisSaysWhenTheWholeSnapshotSizeWasUsed() {
        ForecastRow steps = one(new ForecastInput("db", Duration.ofMinutes(2), null, 950 * MIB), threeDbDrills());
        ForecastRow whole = one(new ForecastInput("db", Duration.ofMinutes(2), null, 950 * MIB, true), threeDbDrills());
        assertThat(whole.forecast()).isEqualTo(steps.forecast());
        assertThat(steps.basis()).doesNotContain("whole snapshot");
        assertThat(whole.basis()).isEqualTo("3 drills, 3.3s fixed + 20.0 MiB/s; whole snapshot size used (what the steps restore is unknown)");
    }
}
