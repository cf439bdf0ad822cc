package org.lifeboat.prune;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Which snapshots of a group to keep: restic's {@code ExpirePolicy} ({@code --keep-*} options of
 * {@code forget}). A snapshot is kept when any rule matches it; {@link Forget#apply} decides.
 *
 * <p>Counts are snapshots (one per hour, day, ISO week, month or year that has snapshots, the
 * newest of each); 0 means the rule is off and {@link #UNLIMITED} (-1, restic's {@code unlimited})
 * keeps one of every such period. The spans are measured back from the newest snapshot of the
 * group that is not in the future.
 *
 * @param last          keep the newest {@code last} snapshots
 * @param hourly        keep the newest snapshot of each of the newest {@code hourly} hours that have one
 * @param daily         the same per calendar day
 * @param weekly        the same per ISO week (Monday to Sunday)
 * @param monthly       the same per calendar month
 * @param yearly        the same per calendar year
 * @param within        keep every snapshot newer than this span before the newest snapshot
 * @param withinHourly  keep the newest snapshot of each hour within this span
 * @param withinDaily   the same per day
 * @param withinWeekly  the same per ISO week
 * @param withinMonthly the same per month
 * @param withinYearly  the same per year
 * @param tags          keep snapshots that have all tags of any one list ({@code ""} in a list
 *                      matches untagged snapshots)
 */
public record KeepPolicy(int last, int hourly, int daily, int weekly, int monthly, int yearly, Span within,
                         Span withinHourly, Span withinDaily, Span withinWeekly, Span withinMonthly,
                         Span withinYearly, List<List<String>> tags) {
    /** A count that keeps one snapshot of every period (restic's {@code unlimited}). */
    public static final int UNLIMITED = -1;

    /** The empty policy: keeps nothing (refused by {@code forget} unless asked for). */
    public static final KeepPolicy NONE = new KeepPolicy(0, 0, 0, 0, 0, 0, Span.ZERO, Span.ZERO, Span.ZERO, Span.ZERO,
            Span.ZERO, Span.ZERO, List.of());

    /**
     * @throws IllegalArgumentException when a count is below -1 or a span is null or negative
     */
    public KeepPolicy {
        for (int c : new int[] {last, hourly, daily, weekly, monthly, yearly}) {
            if (c < UNLIMITED) throw new IllegalArgumentException("a keep count must be 0 or more (or unlimited), not " + c);
        }
        for (Span s : new Span[] {within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly}) {
            if (s == null) throw new IllegalArgumentException("a keep-within span is missing");
        }
        List<List<String>> t = new ArrayList<>();
        for (List<String> l : tags == null ? List.<List<String>>of() : tags) t.add(List.copyOf(l));
        tags = List.copyOf(t);
    }

    /** A copy with another count for one of restic's names: last, hourly, daily, weekly, monthly, yearly. */
    public KeepPolicy withCount(String name, int n) {
        return switch (name) {
            case "last" -> new KeepPolicy(n, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "hourly" -> new KeepPolicy(last, n, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "daily" -> new KeepPolicy(last, hourly, n, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "weekly" -> new KeepPolicy(last, hourly, daily, n, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "monthly" -> new KeepPolicy(last, hourly, daily, weekly, n, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "yearly" -> new KeepPolicy(last, hourly, daily, weekly, monthly, n, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            default -> throw new IllegalArgumentException("unknown keep count '" + name + "'");
        };
    }

    /** A copy with another span for "" (keep-within) or hourly, daily, weekly, monthly, yearly. */
    public KeepPolicy withSpan(String name, Span s) {
        return switch (name) {
            case "" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, s, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "hourly" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, s, withinDaily, withinWeekly, withinMonthly, withinYearly, tags);
            case "daily" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, withinHourly, s, withinWeekly, withinMonthly, withinYearly, tags);
            case "weekly" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, s, withinMonthly, withinYearly, tags);
            case "monthly" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, s, withinYearly, tags);
            case "yearly" -> new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, s, tags);
            default -> throw new IllegalArgumentException("unknown keep-within span '" + name + "'");
        };
    }

    /** A copy that also keeps snapshots with all tags of {@code list}. */
    public KeepPolicy withTags(List<String> list) {
        List<List<String>> t = new ArrayList<>(tags);
        t.add(list);
        return new KeepPolicy(last, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly, t);
    }

    /** True when no rule is set: such a policy would remove every snapshot. */
    public boolean isEmpty() {
        return tags.isEmpty() && last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0
                && within.isZero() && withinHourly.isZero() && withinDaily.isZero() && withinWeekly.isZero()
                && withinMonthly.isZero() && withinYearly.isZero();
    }

    /** restic's description, e.g. "keep 7 daily snapshots, all monthly snapshots and all snapshots within 1y of the newest". */
    @Override
    public String toString() {
        List<String> keeps = new ArrayList<>();
        int[] counts = {last, hourly, daily, weekly, monthly, yearly};
        String[] names = {"latest", "hourly", "daily", "weekly", "monthly", "yearly"};
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) keeps.add(counts[i] + " " + names[i]);
            else if (counts[i] == UNLIMITED) keeps.add("all " + names[i]);
        }
        List<String> keepw = new ArrayList<>();
        Span[] spans = {withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly};
        String[] per = {"hourly", "daily", "weekly", "monthly", "yearly"};
        for (int i = 0; i < spans.length; i++) {
            if (!spans[i].isZero()) keepw.add(per[i] + " snapshots within " + spans[i]);
        }
        String s = keeps.isEmpty() ? "" : String.join(", ", keeps) + " snapshots";
        if (!keepw.isEmpty()) s += (s.isEmpty() ? "" : ", ") + String.join(", ", keepw);
        if (!tags.isEmpty()) {
            List<String> lists = new ArrayList<>();
            for (List<String> l : tags) lists.add(tagList(l));
            s += (s.isEmpty() ? "" : " and ") + "all snapshots with tags [" + String.join(" ", lists) + "]";
        }
        if (!within.isZero()) s += (s.isEmpty() ? "" : " and ") + "all snapshots within " + within + " of the newest";
        return s.isEmpty() ? "remove" : "keep " + s;
    }

    /** restic's TagList text: "[a, b]". */
    static String tagList(List<String> l) {
        return "[" + String.join(", ", l) + "]";
    }

    /**
     * A span of calendar years, months, days and hours (restic's {@code Duration}, written
     * {@code 1y2m3d4h}). Going back by it from a time moves the calendar date first (a day past the
     * end of a month carries into the next, as Go's {@code AddDate}), then the hours.
     */
    public record Span(int years, int months, int days, int hours) {
        public static final Span ZERO = new Span(0, 0, 0, 0);

        /** @throws IllegalArgumentException when a part is negative */
        public Span {
            if (years < 0 || months < 0 || days < 0 || hours < 0) {
                throw new IllegalArgumentException("a keep-within span cannot be negative");
            }
        }

        /**
         * Parses restic's form: numbers each followed by y, m, d or h ("1y2m3d4h", "7d", "36h";
         * white space around it is ignored; a later part with the same unit wins, as in restic).
         *
         * @throws IllegalArgumentException naming what is wrong: no number, no unit, an unknown
         *     unit, a negative number, a number too large
         */
        public static Span parse(String text) {
            String s = text.strip();
            int[] v = new int[4];
            int i = 0;
            while (i < s.length()) {
                int start = i;
                if (s.charAt(i) == '-') {
                    throw new IllegalArgumentException("'" + text + "' has a negative number; durations containing negative values are not allowed");
                }
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
                if (i == start) throw new IllegalArgumentException("'" + text + "' is no duration: no number found at '" + s.substring(start) + "' (write e.g. 1y2m3d4h)");
                int n;
                try {
                    n = Integer.parseInt(s.substring(start, i));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' has a number too large: " + s.substring(start, i));
                }
                if (i == s.length()) throw new IllegalArgumentException("'" + text + "' is no duration: no unit found after number " + n + " (y, m, d or h)");
                switch (s.charAt(i)) {
                    case 'y' -> v[0] = n;
                    case 'm' -> v[1] = n;
                    case 'd' -> v[2] = n;
                    case 'h' -> v[3] = n;
                    default -> throw new IllegalArgumentException("'" + text + "' is no duration: invalid unit '" + s.charAt(i)
                            + "' after number " + n + " (y, m, d or h)");
                }
                i++;
            }
            return new Span(v[0], v[1], v[2], v[3]);
        }

        public boolean isZero() {
            return years == 0 && months == 0 && days == 0 && hours == 0;
        }

        /**
         * The time this span before {@code t}: its wall-clock date in its offset moved back by the
         * years, months and days as Go's {@code AddDate} (normalising, e.g. March 31 less a month is
         * March 3 or 2), then the hours subtracted.
         */
        public java.time.Instant before(OffsetDateTime t) {
            LocalDateTime l = t.toLocalDateTime();
            long month0 = (long) l.getYear() * 12 + (l.getMonthValue() - 1) - (long) years * 12 - months;
            LocalDate d = LocalDate.of((int) Math.floorDiv(month0, 12), (int) Math.floorMod(month0, 12) + 1, 1)
                    .plusDays((long) l.getDayOfMonth() - 1 - days);
            return LocalDateTime.of(d, l.toLocalTime()).toInstant(t.getOffset()).minusSeconds(3600L * hours);
        }

        /** restic's text: "1y2m3d4h", leaving out zero parts ("" for zero). */
        @Override
        public String toString() {
            return (years != 0 ? years + "y" : "") + (months != 0 ? months + "m" : "") + (days != 0 ? days + "d" : "")
                    + (hours != 0 ? hours + "h" : "");
        }
    }
}
