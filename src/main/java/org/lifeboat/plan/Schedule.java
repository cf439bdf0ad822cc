package org.lifeboat.plan;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
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
     * The longest time between two runs (the interval; for cron, the longest gap between its
     * times over the next year, from its next 400 times), or null for {@link Continuous}.
     */
    default Duration longestGap() {
        return switch (this) {
            case Every e -> e.interval();
            case Continuous c -> null;
            case Cron c -> {
                ExecutionTime times = ExecutionTime.forCron(c.cron());
                ZonedDateTime t = ZonedDateTime.now(java.time.ZoneOffset.UTC);
                Optional<ZonedDateTime> next = times.nextExecution(t);
                Duration longest = Duration.ZERO;
                for (int i = 0; i < 400 && next.isPresent(); i++) {
                    Optional<ZonedDateTime> after = times.nextExecution(next.get());
                    if (after.isEmpty()) break;
                    Duration gap = Duration.between(next.get(), after.get());
                    if (gap.compareTo(longest) > 0) longest = gap;
                    if (Duration.between(t, after.get()).toDays() > 366) break;
                    next = after;
                }
                yield longest;
            }
        };
    }

    /** Every {@code interval} after the last run; a job that never ran is due at once. */
    record Every(String text, Duration interval) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now, ZoneId zone) {
            return last == null ? now : last.plus(interval);
        }
    }

    /** crontab(5) times; {@code cron} is cron-utils' parsed form. */
    record Cron(String text, com.cronutils.model.Cron cron) implements Schedule {
        @Override
        public Instant next(Instant last, Instant now, ZoneId zone) {
            Optional<ZonedDateTime> n = ExecutionTime.forCron(cron).nextExecution((last == null ? now : last).atZone(zone));
            return n.map(ZonedDateTime::toInstant).orElse(null);
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
        try {
            com.cronutils.model.Cron c = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(t);
            c.validate();
            if (ExecutionTime.forCron(c).nextExecution(ZonedDateTime.now(java.time.ZoneOffset.UTC)).isEmpty()) {
                throw new IllegalArgumentException("it names a time that never comes (such as February 31st)");
            }
            return new Cron(t, c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cron expression '" + t + "' is not valid: " + e.getMessage());
        }
    }
}
