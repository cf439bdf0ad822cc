package org.lifeboat.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Snapshot;

/**
 * The policy engine where restic 0.14 and later restic differ (Lifeboat follows the later) and at
 * the edges the interop test cannot reach with restic 0.14: snapshots in the future, unlimited
 * counts, the oldest snapshot kept while a count has some left, Go's calendar arithmetic, the
 * empty policy, {@code --keep-tag ''}.
 */
class ForgetTest {
    private static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    private int n;

    private Snapshot at(String time, String... tags) {
        return new Snapshot(Id.hash(new byte[] {(byte) n++, 7}), OffsetDateTime.parse(time), null, Id.hash(new byte[] {1}),
                List.of("/srv"), "web1", "root", 0, 0, List.of(), List.of(tags), null, null, null);
    }

    private static List<OffsetDateTime> times(List<Snapshot> l) {
        List<OffsetDateTime> out = new ArrayList<>();
        for (Snapshot s : l) out.add(s.time());
        return out;
    }

    @Test
    void keepWithinMeasuresFromTheNewestSnapshotNotInTheFutureAndKeepsFutureOnes() {
        Snapshot future = at("2026-06-20T12:00:00Z");
        Snapshot d1 = at("2026-06-14T12:00:00Z");
        Snapshot d2 = at("2026-06-13T12:00:00Z");
        Snapshot d3 = at("2026-06-12T12:00:00Z");
        KeepPolicy p = KeepPolicy.NONE.withSpan("", KeepPolicy.Span.parse("1d"));
        ForgetDecision d = Forget.apply(List.of(d3, future, d1, d2), p, NOW);
        // restic 0.14 measured from the future snapshot and removed d1 too
        assertThat(d.keep()).containsExactly(future, d1);
        assertThat(d.remove()).containsExactly(d2, d3);
        assertThat(d.reasons().getFirst().matches()).containsExactly("within 1d");
        // all in the future: nothing is the newest, every span reaches them all
        ForgetDecision all = Forget.apply(List.of(future), p, NOW);
        assertThat(all.keep()).containsExactly(future);
    }

    @Test
    void unlimitedKeepsTheNewestOfEveryPeriodAndTheOldestIsKeptWhileCountsAreLeft() {
        List<Snapshot> s = List.of(at("2026-06-01T08:00:00Z"), at("2026-06-01T20:00:00Z"), at("2026-06-02T09:00:00Z"),
                at("2026-06-03T07:00:00Z"), at("2026-06-03T22:00:00Z"));
        ForgetDecision d = Forget.apply(s, KeepPolicy.NONE.withCount("daily", KeepPolicy.UNLIMITED), NOW);
        assertThat(times(d.keep())).extracting(OffsetDateTime::toString)
                .containsExactly("2026-06-03T22:00Z", "2026-06-02T09:00Z", "2026-06-01T20:00Z", "2026-06-01T08:00Z");
        assertThat(d.reasons()).extracting(ForgetDecision.Reason::matches).containsExactly(List.of("daily snapshot"),
                List.of("daily snapshot"), List.of("daily snapshot"), List.of("oldest daily snapshot"));
        assertThat(d.reasons().getFirst().counters().daily()).isEqualTo(-1);
        assertThat(d.remove()).extracting(x -> x.time().toString()).containsExactly("2026-06-03T07:00Z");

        // keep-daily 2: the two newest days; the count has run out before the oldest, which goes
        ForgetDecision two = Forget.apply(s, KeepPolicy.NONE.withCount("daily", 2), NOW);
        assertThat(two.keep()).hasSize(2);
        // keep-daily 5 with three days: the oldest snapshot is kept too, marked oldest
        ForgetDecision five = Forget.apply(s, KeepPolicy.NONE.withCount("daily", 5), NOW);
        assertThat(five.keep()).hasSize(4);
        assertThat(five.reasons().getLast().matches()).containsExactly("oldest daily snapshot");
        assertThat(five.reasons().getLast().counters().daily()).isEqualTo(1);
        // within spans: the oldest within the span is kept too
        ForgetDecision w = Forget.apply(s, KeepPolicy.NONE.withSpan("daily", KeepPolicy.Span.parse("1m")), NOW);
        assertThat(w.reasons().getLast().matches()).containsExactly("oldest daily within 1m");
    }

    @Test
    void calendarPeriodsAreTheSnapshotsOwnWallClockAndIsoWeeks() {
        // 23:30 at -05:00 is the next day in UTC; restic counts the day the snapshot was made in
        Snapshot a = at("2026-06-01T23:30:00-05:00");
        Snapshot b = at("2026-06-01T10:00:00-05:00");
        ForgetDecision d = Forget.apply(List.of(a, b), KeepPolicy.NONE.withCount("daily", 1), NOW);
        assertThat(d.keep()).containsExactly(a);
        assertThat(d.remove()).containsExactly(b);
        // Sunday 2026-01-04 is in ISO week 1 of 2026, as Monday 2025-12-29
        Snapshot sun = at("2026-01-04T10:00:00Z");
        Snapshot mon = at("2025-12-29T10:00:00Z");
        Snapshot prevSun = at("2025-12-28T10:00:00Z");
        ForgetDecision w = Forget.apply(List.of(sun, mon, prevSun), KeepPolicy.NONE.withCount("weekly", 2), NOW);
        assertThat(w.keep()).containsExactly(sun, prevSun);
    }

