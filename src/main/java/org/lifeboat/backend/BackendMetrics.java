package org.lifeboat.backend;

import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A snapshot of a stacked backend's requests (see {@link Backends#metrics}), counted above the
 * retry layer: one request per call, however many attempts it took ({@code retries} counts those).
 *
 * @param ops the figures of each operation; every {@link Op} is present
 */
public record BackendMetrics(Map<Op, OpStats> ops) {
    /** The operations counted; {@code exists} counts as STAT. */
    public enum Op {
        LOAD, SAVE, STAT, LIST, REMOVE
    }

    /**
     * @param requests     calls made
     * @param bytes        bytes read (LOAD, including re-runs after a retry) or written (SAVE)
     * @param errors       calls that failed (after their retries)
     * @param retries      attempts repeated after a transient fault
     * @param latencyNanos total time spent in the calls, in nanoseconds
     */
    public record OpStats(long requests, long bytes, long errors, long retries, long latencyNanos) {
        /** Total latency in milliseconds. */
        public long latencyMillis() {
            return latencyNanos / 1_000_000;
        }
    }

    public BackendMetrics {
        ops = Map.copyOf(new EnumMap<>(ops));
    }

    /** The figures of one operation. */
    public OpStats op(Op op) {
        return ops.get(op);
    }

    /** {"load":{"requests":N,"bytes":N,"errors":N,"retries":N,"latency_ms":N},…} */
    public String toJson() {
        StringJoiner j = new StringJoiner(",", "{", "}\n");
        for (Op op : Op.values()) {
            OpStats s = ops.get(op);
            j.add("\"" + op.name().toLowerCase(java.util.Locale.ROOT) + "\":{\"requests\":" + s.requests() + ",\"bytes\":"
                    + s.bytes() + ",\"errors\":" + s.errors() + ",\"retries\":" + s.retries() + ",\"latency_ms\":"
                    + s.latencyMillis() + "}");
        }
        return j.toString();
    }
}
