package org.lifeboat.mount;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Formats a time with a Go layout ({@code time.Format}), as restic's {@code mount --time-template}
 * takes it: the reference time {@code Mon Jan 2 15:04:05 -0700 MST 2006} written the way the result
 * should look, e.g. {@code 2006-01-02T15:04:05Z07:00} (restic's default, RFC 3339) or
 * {@code 2006-01-02_15-04-05}. Every Go element but the day of year is understood; anything else
 * is copied as is. The time keeps its own UTC offset, as Go keeps a snapshot time's zone.
 */
public final class GoTimeLayout {
    /** restic's default: Go's {@code time.RFC3339}. */
    public static final String RFC3339 = "2006-01-02T15:04:05Z07:00";

    private GoTimeLayout() {}

    /** {@code t} written in {@code layout}; never fails (unknown text is copied). */
    public static String format(OffsetDateTime t, String layout) {
        StringBuilder out = new StringBuilder(layout.length() + 8);
        int i = 0;
        int n = layout.length();
        while (i < n) {
            String rest = layout.substring(i);
            int used = element(t, rest, out, i > 0 && Character.isDigit(layout.charAt(i - 1)));
            if (used == 0) {
                out.append(layout.charAt(i));
                i++;
            } else {
                i += used;
            }
        }
        return out.toString();
    }

    /** Appends the element at the start of {@code s}; returns its length, or 0 when none starts there. */
    private static int element(OffsetDateTime t, String s, StringBuilder out, boolean afterDigit) {
        String[][] words = {{"January", "MONTH"}, {"Jan", "MON"}, {"Monday", "DAY"}, {"Mon", "DY"}, {"MST", "ZONE"},
                {"2006", "YYYY"}, {"Z07:00:00", "Z::"}, {"-07:00:00", "-::"}, {"Z070000", "Zsss"}, {"-070000", "-sss"},
                {"Z07:00", "Z:"}, {"-07:00", "-:"}, {"Z0700", "Z"}, {"-0700", "-"}, {"Z07", "Zh"}, {"-07", "-h"},
                {"002", "yday"}, {"01", "MM"}, {"02", "DD"}, {"_2", "_D"}, {"03", "hh"}, {"04", "mm"}, {"05", "ss"},
                {"06", "YY"}, {"15", "HH"}, {"PM", "PM"}, {"pm", "pm"}, {"1", "M"}, {"2", "D"}, {"3", "h"},
                {"4", "m"}, {"5", "s"}};
        for (String[] w : words) {
            if (!s.startsWith(w[0])) continue;
            switch (w[1]) {
                case "MONTH" -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case "MON" -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case "DAY" -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case "DY" -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case "ZONE" -> out.append(t.getOffset().equals(ZoneOffset.UTC) ? "UTC" : offset(t, "-", false, false));
                case "YYYY" -> pad(out, t.getYear(), 4, '0');
                case "Z::" -> out.append(offset(t, "Z", true, true));
                case "-::" -> out.append(offset(t, "-", true, true));
                case "Zsss" -> out.append(offset(t, "Z", false, true));
                case "-sss" -> out.append(offset(t, "-", false, true));
                case "Z:" -> out.append(offset(t, "Z", true, false));
                case "-:" -> out.append(offset(t, "-", true, false));
                case "Z" -> out.append(offset(t, "Z", false, false));
                case "-" -> out.append(offset(t, "-", false, false));
                case "Zh" -> out.append(hoursOnly(t, true));
                case "-h" -> out.append(hoursOnly(t, false));
                case "yday" -> pad(out, t.getDayOfYear(), 3, '0');
                case "MM" -> pad(out, t.getMonthValue(), 2, '0');
                case "DD" -> pad(out, t.getDayOfMonth(), 2, '0');
                case "_D" -> pad(out, t.getDayOfMonth(), 2, ' ');
                case "hh" -> pad(out, hour12(t), 2, '0');
                case "mm" -> pad(out, t.getMinute(), 2, '0');
                case "ss" -> {
                    pad(out, t.getSecond(), 2, '0');
                    return 2 + fraction(t, s.substring(2), out);
                }
                case "YY" -> pad(out, t.getYear() % 100, 2, '0');
                case "HH" -> pad(out, t.getHour(), 2, '0');
                case "PM" -> out.append(t.getHour() >= 12 ? "PM" : "AM");
                case "pm" -> out.append(t.getHour() >= 12 ? "pm" : "am");
                case "M" -> out.append(t.getMonthValue());
                case "D" -> out.append(t.getDayOfMonth());
                case "h" -> out.append(hour12(t));
                case "m" -> out.append(t.getMinute());
                case "s" -> {
                    out.append(t.getSecond());
                    return 1 + fraction(t, s.substring(1), out);
                }
                default -> throw new IllegalStateException(w[1]);
            }
            return w[0].length();
        }
        // a fraction not right after the seconds: Go accepts ".000" after any digit element
        if (afterDigit) return fraction(t, s, out);
        return 0;
    }

    /** ".000"/".999" (or with a comma) after seconds: fixed digits, or trailing zeros dropped; returns its length. */
    private static int fraction(OffsetDateTime t, String s, StringBuilder out) {
        if (s.length() < 2 || (s.charAt(0) != '.' && s.charAt(0) != ',')) return 0;
        char d = s.charAt(1);
        if (d != '0' && d != '9') return 0;
        int j = 1;
        while (j < s.length() && s.charAt(j) == d) j++;
        if (j < s.length() && Character.isDigit(s.charAt(j))) return 0;
        int digits = Math.min(j - 1, 9);
        String nanos = String.format("%09d", t.getNano()).substring(0, digits);
        if (d == '9') {
            nanos = nanos.replaceAll("0+$", "");
            if (nanos.isEmpty()) return j;
        }
        out.append(s.charAt(0)).append(nanos);
        return j;
    }

    private static int hour12(OffsetDateTime t) {
        int h = t.getHour() % 12;
        return h == 0 ? 12 : h;
    }

    private static String offset(OffsetDateTime t, String style, boolean colons, boolean seconds) {
        int total = t.getOffset().getTotalSeconds();
        if (total == 0 && style.equals("Z")) return "Z";
        int abs = Math.abs(total);
        String sep = colons ? ":" : "";
        String r = (total < 0 ? "-" : "+") + two(abs / 3600) + sep + two(abs / 60 % 60);
        return seconds ? r + sep + two(abs % 60) : r;
    }

    private static String hoursOnly(OffsetDateTime t, boolean z) {
        int total = t.getOffset().getTotalSeconds();
        if (total == 0 && z) return "Z";
        return (total < 0 ? "-" : "+") + two(Math.abs(total) / 3600);
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    private static void pad(StringBuilder out, int v, int width, char c) {
        String s = Integer.toString(v);
        for (int k = s.length(); k < width; k++) out.append(c);
        out.append(s);
    }
}