    @Test
    void spansGoBackAsGosAddDate() {
        assertThat(KeepPolicy.Span.parse("1m").before(OffsetDateTime.parse("2025-03-31T10:00:00Z")))
                .isEqualTo(Instant.parse("2025-03-03T10:00:00Z"));
        assertThat(KeepPolicy.Span.parse("1y").before(OffsetDateTime.parse("2024-02-29T10:00:00Z")))
                .isEqualTo(Instant.parse("2023-03-01T10:00:00Z"));
        assertThat(KeepPolicy.Span.parse(" 1y2m3d4h ").before(OffsetDateTime.parse("2026-06-15T12:00:00+02:00")))
                .isEqualTo(Instant.parse("2025-04-12T06:00:00Z"));
        assertThat(KeepPolicy.Span.parse("2d36h")).hasToString("2d36h");
        assertThat(KeepPolicy.Span.parse("1d1d")).isEqualTo(new KeepPolicy.Span(0, 0, 1, 0));
        assertThatThrownBy(() -> KeepPolicy.Span.parse("7w")).hasMessageContaining("invalid unit 'w'");
        assertThatThrownBy(() -> KeepPolicy.Span.parse("12")).hasMessageContaining("no unit found after number 12");
        assertThatThrownBy(() -> KeepPolicy.Span.parse("-1d")).hasMessageContaining("negative");
        assertThatThrownBy(() -> KeepPolicy.Span.parse("d")).hasMessageContaining("no number");
    }

    @Test
    void policiesDescribeThemselvesAsResticsAndTheEmptyOneKeepsNothing() {
        KeepPolicy p = KeepPolicy.NONE.withCount("last", 1).withTags(List.of("t1"));
        assertThat(p).hasToString("keep 1 latest snapshots and all snapshots with tags [[t1]]");
        assertThat(KeepPolicy.NONE.withCount("daily", 7).withCount("monthly", KeepPolicy.UNLIMITED)
                .withSpan("weekly", KeepPolicy.Span.parse("1m")).withSpan("", KeepPolicy.Span.parse("1y")))
                .hasToString("keep 7 daily, all monthly snapshots, weekly snapshots within 1m and all snapshots within 1y of the newest");
        assertThat(KeepPolicy.NONE.isEmpty()).isTrue();
        assertThat(KeepPolicy.NONE.withTags(List.of("")).isEmpty()).isFalse();
        ForgetDecision d = Forget.apply(List.of(at("2026-06-01T10:00:00Z")), KeepPolicy.NONE, NOW);
        assertThat(d.keep()).isEmpty();
        assertThat(d.remove()).hasSize(1);
        assertThatThrownBy(() -> KeepPolicy.NONE.withCount("last", -2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyKeepTagMatchesUntaggedSnapshotsOnly() {
        Snapshot untagged = at("2026-06-01T10:00:00Z");
        Snapshot tagged = at("2026-06-02T10:00:00Z", "daily");
        ForgetDecision d = Forget.apply(List.of(untagged, tagged), KeepPolicy.NONE.withTags(List.of("")), NOW);
        assertThat(d.keep()).containsExactly(untagged);
        assertThat(d.reasons().getFirst().matches()).containsExactly("has tags []");
    }

    @Test
    void groupsByAnySubsetOfHostPathsAndTags() {
        Snapshot a = new Snapshot(Id.hash(new byte[] {1}), OffsetDateTime.parse("2026-06-01T10:00:00Z"), null, Id.hash(new byte[] {1}),
                List.of("/home", "/etc"), "web1", "", 0, 0, List.of(), List.of("b", "a"), null, null, null);
        Snapshot b = new Snapshot(Id.hash(new byte[] {2}), OffsetDateTime.parse("2026-06-02T10:00:00Z"), null, Id.hash(new byte[] {1}),
                List.of("/etc", "/home"), "web2", "", 0, 0, List.of(), List.of(), null, null, null);
        assertThat(SnapshotGroupKey.group(List.of(a, b), SnapshotGroupKey.By.DEFAULT)).hasSize(2);
        assertThat(SnapshotGroupKey.group(List.of(a, b), SnapshotGroupKey.By.parse("paths")).keySet())
                .containsExactly(new SnapshotGroupKey("", List.of("/etc", "/home"), null));
        assertThat(SnapshotGroupKey.group(List.of(a, b), SnapshotGroupKey.By.parse("")).keySet())
                .containsExactly(new SnapshotGroupKey("", null, null));
        SnapshotGroupKey k = SnapshotGroupKey.of(a, SnapshotGroupKey.By.parse("host,paths,tags"));
        assertThat(k.header()).isEqualTo("snapshots for (host [web1], tags [a, b], paths [/etc, /home]):");
        assertThat(SnapshotGroupKey.of(b, SnapshotGroupKey.By.parse("tags")).tags()).isNull();
        assertThat(SnapshotGroupKey.of(b, SnapshotGroupKey.By.parse("tags")).header()).isNull();
        assertThatThrownBy(() -> SnapshotGroupKey.By.parse("host,time")).hasMessageContaining("unknown grouping option 'time'");
    }
}
