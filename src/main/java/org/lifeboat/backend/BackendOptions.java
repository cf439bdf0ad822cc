package org.lifeboat.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extended backend options given as {@code -o key=value}, as restic's {@code -o}. Keys are
 * {@code BACKEND.NAME}; Lifeboat's only backend is the local one, whose option is restic's
 * {@code local.connections} (accepted and checked; local reads and writes use Lifeboat's own
 * parallelism, so it changes nothing here).
 *
 * @param values the options by key, in the order given
 */
public record BackendOptions(Map<String, String> values) {
    /** The keys Lifeboat knows, with what each value must be. */
    static final Map<String, String> KNOWN = Map.of("local.connections", "a whole number of at least 1");

    /** The largest local.connections accepted (the largest int; restic takes a uint). */
    static final long MAX_CONNECTIONS = Integer.MAX_VALUE;

    /**
     * Parses {@code -o} values.
     *
     * @throws IllegalArgumentException with one sentence naming the option: not key=value, an
     *     unknown key (the known ones are listed), a bad value, or a key given twice
     */
    public static BackendOptions parse(List<String> options) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("-o '" + o + "' is not of the form key=value (e.g. -o local.connections=4)");
            String key = o.substring(0, eq).strip();
            String value = o.substring(eq + 1).strip();
            if (!KNOWN.containsKey(key)) {
                throw new IllegalArgumentException("-o " + o + ": unknown option '" + key + "'; Lifeboat's local backend knows only "
                        + String.join(", ", KNOWN.keySet()));
            }
            if (key.equals("local.connections")) {
                if (!value.matches("0*[1-9][0-9]*")) {
                    throw new IllegalArgumentException("-o " + o + ": the value of " + key + " must be " + KNOWN.get(key));
                }
                // A whole number, but beyond what a count of connections can be: say so, with the limit.
                if (value.replaceFirst("^0+", "").length() > 10 || Long.parseLong(value.replaceFirst("^0+", "")) > MAX_CONNECTIONS) {
                    throw new IllegalArgumentException("-o " + o + ": the value of " + key + " is too large (at most "
                            + MAX_CONNECTIONS + ")");
                }
            }
            if (out.put(key, value) != null) throw new IllegalArgumentException("-o " + key + " is given twice");
        }
        return new BackendOptions(Map.copyOf(out));
    }
}
