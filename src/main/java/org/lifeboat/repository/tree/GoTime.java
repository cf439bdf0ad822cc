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
        return OffsetDateTime.parse(s, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
