package org.lifeboat.prune;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongBiFunction;
import org.lifeboat.repository.Snapshot;

/**
 * restic's {@code forget} decisions ({@code internal/data/snapshot_policy.go}, restic 0.17 and
 * later): pure functions of the snapshots, the policy and the current time; nothing is read or
 * removed here.
 */
public final class Forget {
    private Forget() {}

    /** Go's zero time, restic's "newest" when every snapshot is in the future. */
    private static final OffsetDateTime ZERO_TIME = OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    /** restic's order: newest first; equal times by ID (restic's order of those is its listing's). */
    public static final Comparator<Snapshot> NEWEST_FIRST = Comparator.comparing((Snapshot s) -> s.time().toInstant()).reversed()
            .thenComparing(s -> s.id() == null ? "" : s.id().hex());

    /**
     * Groups {@code snapshots} by {@code by} and applies {@code policy} to each group.
     *
     * @param now the current time: the spans ignore snapshots after it (they are kept, not counted as
     *            the newest)
     * @return one entry per group, in {@link SnapshotGroupKey}'s order
     */
    public static List<ForgetGroup> plan(List<Snapshot> snapshots, SnapshotGroupKey.By by, KeepPolicy policy, Instant now) {
        List<ForgetGroup> out = new ArrayList<>();
        for (Map.Entry<SnapshotGroupKey, List<Snapshot>> e : SnapshotGroupKey.group(snapshots, by).entrySet()) {
            out.add(new ForgetGroup(e.getKey(), apply(e.getValue(), policy, now)));
        }
        return out;
    }

    /**
     * Decides which snapshots of one group {@code policy} keeps (restic's {@code ApplyPolicy}). The
     * snapshots are walked newest first. A snapshot is kept when it has the tags of a keep-tag list,
     * when it is within {@code within} of the newest snapshot (the newest not after {@code now}),
     * when a count has snapshots left and it is the first of its period (the newest of its hour, day,
     * ISO week, month or year, in the offset the snapshot was recorded in), or when it is the first of
     * its period within a keep-within-* span. As restic 0.17+: when a count still has snapshots left at
     * the oldest snapshot, or a span reaches it, the oldest is kept too ("oldest daily snapshot"),
     * which keeps the longest history the policy allows. An empty policy keeps nothing.
     *
     * @param now the current time (see {@link #plan})
     */
    public static ForgetDecision apply(List<Snapshot> group, KeepPolicy p, Instant now) {
        List<Snapshot> list = new ArrayList<>(group);
        list.sort(NEWEST_FIRST);
        List<Snapshot> keep = new ArrayList<>();
        List<Snapshot> remove = new ArrayList<>();
        List<ForgetDecision.Reason> reasons = new ArrayList<>();
        if (list.isEmpty()) return new ForgetDecision(keep, remove, reasons);

        List<ToLongBiFunction<OffsetDateTime, Integer>> buckers = List.of(
                (d, nr) -> nr, Forget::ymdh, Forget::ymd, Forget::yw, Forget::ym, Forget::y);
        String[] countReason = {"last snapshot", "hourly snapshot", "daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"};
        int[] count = {p.last(), p.hourly(), p.daily(), p.weekly(), p.monthly(), p.yearly()};
        long[] lastVal = {-1, -1, -1, -1, -1, -1};

        KeepPolicy.Span[] spans = {p.withinHourly(), p.withinDaily(), p.withinWeekly(), p.withinMonthly(), p.withinYearly()};
        String[] spanReason = {"hourly within", "daily within", "weekly within", "monthly within", "yearly within"};
        long[] spanLast = {-1, -1, -1, -1, -1};

        OffsetDateTime latest = latest(list, now);
        Instant withinFrom = p.within().isZero() ? null : p.within().before(latest);
        Instant[] spanFrom = new Instant[spans.length];
        for (int i = 0; i < spans.length; i++) spanFrom[i] = spans[i].isZero() ? null : spans[i].before(latest);

        for (int nr = 0; nr < list.size(); nr++) {
            Snapshot cur = list.get(nr);
            boolean oldest = nr == list.size() - 1;
            Instant t = cur.time().toInstant();
            boolean keepIt = false;
            List<String> why = new ArrayList<>();
            // keep-tag lists are not counted
            for (List<String> l : p.tags()) {
                if (hasTags(cur, l)) {
                    keepIt = true;
                    why.add("has tags " + KeepPolicy.tagList(l));
                }
            }
            if (withinFrom != null && t.isAfter(withinFrom)) {
                keepIt = true;
                why.add("within " + p.within());
            }
            for (int i = 0; i < count.length; i++) {
                if (count[i] > 0 || count[i] == KeepPolicy.UNLIMITED) {
                    long val = buckers.get(i).applyAsLong(cur.time(), nr);
                    // the oldest snapshot is kept while a count has some left: the longest history
                    if (val != lastVal[i] || oldest) {
                        keepIt = true;
                        why.add(val == lastVal[i] ? "oldest " + countReason[i] : countReason[i]);
                        lastVal[i] = val;
                        if (count[i] > 0) count[i]--;
                    }
                }
            }
            for (int i = 0; i < spans.length; i++) {
                if (spanFrom[i] != null && t.isAfter(spanFrom[i])) {
                    long val = buckers.get(i + 1).applyAsLong(cur.time(), nr);
                    if (val != spanLast[i] || oldest) {
                        keepIt = true;
                        why.add((val == spanLast[i] ? "oldest " : "") + spanReason[i] + " " + spans[i]);
                        spanLast[i] = val;
                    }
                }
            }
            if (keepIt) {
                keep.add(cur);
                reasons.add(new ForgetDecision.Reason(cur, why,
                        new ForgetDecision.Counters(count[0], count[1], count[2], count[3], count[4], count[5])));
            } else {
                remove.add(cur);
            }
        }
        return new ForgetDecision(keep, remove, reasons);
    }

    /** The newest snapshot time before {@code now} (restic's findLatestTimestamp); Go's zero time when none. */
    static OffsetDateTime latest(List<Snapshot> list, Instant now) {
        OffsetDateTime latest = ZERO_TIME;
        for (Snapshot s : list) {
            Instant t = s.time().toInstant();
            if (t.isAfter(latest.toInstant()) && t.isBefore(now)) latest = s.time();
        }
        return latest;
    }

    /**
     * restic's {@code HasTags}: the snapshot has every tag of {@code l}; an empty tag in the list
     * matches a snapshot without tags.
     */
    public static boolean hasTags(Snapshot s, List<String> l) {
        List<String> tags = s.tags() == null ? List.of() : s.tags();
        for (String tag : l) {
            if (tag.isEmpty() && tags.isEmpty()) return true;
            if (!tags.contains(tag)) return false;
        }
        return true;
    }

    private static long ymdh(OffsetDateTime d, int nr) {
        return d.getYear() * 1_000_000L + d.getMonthValue() * 10_000L + d.getDayOfMonth() * 100L + d.getHour();
    }

    private static long ymd(OffsetDateTime d, int nr) {
        return d.getYear() * 10_000L + d.getMonthValue() * 100L + d.getDayOfMonth();
    }

    private static long yw(OffsetDateTime d, int nr) {
        return d.get(IsoFields.WEEK_BASED_YEAR) * 100L + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
    }

    private static long ym(OffsetDateTime d, int nr) {
        return d.getYear() * 100L + d.getMonthValue();
    }

    private static long y(OffsetDateTime d, int nr) {
        return d.getYear();
    }
}
