package org.lifeboat.plan;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When the service runs one kind of job for one system (issue 13's {@code schedule:}): an interval
 * ({@code 15m}, counted from the last run), a cron expression in crontab(5)'s five fields
 * ({@code "0 3 * * *"}, in the service's time zone), or {@code continuous} (backups only: on file
 * changes, debounced).
 */
public sealed interface Schedule {
    /** The smallest interval taken: a backup every second would never finish before the next. */
    Duration MIN_INTERVAL = Duration.ofSeconds(1);

    /** The longest interval taken: longer ones overflow time arithmetic and mean "never" anyway. */
    Duration MAX_INTERVAL = Duration.ofDays(3653);

    /** As written in the plan. */
    String text();

    /**
     * When the job is due: for an interval, {@code last} (the last run's start) plus the interval,
     * or {@code now} when it never ran; for cron, the first of its times after {@code last}, or
     * after {@code now} when it never ran; null for {@link Continuous}. A due time before
     * {@code now} means runs were missed (the service was down): the job runs once, at once.
     */
    Instant next(Instant last, Instant now, ZoneId zone);

    /**
     * The longest time between two runs in {@code zone} (the interval; for cron, the longest gap
     * between its times over a year from its first time after now, clock changes included), or
     * null for {@link Continuous}. Used by {@code plan validate} to warn when a backup schedule
     * cannot meet the RPO.
     */
    default Duration longestGap() {
        return longestGap(ZoneId.systemDefault(), Instant.now());
    }

    /**
     * {@link #longestGap()} for a given zone and start.
     *
     * @param zone the service's time zone: its clock changes make gaps longer or shorter
     * @param from the instant the year of times that is examined starts from
     */
    default Duration longestGap(ZoneId zone, Instant from) {
        return switch (this) {
            case Every e -> e.interval();
            case Continuous c -> null;
            case Cron c -> c.longestGapFrom(zone, from);
        };
    }

    /** Every {@code interval} after the last run; a job that never ran is due at once. */
    record Every(String text, Duration interval) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now, ZoneId zone) {
            return last == null ? now : last.plus(interval);
        }
    }

    /**
     * crontab(5) times; {@code cron} is cron-utils' parsed form. Across clock changes it does what
     * cronie does (cron(8), "Daylight Saving Time and other time changes"): a job whose minute or
     * hour field starts with {@code *} follows the clock (an hourly job runs in both passes of a
     * repeated hour, and not in a skipped one, where no time passes); a job at fixed times runs
     * once in a repeated hour, and a fixed time in a skipped hour runs at the jump.
     */
    record Cron(String text, com.cronutils.model.Cron cron) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now, ZoneId zone) {
            Instant base = last == null ? now : last;
            ExecutionTime times = ExecutionTime.forCron(cron);
            if (followsClock()) {
                return times.nextExecution(base.atZone(zone)).map(ZonedDateTime::toInstant).orElse(null);
            }
            // Fixed times: walk wall-clock times (cron-utils in UTC has no clock changes), then
            // place each in the zone; a time placed at or before the base already passed, in the
            // first pass of a repeated hour.
            LocalDateTime wall = LocalDateTime.ofInstant(base, zone);
            for (int i = 0; i < 8; i++) {
                Optional<ZonedDateTime> n = times.nextExecution(wall.atZone(ZoneOffset.UTC));
                if (n.isEmpty()) return null;
                wall = n.get().toLocalDateTime();
                Instant at = place(wall, zone);
                if (at.isAfter(base)) return at;
            }
            return null;
        }

        /** cronie's "wildcard" jobs: the minute or the hour field starts with {@code *}. */
        boolean followsClock() {
            String[] f = text.strip().split("\\s+");
            return f[0].startsWith("*") || f[1].startsWith("*");
        }

        /** A wall-clock time as an instant: in a skipped hour, the jump; in a repeated one, its first pass. */
        private static Instant place(LocalDateTime wall, ZoneId zone) {
            ZoneOffsetTransition t = zone.getRules().getTransition(wall);
            if (t != null && t.isGap()) return t.getInstant();
            return ZonedDateTime.ofLocal(wall, zone, null).toInstant();
        }

        Duration longestGapFrom(ZoneId zone, Instant from) {
            Instant t = next(null, from, zone);
            if (t == null) return Duration.ZERO;
            // The times of one day (minute and hour fields do not depend on the day): on a day
            // without a clock change the gaps inside it are those between these, so the walk
            // jumps from a day's first time to its last, and walks every time only on days that
            // have a clock change. About two steps a day: a year takes milliseconds.
            List<LocalTime> day = new ArrayList<>();
            ExecutionTime times = ExecutionTime.forCron(cron);
            LocalDate first = LocalDateTime.ofInstant(t, zone).toLocalDate();
            Optional<ZonedDateTime> w = times.nextExecution(first.atStartOfDay(ZoneOffset.UTC).minusSeconds(1));
            while (w.isPresent() && w.get().toLocalDate().equals(first) && day.size() < 1441) {
                day.add(w.get().toLocalTime());
                w = times.nextExecution(w.get());
            }
            Duration longest = Duration.ZERO;
            for (int i = 1; i < day.size(); i++) {
                Duration g = Duration.between(day.get(i - 1), day.get(i));
                if (g.compareTo(longest) > 0) longest = g;
            }
            LocalTime lastOfDay = day.isEmpty() ? null : day.get(day.size() - 1);
            Instant horizon = t.plus(Duration.ofDays(366));
            for (int steps = 0; !t.isAfter(horizon) && steps < 20_000; steps++) {
                LocalDate d = LocalDateTime.ofInstant(t, zone).toLocalDate();
                if (lastOfDay != null && !changesClock(d, zone)) {
                    Instant end = place(d.atTime(lastOfDay), zone);
                    if (end.isAfter(t)) t = end;
                }
                Instant n = next(t, t, zone);
                if (n == null) break;
                Duration g = Duration.between(t, n);
                if (g.compareTo(longest) > 0) longest = g;
                t = n;
            }
            return longest;
        }

        /** Whether the zone's offset changes on this day (or at its very end). */
        private static boolean changesClock(LocalDate d, ZoneId zone) {
            ZoneOffsetTransition t = zone.getRules().nextTransition(d.atStartOfDay(zone).toInstant().minusSeconds(1));
            return t != null && t.getInstant().isBefore(d.plusDays(1).atStartOfDay(zone).toInstant().plusSeconds(1));
        }
    }

    /** On file changes (backup of path sources only), debounced; also at least once per RPO. */
    record Continuous(String text) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now, ZoneId zone) {
            return null;
        }
    }

    /**
     * Reads a schedule as the plan writes it.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong and what to write
     */
    static Schedule parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("a schedule is empty: write an interval (15m), a cron expression"
                + " (\"0 3 * * *\") or continuous");
        if (t.equals("continuous")) return new Continuous(t);
        String every = t.startsWith("every ") ? t.substring(6).strip() : t;
        if (!every.contains(" ")) {
            Duration d = Durations.parse(every);
            if (d == null) {
                throw new IllegalArgumentException("schedule '" + t + "' is neither an interval such as 15m, 4h or 7d,"
                        + " a cron expression such as \"0 3 * * *\", nor continuous");
            }
            if (d.compareTo(MIN_INTERVAL) < 0) throw new IllegalArgumentException("schedule '" + t + "' is shorter than 1s");
            if (d.compareTo(MAX_INTERVAL) > 0) {
                throw new IllegalArgumentException("schedule '" + t + "' is longer than 10 years; give a shorter interval");
            }
            return new Every(t, d);
        }
        String[] fields = t.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("cron expression '" + t + "' has " + fields.length
                    + " fields; crontab's five are minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"");
        }
        List<String> fieldNames = List.of("minute", "hour", "day-of-month", "month", "day-of-week");
        for (int i = 0; i < 5; i++) {
            String wrong = fieldFault(i, fields[i]);
            if (wrong != null) {
                throw new IllegalArgumentException("cron expression '" + t + "' is not valid: its " + fieldNames.get(i)
                        + " field '" + fields[i] + "' " + wrong);
            }
        }
        try {
            com.cronutils.model.Cron c = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(t);
            c.validate();
            if (ExecutionTime.forCron(c).nextExecution(ZonedDateTime.now(ZoneOffset.UTC)).isEmpty()) {
                throw new IllegalArgumentException("it names a time that never comes (such as February 31st)");
            }
            return new Cron(t, c);
        } catch (IllegalArgumentException e) {
            String why = String.valueOf(e.getMessage()).replace("Failed to parse cron expression. ", "");
            throw new IllegalArgumentException("cron expression '" + t + "' is not valid: " + why);
        }
    }

    /**
     * What is wrong with one crontab(5) field, as the end of a sentence, or null when it is well
     * formed: lists of {@code *}, a value or a range, each with an optional {@code /step}; names
     * for months and days of the week.
     */
    private static String fieldFault(int field, String text) {
        int[] lo = {0, 0, 1, 1, 0};
        int[] hi = {59, 23, 31, 12, 7};
        List<String> names = field == 3
                ? List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
                : field == 4 ? List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat") : List.of();
        for (String item : text.split(",", -1)) {
            String range = item;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                String step = item.substring(slash + 1);
                if (!step.matches("[0-9]{1,4}")) return "has a step '" + step + "' that is not a number";
                if (Integer.parseInt(step) < 1) return "has a step of 0; a step is 1 or more";
                if (Integer.parseInt(step) > hi[field]) return "has a step of " + step + ", more than its largest value " + hi[field];
            }
            if (range.equals("*")) continue;
            String[] ends = range.split("-", -1);
            if (ends.length > 2 || range.isEmpty()) {
                return "is not a value (5), a range (1-5), a list (1,3), a step (*/2) or *";
            }
            int[] v = new int[ends.length];
            for (int k = 0; k < ends.length; k++) {
                String e = ends[k].toLowerCase(java.util.Locale.ROOT);
                int named = names.indexOf(e);
                if (named >= 0) {
                    v[k] = field == 3 ? named + 1 : named;
                } else if (e.matches("[0-9]{1,4}")) {
                    v[k] = Integer.parseInt(e);
                    if (v[k] < lo[field] || v[k] > hi[field]) {
                        return "has " + e + ", outside " + lo[field] + "-" + hi[field];
                    }
                } else {
                    return "has '" + ends[k] + "', which is " + (names.isEmpty() ? "not a number" : "neither a number nor a name"
                            + " such as " + names.get(1)) + "; write a value (5), a range (1-5), a list (1,3), a step (*/2) or *";
                }
            }
            if (v.length == 2 && v[0] > v[1]) return "has the range " + range + ", which runs backwards";
        }
        return null;
    }
}
