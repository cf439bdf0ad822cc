package org.lifeboat.service.alert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.lifeboat.repository.Json;

/**
 * One alert raised, or resolved, by {@code lifeboat serve} for one system of the recovery plan.
 *
 * <p>Its JSON form ({@link #toJson()}) is what the webhook channel posts and what an alert
 * command reads on its standard input; scripts depend on it, so its fields and names are fixed.
 *
 * @param event whether the condition started ({@link Event#ALERT}) or ended ({@link Event#RESOLVED})
 * @param kind which condition
 * @param system the name of the system in the recovery plan, e.g. {@code files}
 * @param host the host running {@code lifeboat serve} that noticed it
 * @param message one or more sentences for people, e.g. "The last backup is 26 hours old; the RPO is 24 hours."
 * @param since when the condition started (for a resolved alert too: when it had started)
 * @param details further facts for scripts, in insertion order; {@code null} means none. Values
 *     are what Jackson serialises (strings, numbers, booleans, lists, maps); {@link Instant}s are
 *     written as RFC 3339 UTC strings and other {@code java.time} values as their ISO-8601 text
 */
public record Alert(Event event, Kind kind, String system, String host, String message, Instant since,
        Map<String, Object> details) {

    /** Whether an alert starts or ends; JSON {@code "alert"} / {@code "resolved"}. */
    public enum Event {
        /** The condition started (or is still present when {@code serve} starts). */
        ALERT("alert"),
        /** The condition that was alerted on is over. */
        RESOLVED("resolved");

        private final String json;

        Event(String json) {
            this.json = json;
        }

        /**
         * The name in the JSON form.
         *
         * @return {@code "alert"} or {@code "resolved"}
         */
        public String json() {
            return json;
        }
    }

    /** The condition alerted on; JSON names in snake case, e.g. {@code "rpo_breached"}. */
    public enum Kind {
        /** The newest snapshot is older than the system's recovery point objective. */
        RPO_BREACHED("rpo_breached", "RPO breached"),
        /** A scheduled backup job failed. */
        JOB_FAILED("job_failed", "job failed"),
        /** A recovery drill failed. */
        DRILL_FAILED("drill_failed", "drill failed"),
        /** No drill passed within the plan's drill interval. */
        DRILL_OVERDUE("drill_overdue", "drill overdue"),
        /** The measured recovery time comes close to, or exceeds, the recovery time objective. */
        RTO_AT_RISK("rto_at_risk", "RTO at risk"),
        /** A backup was tagged suspicious: its changes look like ransomware (issue 14). */
        SUSPICIOUS_BACKUP("suspicious_backup", "suspicious backup");

        private final String json;
        private final String title;

        Kind(String json, String title) {
            this.json = json;
            this.title = title;
        }

        /**
         * The name in the JSON form.
         *
         * @return e.g. {@code "rpo_breached"}
         */
        public String json() {
            return json;
        }

        /**
         * A few words for people, used in {@link Alert#subject()}.
         *
         * @return e.g. "RPO breached"
         */
        public String title() {
            return title;
        }
    }

    /**
     * Checks the fields and copies {@code details}, keeping its order.
     *
     * @throws NullPointerException if any argument but {@code details} is null
     */
    public Alert {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(since, "since");
        // A copy in the caller's order (Map.copyOf would lose it and refuse null values).
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /**
     * The JSON form, exactly {@code {"event","kind","system","host","message","since","details":{…}}}
     * in that order; {@code since} is an RFC 3339 UTC timestamp to the second, e.g.
     * {@code "2025-03-01T02:00:00Z"}.
     *
     * @return a new, mutable node
     * @throws IllegalArgumentException if a detail's value cannot be serialised by Jackson
     */
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("event", event.json());
        node.put("kind", kind.json());
        node.put("system", system);
        node.put("host", host);
        node.put("message", message);
        node.put("since", rfc3339(since));
        ObjectNode d = node.putObject("details");
        details.forEach((k, v) -> d.set(k, Json.MAPPER.valueToTree(plain(v))));
        return node;
    }

    /**
     * A one-line subject for people, e.g. {@code [Lifeboat] ALERT files: RPO breached} or
     * {@code [Lifeboat] RESOLVED files: RPO breached}; line breaks and other control characters of
     * the system name become spaces so that it stays one line (a mail or HTTP header).
     *
     * @return the subject
     */
    public String subject() {
        return "[Lifeboat] " + event.name() + " " + oneLine(system) + ": " + kind.title();
    }

    /** RFC 3339 in UTC to the second: what people and scripts compare, without a fraction. */
    static String rfc3339(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }

    // The shared mapper has no java.time module: write times as text rather than fail.
    private static Object plain(Object v) {
        if (v instanceof Instant t) {
            return rfc3339(t);
        }
        if (v instanceof TemporalAccessor || v instanceof java.time.Duration || v instanceof java.time.Period) {
            return v.toString();
        }
        return v;
    }
}
