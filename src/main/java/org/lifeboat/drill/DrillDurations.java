package org.lifeboat.drill;

import java.time.Duration;
import org.lifeboat.plan.Durations;

/**
 * The one way drill output (reports, history, forecast) writes a measured time: rounded, never
 * truncated, to the precision shown. Below a minute tenths of a second (1.9s, 0.3s; below 0.05s
 * milliseconds, 40ms); below an
 * hour whole seconds (1m 5s); below a day whole minutes (2h 13m); then whole hours (3d 4h). A value
 * that rounds up to the next unit is written in it (59.96s is 1m, 59m 59.6s is 1h).
 */
public final class DrillDurations {
    private DrillDurations() {}

    /** "-" for null; negative values get a leading "-". */
    public static String format(Duration d) {
        if (d == null) return "-";
        if (d.isNegative()) return "-" + format(d.negated());
        long ms = d.toMillis();
        long tenths = Math.round(ms / 100.0);
        // A time too short for a tenth is still not nothing: "40ms exceeds the target 1ms", never "0.0s".
        if (tenths == 0 && ms > 0) return ms + "ms";
        if (tenths < 600) return tenths / 10 + "." + tenths % 10 + "s";
        long s = Math.round(ms / 1000.0);
        if (s < 3600) return Durations.format(Duration.ofSeconds(s));
        long m = Math.round(ms / 60_000.0);
        if (m < 1440) return Durations.format(Duration.ofMinutes(m));
        return Durations.format(Duration.ofHours(Math.round(ms / 3_600_000.0)));
    }
}
