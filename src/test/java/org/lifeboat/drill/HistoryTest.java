package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.drill.TestDrills.passed;
import static org.lifeboat.drill.TestDrills.run;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.drill.History.SystemTrend;
import org.lifeboat.drill.History.Trend;

class HistoryTest {
    private static final Instant T = Instant.parse("2026-09-01T08:00:00Z");

    private static List<SystemRun> rtos(String name, long... seconds) {
        List<SystemRun> runs = new ArrayList<>();
        for (int i = 0; i < seconds.length; i++) {
            runs.add(passed("d" + i, T.plus(Duration.ofDays(7L * i)), name, Duration.ofSeconds(seconds[i]),
                    Duration.ofMinutes(10)));
        }
        return runs;
    }

    private static Trend rtoTrend(long... seconds) {
        return History.of(rtos("db", seconds)).getFirst().rtoTrend();
    }

    @Test
    void comparesTheNewerHalfWithTheOlderHalf() {
        assertThat(rtoTrend(100, 100, 80, 70)).isEqualTo(Trend.IMPROVING); // 100 → 75: -25%
        assertThat(rtoTrend(60, 60, 70, 80)).isEqualTo(Trend.WORSENING); // 60 → 75: +25%
        assertThat(rtoTrend(100, 104, 98, 103)).isEqualTo(Trend.STEADY); // 102 → 100.5
        assertThat(rtoTrend(120, 100)).isEqualTo(Trend.IMPROVING);
    }

    @Test
    void tenPercentEitherWayIsStillSteady() {
        assertThat(rtoTrend(100, 110)).isEqualTo(Trend.STEADY);
        assertThat(rtoTrend(100, 90)).isEqualTo(Trend.STEADY);
        assertThat(rtoTrend(100, 111)).isEqualTo(Trend.WORSENING);
        assertThat(rtoTrend(100, 89)).isEqualTo(Trend.IMPROVING);
    }

    @Test
    void anOddCountLeavesTheMiddleOut() {
        assertThat(rtoTrend(100, 500, 95)).isEqualTo(Trend.STEADY);
        assertThat(rtoTrend(100, 100, 10, 200, 200)).isEqualTo(Trend.WORSENING); // 100 → 200, the 10 ignored
    }

    @Test
    void fewerThanTwoMeasurementsHaveNoTrend() {
        assertThat(rtoTrend(100)).isEqualTo(Trend.UNKNOWN);
        assertThat(Trend.UNKNOWN.label()).isEqualTo("-");
        assertThat(Trend.IMPROVING.label()).isEqualTo("improving");
        assertThat(History.of(List.of())).isEmpty();
    }

    @Test
    void fromZeroAnythingIsWorse() {
        assertThat(rtoTrend(0, 0)).isEqualTo(Trend.STEADY);
        assertThat(rtoTrend(0, 1)).isEqualTo(Trend.WORSENING);
    }

    @Test
    void latestBestWorstAndCounts() {
        Instant t = T;
        List<SystemRun> runs = List.of(
                passed("a", t, "db", Duration.ofSeconds(300), Duration.ofMinutes(30)),
                run("b", t.plus(Duration.ofDays(7)), "db", DrillSystem.Outcome.FAILED, Duration.ofSeconds(900),
                        Duration.ofMinutes(25), 10, Duration.ofSeconds(1)), // came back, too late
                passed("c", t.plus(Duration.ofDays(14)), "db", Duration.ofSeconds(200), Duration.ofMinutes(20)),
                run("d", t.plus(Duration.ofDays(21)), "db", DrillSystem.Outcome.BLOCKED, null, null, 0, null));
        SystemTrend db = History.of(runs).getFirst();
        assertThat(db.name()).isEqualTo("db");
        assertThat(db.runs()).isEqualTo(runs);
        assertThat(db.latestRto()).isNull(); // the newest drill never brought it back
        assertThat(db.latestRpo()).isNull();
        assertThat(db.bestRto()).isEqualTo(Duration.ofSeconds(200));
        assertThat(db.worstRto()).isEqualTo(Duration.ofSeconds(900));
        // measured: 300, 900, 200 → 300 vs 200 (the blocked drill measured nothing)
        assertThat(db.rtoTrend()).isEqualTo(Trend.IMPROVING);
        // achieved RPO: 30m, 25m, 20m → 30 vs 20
        assertThat(db.rpoTrend()).isEqualTo(Trend.IMPROVING);
        assertThat(db.passed()).isEqualTo(2);
        assertThat(db.failed()).isEqualTo(2);
    }

