package org.lifeboat.backend;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a repository location as a backend (a small registry keyed by scheme) and stacks the
 * decorators over it, in the one place that says their order.
 *
 * <p>Locations (restic's syntax): a plain path or {@code local:/path} is a local folder; {@code
 * s3:}, {@code sftp:}, {@code rest:} and {@code rclone:} open {@link S3Backend}, {@link
 * SftpBackend}, {@link RestBackend} and {@link RcloneBackend}; restic's {@code b2:}, {@code
 * azure:}, {@code gs:} and {@code swift:} are refused with a pointer to rclone; any other scheme
 * is refused naming it.
 *
 * <p>Test and benchmark knobs, read by {@link #stack} (never for production use):
 * {@code LIFEBOAT_BACKEND_FAULTS="latency=20ms,transient=0.05,seed=7,crash-after-save=N,crash-during-save=N"}
 * injects latency and faults right above the real backend; {@code
 * LIFEBOAT_BACKEND_METRICS=/path/file.json} writes each operation's requests, bytes, errors,
 * retries and total latency (ms) to that file when the backend is closed.
 */
public final class Backends {
    private Backends() {}

    /** The environment variable that injects faults (tests and benchmarks only). */
    public static final String FAULTS_ENV = "LIFEBOAT_BACKEND_FAULTS";
    /** The environment variable naming the metrics file (tests and benchmarks only). */
    public static final String METRICS_ENV = "LIFEBOAT_BACKEND_METRICS";

    /** Schemes Lifeboat opens itself (besides local). */
    static final List<String> SUPPORTED = List.of("s3", "sftp", "rest", "rclone");

    /** Schemes restic knows that Lifeboat reaches through rclone instead. */
    static final List<String> LATER = List.of("b2", "azure", "gs", "swift");

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

    /**
     * Opens {@code location} and stacks the decorators over it ({@link #stack}).
     *
     * @throws IllegalArgumentException with one sentence (the location redacted) for a scheme
     *     that is unknown or not supported yet
     */
    public static Backend open(String location, BackendOptions options) {
        return stack(raw(location, options), options);
    }

    /** The bare backend for a location, without the stack. @throws IllegalArgumentException as {@link #open} */
    static Backend raw(String location, BackendOptions options) {
        Matcher m = SCHEME.matcher(location);
        String path = location;
        if (m.find()) {
            // Case-sensitive as restic's prefixes: LOCAL:/x is no local folder there either.
            String scheme = m.group(1);
            String spec = location.substring(m.end());
            switch (scheme) {
                case "local" -> path = spec;
                case "s3" -> { return S3Backend.open(location, spec, options); }
                case "sftp" -> { return SftpBackend.open(location, spec, options); }
                case "rest" -> { return RestBackend.open(location, spec, options); }
                case "rclone" -> { return RcloneBackend.open(location, spec, options); }
                default -> {
                    if (LATER.contains(scheme)) {
                        throw new IllegalArgumentException("repository location '" + redact(location) + "' uses the " + scheme
                                + " backend, which Lifeboat reaches through rclone (e.g. rclone:REMOTE:path with an rclone remote of type "
                                + scheme + ")");
                    }
                    throw new IllegalArgumentException("repository location '" + redact(location) + "' has the unknown scheme '"
                            + scheme + ":' (known: local:, " + String.join(":, ", SUPPORTED) + ":, and " + String.join(":, ", LATER)
                            + ": through rclone:)");
                }
            }
        }
        return new LocalBackend(Path.of(path), options.localConnections(2));
    }

    /**
     * Stacks the decorators over {@code b}, from the outside in:
     * read-only (if asked) → metrics → rate limit (if a limit is set) → concurrency limit
     * ({@code b.connections()} permits; lock files bypass it) → retry (transient faults only) →
     * fault injection (tests and benchmarks, if asked) → {@code b}.
     *
     * <p>Metrics sit above the retry so that they count calls as callers see them (with the
     * retries counted apart); the rate limit above the concurrency limit so that a wait for the
     * rate does not hold a connection; the retry below the concurrency limit so that a retried
     * request keeps its connection.
     *
     * @throws IllegalArgumentException for a malformed {@code LIFEBOAT_BACKEND_FAULTS} or faults option
     */
    public static Backend stack(Backend b, BackendOptions options) {
        return stack(b, options, System.getenv());
    }

    /** {@link #stack} with the knobs read from {@code env}. */
    static Backend stack(Backend b, BackendOptions options, Map<String, String> env) {
        String faults = options.faults() != null ? options.faults() : env.get(FAULTS_ENV);
        Path metricsFile = options.metricsFile();
        if (metricsFile == null && env.get(METRICS_ENV) != null && !env.get(METRICS_ENV).isBlank()) {
            metricsFile = Path.of(env.get(METRICS_ENV));
        }
        MetricsBackend.Meter meter = new MetricsBackend.Meter();
        Backend x = b;
        if (faults != null && !faults.isBlank()) x = new FaultInjectingBackend(x, FaultInjectingBackend.Spec.parse(faults));
        x = new RetryBackend(x, options.retry(), options.cancel(), meter, options.warn());
        x = new ConcurrencyLimitBackend(x, b.connections());
        x = RateLimitedBackend.wrap(x, options.limitDownloadKiB(), options.limitUploadKiB(), options.cancel());
        x = new MetricsBackend(x, meter, metricsFile);
        if (options.readOnly()) x = new ReadOnlyBackend(x);
        return x;
    }

    /**
     * The request figures of a stacked backend so far (e.g. how many pack reads a restore made).
     *
     * @throws IllegalArgumentException if {@code b} was not built by {@link #stack}
     */
    public static BackendMetrics metrics(Backend b) {
        MetricsBackend m = find(b, MetricsBackend.class);
        if (m == null) throw new IllegalArgumentException("backend " + b.location() + " has no metrics: it was not built by Backends.stack");
        return m.snapshot();
    }

    /** The layer of a class in a stack, or null. */
    static <T extends Backend> T find(Backend b, Class<T> type) {
        for (Backend x = b; ; ) {
            if (type.isInstance(x)) return type.cast(x);
            if (!(x instanceof ForwardingBackend f)) return null;
            x = f.inner();
        }
    }

    // The user information runs to the LAST "@" of the authority, as Go's url.Parse (restic) takes
    // it: a password may hold "@" itself ("alice:P@ss@host" is alice, "P@ss"). A password may also
    // hold "/" (then the location does not parse, but it is shown in the error): so everything up
    // to the last "@" before any query is taken for user information when it holds a ":" (a path
    // with "@" after a port is then hidden too: more hidden is the safe side).
    private static final Pattern USERINFO = Pattern.compile("(://)([^?#]*)@");
    private static final Pattern SCP_USERINFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*:)(?!//)([^/]*)@");
    private static final Pattern SECRET_PARAM = Pattern.compile(
            "([?&;][^=&#]*(?:secret|password|passwd|pass|token|key|sig|signature|credential|auth)[^=&#]*=)[^&#]*",
            Pattern.CASE_INSENSITIVE);

    /**
     * A location fit for messages and logs: the password of {@code user:password@} in a URL and
     * the values of query parameters that look secret (secret, password, token, key, signature,
     * credential, auth) become {@code ***}, as restic does for passwords.
     */
    public static String redact(String location) {
        if (location == null) return null;
        // scp-like locations (sftp:user:password@host:/path) carry user information without "//"
        Matcher scp = SCP_USERINFO.matcher(location);
        if (scp.find()) {
            String info = scp.group(2);
            int colon = info.indexOf(':');
            if (colon >= 0) location = scp.group(1) + info.substring(0, colon) + ":***@" + location.substring(scp.end());
        }
        Matcher m = USERINFO.matcher(location);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String info = m.group(2);
            int colon = info.indexOf(':');
            String shown = colon < 0 ? info : info.substring(0, colon) + ":***";
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + shown + "@"));
        }
        m.appendTail(sb);
        return SECRET_PARAM.matcher(sb).replaceAll("$1***");
    }
}
