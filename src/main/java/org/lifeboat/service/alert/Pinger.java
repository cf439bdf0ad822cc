package org.lifeboat.service.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reports jobs to a dead man's switch with Healthchecks.io's Pinging API
 * (https://healthchecks.io/docs/http_api/): {@code URL/start} when a job starts, {@code URL} when
 * it succeeds, {@code URL/fail} with a message when it fails. The check's URL is its own, e.g.
 * {@code https://hc-ping.com/<uuid>}; a self-hosted Healthchecks, or any service with the same
 * three endpoints, works alike.
 *
 * <p>A ping is best effort: the job's outcome never depends on it, so nothing here throws for a
 * network error or an HTTP error; each method returns whether the ping was accepted, and the
 * caller logs a {@code false}. The check itself alerts when pings stop.
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
        return ping(url, "/start", null);
    }

    /**
     * Signals that a job succeeded: {@code GET URL}.
     *
     * @param url the check's ping URL
     * @return true if the server answered 2xx; false otherwise (as {@link #start(URI)})
     */
    public boolean success(URI url) {
        return ping(url, "", null);
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
        return ping(url, "/fail", message == null ? "" : message);
    }

    private boolean ping(URI url, String suffix, String body) {
        try {
            URI target = withSuffix(WebhookChannel.checkHttp(url, "ping"), suffix);
            HttpRequest.Builder r = HttpRequest.newBuilder(target).timeout(timeout);
            if (body == null) {
                r.GET();
            } else {
                r.header("Content-Type", "text/plain; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(truncate(body, BODY_LIMIT)));
            }
            HttpResponse<Void> res = client.send(r.build(), HttpResponse.BodyHandlers.discarding());
            return res.statusCode() / 100 == 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | RuntimeException e) {
            // Best effort by contract (see the class comment): the caller logs the false.
            return false;
        }
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
