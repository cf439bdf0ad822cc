package org.lifeboat.service.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reports jobs to a dead man's switch with Healthchecks.io's Pinging API
 * (https://healthchecks.io/docs/http_api/): {@code URL/start} when a job starts, {@code URL} when
 * it succeeds, {@code URL/fail} with a message when it fails. The check's URL is its own, e.g.
 * {@code https://hc-ping.com/<uuid>}; a self-hosted Healthchecks, or any service with the same
 * three endpoints, works alike.
 *
 * <p>A ping is best effort: the job's outcome never depends on it, so nothing here throws for a
 * network error or an HTTP error; each method returns whether the ping was accepted (the
 * {@code try} methods: why not, as a sentence naming the URL without its secrets), and the
 * caller logs a failure. The check itself alerts when pings stop.
 */
public final class Pinger {

    /**
     * The most of a failure message sent, in bytes of UTF-8: Healthchecks.io keeps the first 100 kB
     * of a ping's body (https://healthchecks.io/docs/attaching_logs/) and a self-hosted instance
     * 10,000 bytes by default (its {@code PING_BODY_LIMIT}); the start of the message is what matters.
     */
    static final int BODY_LIMIT = 10_000;

    private final Duration timeout;
    private final HttpClient client;

    /**
     * A pinger with its own HTTP client.
     *
     * @param timeout the longest wait to connect, and then for the answer, per ping
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Pinger(Duration timeout) {
        this.timeout = WebhookChannel.checkTimeout(timeout);
        this.client = WebhookChannel.client(timeout);
    }

    /**
     * Signals that a job started: {@code GET URL/start} (Healthchecks then measures its duration,
     * and alerts if no success or failure follows within the check's grace time).
     *
     * @param url the check's ping URL, without a suffix; a query (e.g. {@code ?rid=…}) is kept
     * @return true if the server answered 2xx; false on any other answer, a network error, a
     *     timeout, an interrupt (the flag is set again) or a URL that is not http(s)
     */
    public boolean start(URI url) {
        return tryStart(url).isEmpty();
    }

    /**
     * Signals that a job succeeded: {@code GET URL}.
     *
     * @param url the check's ping URL
     * @return true if the server answered 2xx; false otherwise (as {@link #start(URI)})
     */
    public boolean success(URI url) {
        return trySuccess(url).isEmpty();
    }

    /**
     * Signals that a job failed: {@code POST URL/fail} with {@code message} as a UTF-8
     * {@code text/plain} body, cut to its first {@link #BODY_LIMIT} (10,000) bytes at a character
     * boundary.
     *
     * @param url the check's ping URL
     * @param message what went wrong, for the check's log; {@code null} sends an empty body
     * @return true if the server answered 2xx; false otherwise (as {@link #start(URI)})
     */
    public boolean failure(URI url, String message) {
        return tryFailure(url, message).isEmpty();
    }

    /**
     * As {@link #start(URI)}, saying why a ping was not accepted.
     *
     * @param url the check's ping URL
     * @return empty if the server answered 2xx; else one sentence for the log naming the URL
     *     without secrets and the reason, e.g. {@code ping https://hc-ping.com/1f2e…/start?rid=…
     *     failed: HTTP 404.} (see {@link #redact(URI)})
     */
    public Optional<String> tryStart(URI url) {
        return ping(url, "/start", null);
    }

    /**
     * As {@link #success(URI)}, saying why a ping was not accepted.
     *
     * @param url the check's ping URL
     * @return empty if accepted; else a sentence (as {@link #tryStart(URI)})
     */
    public Optional<String> trySuccess(URI url) {
        return ping(url, "", null);
    }

    /**
     * As {@link #failure(URI, String)}, saying why a ping was not accepted.
     *
     * @param url the check's ping URL
     * @param message what went wrong, for the check's log; {@code null} sends an empty body
     * @return empty if accepted; else a sentence (as {@link #tryStart(URI)})
     */
    public Optional<String> tryFailure(URI url, String message) {
        return ping(url, "/fail", message == null ? "" : message);
    }

    private Optional<String> ping(URI url, String suffix, String body) {
        URI target;
        try {
            target = withSuffix(WebhookChannel.checkHttp(url, "ping"), suffix);
        } catch (RuntimeException e) {
            String shown = url == null ? "(none)" : url.getScheme() == null || url.getHost() == null ? "(unreadable)" : redact(url);
            return Optional.of("ping " + shown + " failed: " + Alert.oneLine(String.valueOf(e.getMessage())).strip());
        }
        String failed = "ping " + redact(target) + " failed: ";
        try {
            HttpRequest.Builder r = HttpRequest.newBuilder(target).timeout(timeout);
            if (body == null) {
                r.GET();
            } else {
                r.header("Content-Type", "text/plain; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(truncate(body, BODY_LIMIT)));
            }
            HttpResponse<Void> res = client.send(r.build(), HttpResponse.BodyHandlers.discarding());
            return res.statusCode() / 100 == 2 ? Optional.empty()
                    : Optional.of(failed + "the server answered HTTP " + res.statusCode() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(failed + "interrupted.");
        } catch (HttpTimeoutException e) {
            return Optional.of(failed + "no answer within " + WebhookChannel.text(timeout) + ".");
        } catch (IOException | RuntimeException e) {
            // Best effort by contract (see the class comment): the caller logs the sentence.
            return Optional.of(failed + WebhookChannel.reason(e, target) + ".");
        }
    }

    /**
     * A ping URL for the log, without its secrets: no {@code user:password@}, each query value as
     * {@code …}, and each path segment that looks like a key (20 characters or more, with a digit,
     * as a check's UUID or ping key) cut to its first 4 characters and {@code …}: whoever reads the
     * log must not be able to ping the check. E.g. {@code https://hc-ping.com/1f2e…/start?rid=…}.
     */
    static String redact(URI url) {
        StringBuilder b = new StringBuilder(url.getScheme().toLowerCase(java.util.Locale.ROOT)).append("://")
                .append(url.getHost());
        if (url.getPort() >= 0) {
            b.append(':').append(url.getPort());
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        String[] segs = path.split("/", -1);
        for (int i = 0; i < segs.length; i++) {
            String seg = segs[i];
            if (seg.length() >= 20 && seg.chars().anyMatch(Character::isDigit)) {
                segs[i] = seg.substring(0, 4) + "…";
            }
        }
        b.append(String.join("/", segs));
        String q = url.getRawQuery();
        if (q != null) {
            List<String> parts = new java.util.ArrayList<>();
            for (String kv : q.split("&", -1)) {
                int eq = kv.indexOf('=');
                parts.add(eq < 0 ? (kv.isEmpty() ? "" : "…") : kv.substring(0, eq) + "=…");
            }
            b.append('?').append(String.join("&", parts));
        }
        return b.toString();
    }

    /** {@code URL + suffix}, before any query, without doubling a trailing slash. */
    static URI withSuffix(URI url, String suffix) {
        String s = url.toString();
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int q = s.indexOf('?');
        String base = q < 0 ? s : s.substring(0, q);
        String query = q < 0 ? "" : s.substring(q);
        if (!suffix.isEmpty() && base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + suffix + query);
    }

    /** The longest prefix of {@code s} whose UTF-8 encoding fits in {@code max} bytes. */
    static byte[] truncate(String s, int max) {
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer out = ByteBuffer.allocate(Math.min(max, s.length() * 3));
        // The encoder stops before a character that does not fit whole: no cut sequence.
        enc.encode(CharBuffer.wrap(s), out, true);
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }
}
