package org.lifeboat.repository.tree;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Go time.Time semantics that restic 0.14's node JSON depends on. */
final class GoTime {
    private GoTime() {}

    /** The local time Go's time.Unix(sec, nsec) gives in the zone, after restic's FixTime. */
    static OffsetDateTime unix(long sec, int nsec, ZoneId zone) {
        Instant i = Instant.ofEpochSecond(sec, nsec);
        ZoneOffset off = zone.getRules().getOffset(i);
        OffsetDateTime t = OffsetDateTime.ofInstant(i, off);
        int y = t.getYear();
        if (y >= 0 && y <= 9999) return t;
        return fixed(t.toLocalDateTime(), y < 0 ? 0 : 9999).atZone(zone).toOffsetDateTime();
    }

    /**
     * restic's FixTime: a year below 0 becomes 0, above 9999 becomes 9999 (Go's AddDate, which
     * normalises Feb 29 of a non-leap year to Mar 1), so that Go's MarshalJSON accepts the time.
     */
    static OffsetDateTime fix(OffsetDateTime t) {
        int y = t.getYear();
        if (y >= 0 && y <= 9999) return t;
        return fixed(t.toLocalDateTime(), y < 0 ? 0 : 9999).atOffset(t.getOffset());
    }

    private static LocalDateTime fixed(LocalDateTime t, int year) {
        LocalDate d = LocalDate.of(year, t.getMonth(), 1).plusDays(t.getDayOfMonth() - 1L);
        return LocalDateTime.of(d, t.toLocalTime());
    }

    /**
     * Appends Go's RFC3339Nano rendering of t ("2006-01-02T15:04:05.999999999Z07:00"): trailing
     * fractional zeros trimmed (no fraction at all for whole seconds), "Z" for a zero offset, and
     * offsets truncated to whole minutes. null is Go's zero time.
     */
    static int format(OffsetDateTime t, byte[] b, int p) {
        if (t == null) {
            byte[] zero = ZERO;
            System.arraycopy(zero, 0, b, p, zero.length);
            return p + zero.length;
        }
        t = fix(t);
        p = digits(b, p, t.getYear(), 4);
        b[p++] = '-';
        p = digits(b, p, t.getMonthValue(), 2);
        b[p++] = '-';
        p = digits(b, p, t.getDayOfMonth(), 2);
        b[p++] = 'T';
        p = digits(b, p, t.getHour(), 2);
        b[p++] = ':';
        p = digits(b, p, t.getMinute(), 2);
        b[p++] = ':';
        p = digits(b, p, t.getSecond(), 2);
        int nano = t.getNano();
        if (nano != 0) {
            b[p++] = '.';
            int n = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                n--;
            }
            p = digits(b, p, nano, n);
        }
        int offset = t.getOffset().getTotalSeconds();
        if (offset == 0) {
            b[p++] = 'Z';
        } else {
            int zone = offset / 60; // Go drops the seconds of an offset such as LMT +00:53:28
            if (zone < 0) {
                b[p++] = '-';
                zone = -zone;
            } else {
                b[p++] = '+';
            }
            p = digits(b, p, zone / 60, 2);
            b[p++] = ':';
            p = digits(b, p, zone % 60, 2);
        }
        return p;
    }

    /** Upper bound of the bytes {@link #format} appends. */
    static final int MAX_LENGTH = 40;

    private static final byte[] ZERO = "0001-01-01T00:00:00Z".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static int digits(byte[] b, int p, int v, int width) {
        for (int i = p + width - 1; i >= p; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return p + width;
    }

    /** Parses an RFC 3339 time as Go's time.Time.UnmarshalJSON accepts it, keeping the offset. */
    static OffsetDateTime parse(String s) {
        // Trees hold three times per node and an unchanged backup reads every tree of the parent
        // snapshot: a hand-written parser for the fixed RFC 3339 shape is far cheaper than
        // DateTimeFormatter. Anything unusual falls back to the general parser.
        OffsetDateTime fast = parseFast(s);
        return fast != null ? fast : OffsetDateTime.parse(s, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", or null when s has another shape. */
    static OffsetDateTime parseFast(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) return null;
        int i = 19;
        int nano = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            int len = i - start;
            if (len == 0 || len > 9) return null;
            nano = digits(s, start, len);
            for (int k = len; k < 9; k++) nano *= 10;
        }
        java.time.ZoneOffset offset;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offset = java.time.ZoneOffset.UTC;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if ((oh | om) < 0) return null;
            int secs = oh * 3600 + om * 60;
            offset = java.time.ZoneOffset.ofTotalSeconds(s.charAt(i) == '-' ? -secs : secs);
        } else {
            return null;
        }
        try {
            return OffsetDateTime.of(year, month, day, hour, minute, second, nano, offset);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int k = from; k < from + len; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
