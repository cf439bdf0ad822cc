package org.lifeboat.repository;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository's retention setting (S3 Object Lock): every file the repository writes but lock
 * files is stored so that it cannot be removed or overwritten for {@code period}, and
 * {@code lifeboat retention extend} keeps the files still in use locked. Kept in the encrypted
 * config ({@code "lifeboat_retention": {"mode": "compliance", "period": "30d"}}), so only the
 * repository's key holders can change it and restic ignores it.
 *
 * @param mode   how strict the lock is
 * @param period how long each file stays locked after it is written or extended (positive, at
 *               most {@link #MAX_PERIOD}, whole minutes)
 */
public record Retention(Mode mode, Duration period) {
    /** The longest period accepted: 100 years (36,525 days). */
    public static final Duration MAX_PERIOD = Duration.ofDays(36_525);

    /** S3 Object Lock's retention modes. */
    public enum Mode {
        /** removable before the end only by a user allowed to bypass governance retention */
        GOVERNANCE,
        /** removable by nobody, the bucket's owner included, until the end */
        COMPLIANCE;

        /** "governance" or "compliance", as in the config and on the command line. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @throws IllegalArgumentException for a missing mode or a period that {@link #parse} would refuse */
    public Retention {
        if (mode == null) throw new IllegalArgumentException("a retention needs a mode");
        String problem = periodProblem(period);
        if (problem != null) throw new IllegalArgumentException("retention period " + problem);
    }

    private static final Pattern PART = Pattern.compile("(\\d{1,9})([dhm])");

    /**
     * Parses the command line's (and the config's) pair: a mode "compliance" or "governance" (any
     * case) and a period of days, hours and minutes such as {@code 30d}, {@code 36h},
     * {@code 1d12h}, {@code 90m}.
     *
     * @throws IllegalArgumentException with one sentence naming the bad value: an unknown mode, a
     *     period that is not such a duration, zero, negative, or longer than 100 years
     */
    public static Retention parse(String mode, String period) {
        Mode m = switch (mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT)) {
            case "compliance" -> Mode.COMPLIANCE;
            case "governance" -> Mode.GOVERNANCE;
            default -> throw new IllegalArgumentException("retention mode '" + mode + "' is neither compliance nor governance");
        };
        Duration d = parsePeriod(period);
        String problem = periodProblem(d);
        if (problem != null) throw new IllegalArgumentException("retention period '" + period + "' " + problem);
        return new Retention(m, d);
    }

    /** Days, hours and minutes ("30d", "1d12h", "90m"). @throws IllegalArgumentException when it is not one */
    static Duration parsePeriod(String text) {
        String s = text == null ? "" : text.strip();
        if (s.startsWith("-")) throw new IllegalArgumentException("retention period '" + text + "' is negative; give a positive one such as 30d");
        Matcher m = PART.matcher(s);
        Duration d = Duration.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("retention period '" + text + "' is not a duration of days, hours and minutes"
                        + " such as 30d, 36h or 1d12h");
            }
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            });
            at = m.end();
        }
        if (s.isEmpty()) throw new IllegalArgumentException("retention period is empty; give one such as 30d");
        return d;
    }

    private static String periodProblem(Duration d) {
        if (d == null || d.isZero()) return "is zero; give a positive one such as 30d";
        if (d.isNegative()) return "is negative; give a positive one such as 30d";
        if (d.compareTo(MAX_PERIOD) > 0) return "is longer than 100 years";
        if (d.toSecondsPart() != 0 || d.toNanosPart() != 0) return "is not a whole number of minutes";
        return null;
    }

    /** The period as the config stores it: "30d", "1d12h", "90m". */
    public String periodText() {
        StringBuilder b = new StringBuilder();
        long days = period.toDays();
        int hours = period.toHoursPart();
        int minutes = period.toMinutesPart();
        if (days > 0) b.append(days).append('d');
        if (hours > 0) b.append(hours).append('h');
        if (minutes > 0) b.append(minutes).append('m');
        return b.toString();
    }

    /**
     * The margin of the extension rule: a quarter of the period, at most one day. An object is
     * extended once less than {@code period - slack} of its lock is left, and check reports one
     * with less than {@code period - 2 × slack} left (an extension run was missed).
     */
    public Duration slack() {
        Duration quarter = period.dividedBy(4);
        return quarter.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : quarter;
    }

    /** True when a lock ending at {@code until} (null: none) should be extended at {@code now}. */
    public boolean due(Instant until, Instant now) {
        return until == null || until.isBefore(now.plus(period).minus(slack()));
    }

    /** True when a lock ending at {@code until} (null: none) is shorter than check accepts at {@code now}. */
    public boolean tooShort(Instant until, Instant now) {
        return until == null || until.isBefore(now.plus(period).minus(slack()).minus(slack()));
    }

    /** "compliance retention of 30d", for messages. */
    @Override
    public String toString() {
        return mode.text() + " retention of " + periodText();
    }
}
