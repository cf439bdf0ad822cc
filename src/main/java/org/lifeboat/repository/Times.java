package org.lifeboat.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/** Times as Go's RFC 3339 with nanoseconds: trailing zeros of the fraction trimmed, "Z" for UTC. */
public final class Times {
    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendOffset("+HH:MM", "Z")
            .toFormatter();

    private Times() {}

    public static String format(OffsetDateTime t) {
        return RFC3339_NANO.format(t);
    }

    public static String format(Instant t) {
        return format(OffsetDateTime.ofInstant(t, ZoneId.systemDefault()));
    }

    public static OffsetDateTime parse(String s) {
        return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
