package org.lifeboat.service.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import org.lifeboat.repository.Json;

/**
 * Posts alerts to an HTTP(S) URL, in Lifeboat's JSON, Slack's or ntfy's format.
 *
 * <p>The URL's path and query are treated as secrets (a Slack incoming webhook's path is its
 * credential, an ntfy topic is a password): {@link #describe()} and error messages show only the
 * scheme, host and port. Credentials in the URL ({@code https://user:password@ntfy.example.com/topic})
 * are sent as HTTP Basic authentication (RFC 7617), as ntfy's access control accepts, never in the
 * request line.
 */
public final class WebhookChannel implements AlertChannel {

    /** What the body looks like. */
    public enum Format {
        /** {@link Alert#toJson()} as {@code application/json}. */
        JSON,
        /**
         * A Slack incoming webhook: {@code {"text": "<subject>\n<message>"}} with {@code &}, {@code <}
         * and {@code >} escaped as Slack's "Formatting text" reference requires
         * (https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/surfaces/formatting#escaping).
         */
        SLACK,
        /**
         * ntfy: the message as a {@code text/plain} body with the {@code Title}, {@code Priority}
         * and {@code Tags} headers of ntfy's publish API (https://docs.ntfy.sh/publish/); a title
         * that is not printable ASCII is sent RFC 2047 encoded, which ntfy decodes since 2.4.0.
         */
        NTFY;

        /**
         * Reads a format as written in the configuration.
         *
         * @param s {@code json}, {@code slack} or {@code ntfy} (case-insensitive, surrounding spaces ignored)
         * @return the format
         * @throws IllegalArgumentException if {@code s} is null or another word
         */
        public static Format parse(String s) {
            String w = s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
            return switch (w) {
                case "json" -> JSON;
                case "slack" -> SLACK;
                case "ntfy" -> NTFY;
                default -> throw new IllegalArgumentException(
                        "Unknown webhook format \"" + s + "\": expected json, slack or ntfy.");
            };
        }
    }

    private final URI url;
    private final URI target;
    private final String authorization;
    private final Format format;
    private final Duration timeout;
    private final String redacted;
    private final HttpClient client;

    /**
     * A channel posting to {@code url}.
     *
     * @param url an {@code http} or {@code https} URL with a host
     * @param format the body's format
     * @param timeout the longest wait to connect, and then for the answer's status line and headers
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the URL is not an absolute http(s) URL with a host, or the
     *     timeout is not positive
     */
    public WebhookChannel(URI url, Format format, Duration timeout) {
        this.url = checkHttp(url, "webhook");
        this.format = Objects.requireNonNull(format, "format");
        this.timeout = checkTimeout(timeout);
        this.redacted = redact(url);
        String userInfo = url.getRawUserInfo();
        if (userInfo == null) {
            target = url;
            authorization = null;
        } else {
            target = URI.create(url.toString().replaceFirst(
                    java.util.regex.Pattern.quote("//" + userInfo + "@"), "//"));
            authorization = "Basic " + Base64.getEncoder()
                    .encodeToString(url.getUserInfo().getBytes(StandardCharsets.UTF_8));
        }
        this.client = client(timeout);
    }

    /** @return {@code webhook <scheme>://<host>[:port]/…} ({@code /…} when the URL has a path or query) */
    @Override
    public String describe() {
        return "webhook " + redacted + (format == Format.JSON ? "" : " (" + format.name().toLowerCase(Locale.ROOT) + ")");
    }