    @Test
    void rtoAndRpoTrendIndependently() {
        List<SystemRun> runs = List.of(
                passed("a", T, "db", Duration.ofSeconds(100), Duration.ofMinutes(10)),
                passed("b", T.plus(Duration.ofDays(1)), "db", Duration.ofSeconds(60), Duration.ofMinutes(10)),
                passed("c", T.plus(Duration.ofDays(2)), "db", Duration.ofSeconds(61), Duration.ofMinutes(50)));
        SystemTrend db = History.of(runs).getFirst();
        assertThat(db.rtoTrend()).isEqualTo(Trend.IMPROVING);
        assertThat(db.rpoTrend()).isEqualTo(Trend.WORSENING);
        assertThat(db.latestRto()).isEqualTo(Duration.ofSeconds(61));
        assertThat(db.latestRpo()).isEqualTo(Duration.ofMinutes(50));
    }

    @Test
    void oneTrendPerSystemByNameWithRunsOldestFirst() {
        List<SystemRun> runs = new ArrayList<>();
        runs.addAll(rtos("web", 50, 50));
        runs.addAll(rtos("db", 100, 200));
        runs.add(passed("x", T.minus(Duration.ofDays(1)), "cache", Duration.ofSeconds(5), Duration.ZERO));
        List<SystemRun> shuffled = new ArrayList<>(runs.reversed());
        List<SystemTrend> trends = History.of(shuffled);
        assertThat(trends).extracting(SystemTrend::name).containsExactly("cache", "db", "web");
        assertThat(trends.get(1).runs()).extracting(SystemRun::drillId).containsExactly("d0", "d1");
        assertThat(trends.get(1).rtoTrend()).isEqualTo(Trend.WORSENING);
        assertThat(trends.get(2).rtoTrend()).isEqualTo(Trend.STEADY);
        assertThat(trends.get(0).rtoTrend()).isEqualTo(Trend.UNKNOWN);
    }

    /** The tester's case: BEST of a 1.9 s drill read "1s". Every drill time is rounded to what it shows. */
    @Test
    void drillTimesAreRoundedToThePrecisionShownNeverTruncated() {
        SystemTrend db = History.of(List.of(
                passed("a", T, "db", Duration.ofMillis(1_900), Duration.ofMinutes(5)),
                passed("b", T.plus(Duration.ofDays(1)), "db", Duration.ofMillis(2_460), Duration.ofMinutes(5)))).getFirst();
        assertThat(DrillDurations.format(db.bestRto())).isEqualTo("1.9s");
        assertThat(DrillDurations.format(db.latestRto())).isEqualTo("2.5s");
        assertThat(DrillDurations.format(Duration.ofMillis(1_949))).isEqualTo("1.9s");
        assertThat(DrillDurations.format(Duration.ofMillis(1_950))).isEqualTo("2.0s");
        assertThat(DrillDurations.format(Duration.ofMillis(59_960))).isEqualTo("1m");
        assertThat(DrillDurations.format(Duration.ofMillis(119_600))).isEqualTo("2m");
        assertThat(DrillDurations.format(Duration.ofMillis(80_833))).isEqualTo("1m 21s");
        assertThat(DrillDurations.format(Duration.ofMillis(3_599_600))).isEqualTo("1h");
        assertThat(DrillDurations.format(Duration.ofSeconds(5_430))).isEqualTo("1h 31m"); // 1h 30m 30s
        assertThat(DrillDurations.format(Duration.ofMinutes(2 * 1440 + 150))).isEqualTo("2d 3h"); // 2d 2h 30m
        assertThat(DrillDurations.format(Duration.ofMillis(40))).isEqualTo("40ms");
        assertThat(DrillDurations.format(Duration.ofMillis(-1_960))).isEqualTo("-2.0s");
        assertThat(DrillDurations.format(Duration.ZERO)).isEqualTo("0.0s");
        assertThat(DrillDurations.format(null)).isEqualTo("-");
    }
}
