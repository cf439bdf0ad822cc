package org.lifeboat.plan;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in plans: {@code 30s}, {@code 15m}, {@code 4h}, {@code 1d}, {@code 1h30m}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

    private Durations() {}

    /** Null when the text is not a duration. */
    public static Duration parse(String text) {
        if (text == null) return null;
        String s = text.trim();
        if (s.isEmpty()) return null;
        Matcher m = PART.matcher(s);
        Duration d = Duration.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) return null;
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return null;
            }
            try {
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(Math.multiplyExact(7, n));
                });
            } catch (ArithmeticException e) {
                return null; // "99999999999999999d" is a typo to report, not a crash
            }
            at = m.end();
        }
        return d;
    }

    /** Short and exact enough for tables: 45s, 12m 5s, 3h 20m, 2d 4h. */
    public static String format(Duration d) {
        if (d == null) return "-";
        long s = d.toSeconds();
        if (s < 0) return "-" + format(d.negated());
        if (s == 0 && d.toMillis() > 0) return d.toMillis() + "ms";
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + (s % 60 == 0 ? "" : " " + (s % 60) + "s");
        if (s < 86400) return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : " " + ((s % 3600) / 60) + "m");
        return (s / 86400) + "d" + ((s % 86400) / 3600 == 0 ? "" : " " + ((s % 86400) / 3600) + "h");
    }

    /** The plan's own notation, for round trips: 15m, 1h30m, 1d. */
    public static String toPlanText(Duration d) {
        long s = d.toSeconds();
        long ms = d.toMillisPart();
        if (s == 0 && ms == 0) return "0s";
        StringBuilder b = new StringBuilder();
        long[] units = {86400, 3600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (s >= units[i]) {
                b.append(s / units[i]).append(names[i]);
                s %= units[i];
            }
        }
        if (ms > 0) b.append(ms).append("ms"); // parse accepts ms, so the round trip must keep them
        return b.toString();
    }
}
