package org.lifeboat.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a backend is opened and stacked ({@link Backends#open}, {@link Backends#stack}): the
 * extended options given as {@code -o key=value} (restic's {@code -o}; keys are {@code
 * BACKEND.NAME} as restic's: {@code local.connections}, {@code s3.region}, {@code sftp.command}
 * and the others in {@link #KNOWN}), and the stack's settings.
 *
 * @param values           the -o options by key
 * @param readOnly         refuse every write (create, save, remove) with {@link StorageError.Denied}
 * @param limitDownloadKiB read rate limit in KiB/s (restic's --limit-download), 0 for none
 * @param limitUploadKiB   write rate limit in KiB/s (restic's --limit-upload), 0 for none
 * @param retry            how transient faults are retried
 * @param faults           fault injection for tests and benchmarks (the LIFEBOAT_BACKEND_FAULTS syntax), null for none
 * @param metricsFile      where the request figures are written as JSON when the backend is closed, null for nowhere
 * @param cancel           the job's cancel token: retries stop at once when it is cancelled
 * @param warn             told one sentence per retried request (what failed, why, the wait), as
 *                         later restic prints "… returned error, retrying after …"; null for nobody
 */
public record BackendOptions(Map<String, String> values, boolean readOnly, long limitDownloadKiB, long limitUploadKiB,
        RetryPolicy retry, String faults, java.nio.file.Path metricsFile, Cancel cancel,
        java.util.function.Consumer<String> warn) {
    /** No -o options, no limits, the default retry policy, no faults, no metrics file. */
    public static final BackendOptions DEFAULT = new BackendOptions(Map.of());

    /** @throws IllegalArgumentException for a negative rate limit */
    public BackendOptions {
        values = Map.copyOf(values);
        if (limitDownloadKiB < 0 || limitUploadKiB < 0) {
            throw new IllegalArgumentException("--limit-upload and --limit-download are rates in KiB/s and cannot be negative");
        }
        if (retry == null) retry = RetryPolicy.DEFAULT;
        if (cancel == null) cancel = Cancel.NEVER;
        if (warn == null) warn = w -> { };
    }

    /** The -o options with the stack's defaults. */
    public BackendOptions(Map<String, String> values) {
        this(values, false, 0, 0, RetryPolicy.DEFAULT, null, null, Cancel.NEVER, null);
    }

    /** These options, read-only or not. */
    public BackendOptions readOnly(boolean on) {
        return new BackendOptions(values, on, limitDownloadKiB, limitUploadKiB, retry, faults, metricsFile, cancel, warn);
    }

    /** These options with rate limits in KiB/s (0 for none). @throws IllegalArgumentException if negative */
    public BackendOptions limits(long downloadKiB, long uploadKiB) {
        return new BackendOptions(values, readOnly, downloadKiB, uploadKiB, retry, faults, metricsFile, cancel, warn);
    }

    /** These options with another retry policy. */
    public BackendOptions retry(RetryPolicy policy) {
        return new BackendOptions(values, readOnly, limitDownloadKiB, limitUploadKiB, policy, faults, metricsFile, cancel, warn);
    }

    /** These options with injected faults (for tests and benchmarks; syntax of LIFEBOAT_BACKEND_FAULTS). */
    public BackendOptions faults(String spec) {
        return new BackendOptions(values, readOnly, limitDownloadKiB, limitUploadKiB, retry, spec, metricsFile, cancel, warn);
    }

    /** These options writing metrics to {@code file} at close. */
    public BackendOptions metricsFile(java.nio.file.Path file) {
        return new BackendOptions(values, readOnly, limitDownloadKiB, limitUploadKiB, retry, faults, file, cancel, warn);
    }

    /** These options telling {@code sink} about each retried request. */
    public BackendOptions warn(java.util.function.Consumer<String> sink) {
        return new BackendOptions(values, readOnly, limitDownloadKiB, limitUploadKiB, retry, faults, metricsFile, cancel, sink);
    }

    /** These options with the job's cancel token. */
    public BackendOptions cancel(Cancel token) {
        return new BackendOptions(values, readOnly, limitDownloadKiB, limitUploadKiB, retry, faults, metricsFile, token, warn);
    }

    /** local.connections, or {@code fallback} when not given. */
    int localConnections(int fallback) {
        return connections("local", fallback);
    }

    /**
     * {@code SCHEME.connections} (restic's option of each backend: the requests in flight at
     * once), or {@code fallback} when not given.
     */
    public int connections(String scheme, int fallback) {
        String v = values.get(scheme + ".connections");
        return v == null ? fallback : Integer.parseInt(v.replaceFirst("^0+(?=.)", ""));
    }

    /** The value of an {@code -o} option, or null when not given. */
    public String value(String key) {
        return values.get(key);
    }

    private static final String COUNT = "a whole number of at least 1";

    /**
     * The keys Lifeboat knows, with what each value must be: restic's names for the same
     * options (restic's {@code -o} reference), so that restic users keep their scripts.
     */
    static final Map<String, String> KNOWN = Map.ofEntries(
            Map.entry("local.connections", COUNT),
            Map.entry("s3.connections", COUNT),
            Map.entry("s3.region", "a region name (e.g. us-east-1)"),
            Map.entry("s3.bucket-lookup", "auto, dns or path"),
            Map.entry("s3.storage-class", "an S3 storage class (e.g. STANDARD_IA)"),
            Map.entry("s3.list-objects-v1", "true or false (list with S3's ListObjects v1, for servers without v2)"),
            Map.entry("sftp.connections", COUNT),
            Map.entry("sftp.command", "a command line that starts ssh"),
            Map.entry("sftp.args", "extra ssh arguments"),
            Map.entry("rest.connections", COUNT),
            Map.entry("rclone.connections", COUNT),
            Map.entry("rclone.program", "the rclone program"),
            Map.entry("rclone.args", "the arguments rclone is run with"),
            Map.entry("rclone.timeout", "a duration such as 1m"));

    /** The largest SCHEME.connections accepted (the largest int; restic takes a uint). */
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
                throw new IllegalArgumentException("-o " + o + ": unknown option '" + key + "'; Lifeboat knows "
                        + String.join(", ", new java.util.TreeSet<>(KNOWN.keySet())));
            }
            if (key.endsWith(".connections")) {
                if (!value.matches("0*[1-9][0-9]*")) {
                    throw new IllegalArgumentException("-o " + o + ": the value of " + key + " must be " + KNOWN.get(key));
                }
                // A whole number, but beyond what a count of connections can be: say so, with the limit.
                if (value.replaceFirst("^0+", "").length() > 10 || Long.parseLong(value.replaceFirst("^0+", "")) > MAX_CONNECTIONS) {
                    throw new IllegalArgumentException("-o " + o + ": the value of " + key + " is too large (at most "
                            + MAX_CONNECTIONS + ")");
                }
            }
            if (key.equals("s3.bucket-lookup") && !value.matches("auto|dns|path")) {
                throw new IllegalArgumentException("-o " + o + ": the value of " + key + " must be " + KNOWN.get(key));
            }
            if (value.isEmpty() && !key.endsWith(".args")) {
                throw new IllegalArgumentException("-o " + o + ": the value of " + key + " is empty; it must be " + KNOWN.get(key));
            }
            if (out.put(key, value) != null) throw new IllegalArgumentException("-o " + key + " is given twice");
        }
        return new BackendOptions(Map.copyOf(out));
    }
}