    /**
     * Posts the alert and waits for the answer (at most the timeout).
     *
     * @throws IOException if the server cannot be reached, does not answer within the timeout, or
     *     answers with a status other than 2xx ("webhook https://host/… answered HTTP 500: …");
     *     {@link InterruptedIOException} if the thread is interrupted (its flag is set again)
     */
    @Override
    public void send(Alert a) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(target).timeout(timeout);
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        switch (format) {
            case JSON -> r.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json(a.toJson()), StandardCharsets.UTF_8));
            case SLACK -> {
                var body = Json.MAPPER.createObjectNode()
                        .put("text", slackEscape(a.subject() + "\n" + a.message()));
                r.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json(body), StandardCharsets.UTF_8));
            }
            case NTFY -> {
                boolean alert = a.event() == Alert.Event.ALERT;
                r.header("Content-Type", "text/plain; charset=utf-8")
                        .header("Title", headerText(a.subject()))
                        .header("Priority", alert ? "high" : "default")
                        .header("Tags", alert ? "warning" : "white_check_mark")
                        .POST(HttpRequest.BodyPublishers.ofString(a.message(), StandardCharsets.UTF_8));
            }
        }
        int status;
        String answer;
        try {
            HttpResponse<InputStream> res = client.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = res.statusCode();
            try (InputStream in = res.body()) {
                // Enough of the body to show Slack's "invalid_payload" or "no_service", no more.
                answer = status / 100 == 2 ? "" : new String(in.readNBytes(512), StandardCharsets.UTF_8);
            }
        } catch (HttpTimeoutException e) {
            throw new IOException("webhook " + redacted + " did not answer within " + text(timeout) + ".", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while posting to webhook " + redacted);
        } catch (IOException e) {
            throw new IOException("webhook " + redacted + " could not be reached: " + reason(e, url) + ".", e);
        }
        if (status / 100 != 2) {
            String detail = scrub(Alert.oneLine(answer).strip(), url);
            throw new IOException("webhook " + redacted + " answered HTTP " + status
                    + (detail.isEmpty() ? "" : ": " + cut(detail, 200)));
        }
    }

    // ---- helpers shared by the package's HTTP clients (Pinger) and messages ----

    static URI checkHttp(URI url, String what) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("A " + what + " URL must start with http:// or https://"
                    + (scheme.isEmpty() ? "." : ", not " + scheme + "://."));
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("A " + what + " URL needs a host name, as in https://host/path.");
        }
        return url;
    }

    static Duration checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A timeout must be positive, not " + timeout + ".");
        }
        return timeout;
    }

    // HTTP/1.1: no h2c upgrade attempt on http:// URLs, which some small receivers mishandle.
    static HttpClient client(Duration timeout) {
        return HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code scheme://host[:port]}, then {@code /…} if anything followed: paths and queries hold secrets. */
    static String redact(URI url) {
        String s = url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getHost()
                + (url.getPort() >= 0 ? ":" + url.getPort() : "");
        String path = url.getRawPath();
        boolean more = (path != null && !path.isEmpty() && !path.equals("/")) || url.getRawQuery() != null;
        return s + (more ? "/…" : "/");
    }

    /** The first message in the cause chain (JDK network errors often have none), without the URL's secrets. */
    static String reason(Throwable e, URI url) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return scrub(Alert.oneLine(t.getMessage()).strip(), url);
            }
        }
        // The JDK's HttpClient throws a bare ConnectException when the port is closed.
        return e instanceof java.net.ConnectException || e.getCause() instanceof java.net.ConnectException
                ? "connection refused" : e.getClass().getSimpleName();
    }

    static String scrub(String s, URI url) {
        String out = s;
        for (String secret : new String[] {url.getRawUserInfo(), url.getUserInfo(), url.getRawPath(),
                url.getPath(), url.getRawQuery(), url.getQuery()}) {
            if (secret != null && secret.length() > 1) {
                out = out.replace(secret, "/…");
            }
        }
        return out;
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** A duration for messages: {@code 60s}, {@code 1.5s}, {@code 250ms}. */
    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    private static String json(Object node) throws IOException {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IOException("Could not write the alert as JSON: " + e.getOriginalMessage() + ".", e);
        }
    }

    static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Header-safe text: printable ASCII as is, else an RFC 2047 encoded word (UTF-8, base64). */
    static String headerText(String s) {
        boolean ascii = s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return ascii ? s : "=?UTF-8?B?" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)) + "?=";
    }
}
