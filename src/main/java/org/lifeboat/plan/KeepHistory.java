package org.lifeboat.plan;

import java.time.Duration;
import org.lifeboat.prune.KeepPolicy;

/**
 * Rough estimates of what a keep policy leaves of a system backed up once per RPO, for plan
 * validate's warnings: how far back the kept snapshots reach and how many there are. Months count
 * 30 days and years 365.
 */
final class KeepHistory {
    private KeepHistory() {}

    private static final Duration[] PERIOD = {Duration.ZERO, Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(7),
            Duration.ofDays(30), Duration.ofDays(365)};

    /** How far back the kept snapshots reach; null when only keep-tag rules keep anything. */
    static Duration span(KeepPolicy p, Duration rpo) {
        Duration every = every(rpo);
        Duration best = null;
        int[] counts = counts(p);
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) continue;
            if (counts[i] == KeepPolicy.UNLIMITED) return Binder.MAX_DURATION;
            best = max(best, max(every, PERIOD[i]).multipliedBy(Math.max(0, counts[i] - 1)));
        }
        KeepPolicy.Span[] spans = {p.within(), p.withinHourly(), p.withinDaily(), p.withinWeekly(), p.withinMonthly(), p.withinYearly()};
        for (KeepPolicy.Span s : spans) if (!s.isZero()) best = max(best, length(s));
        return best;
    }

    /** About how many snapshots are kept (at least 1 when anything but tags keeps them). */
    static long points(KeepPolicy p, Duration rpo) {
        Duration every = every(rpo);
        long best = 0;
        int[] counts = counts(p);
        for (int c : counts) {
            if (c == KeepPolicy.UNLIMITED) return Long.MAX_VALUE;
            best = Math.max(best, c);
        }
        KeepPolicy.Span[] spans = {p.within(), p.withinHourly(), p.withinDaily(), p.withinWeekly(), p.withinMonthly(), p.withinYearly()};
        for (int i = 0; i < spans.length; i++) {
            if (spans[i].isZero()) continue;
            Duration step = max(every, PERIOD[i]);
            best = Math.max(best, length(spans[i]).toSeconds() / Math.max(1, step.toSeconds()) + 1);
        }
        return best;
    }

    private static int[] counts(KeepPolicy p) {
        return new int[] {p.last(), p.hourly(), p.daily(), p.weekly(), p.monthly(), p.yearly()};
    }

    private static Duration every(Duration rpo) {
        return rpo == null || rpo.isZero() ? Duration.ofHours(1) : rpo;
    }

    static Duration length(KeepPolicy.Span s) {
        return Duration.ofDays(s.years() * 365L + s.months() * 30L + s.days()).plusHours(s.hours());
    }

    private static Duration max(Duration a, Duration b) {
        if (a == null) return b;
        return a.compareTo(b) >= 0 ? a : b;
    }
}
