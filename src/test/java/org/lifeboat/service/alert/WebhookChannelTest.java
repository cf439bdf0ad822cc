package org.lifeboat.service.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.Json;

/** Each webhook format against a real HTTP receiver; no secret of the URL in messages. */
class WebhookChannelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String SECRET = "/services/T0001/B0002/XyZsecretToken";

    /** A real HTTP server on 127.0.0.1 recording each request; answers {@link #status} with {@link #answer}. */
    static final class Receiver implements AutoCloseable {
        record Request(String method, String pathAndQuery, Headers headers, String body) {}

        final HttpServer server;
        final List<Request> requests = new CopyOnWriteArrayList<>();
        volatile int status = 200;
        volatile String answer = "ok";

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                // Recorded before answering: the client's send() returns only after the answer.
                requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders(),
                        new String(body, StandardCharsets.UTF_8)));
                byte[] out = answer.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            });
            server.start();
        }

        URI url(String pathAndQuery) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
        }

        Request only() {
            assertThat(requests).hasSize(1);
            return requests.getFirst();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private Receiver receiver;

    @BeforeEach
    void start() throws IOException {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void jsonPostsTheAlert() throws Exception {
        var ch = new WebhookChannel(receiver.url("/hook"), WebhookChannel.Format.JSON, TIMEOUT);
        ch.send(AlertTest.sample(Alert.Event.ALERT));
        Receiver.Request r = receiver.only();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.pathAndQuery()).isEqualTo("/hook");
        assertThat(r.headers().getFirst("Content-Type")).isEqualTo("application/json");
        JsonNode j = Json.MAPPER.readTree(r.body());
        assertThat(j.size()).isEqualTo(7);
        assertThat(j.get("event").asText()).isEqualTo("alert");
        assertThat(j.get("kind").asText()).isEqualTo("rpo_breached");
        assertThat(j.get("system").asText()).isEqualTo("files");
        assertThat(j.get("host").asText()).isEqualTo("backup1.example.com");
        assertThat(j.get("message").asText()).isEqualTo("The last backup is 26 hours old; the RPO is 24 hours.");
        assertThat(j.get("since").asText()).isEqualTo("2025-03-01T02:00:00Z");
        assertThat(j.get("details").get("rpo_hours").asInt()).isEqualTo(24);
        assertThat(j.get("details").get("last_snapshot").asText()).isEqualTo("2025-02-28T01:59:30Z");
        assertThat(j.get("details").get("repository").asText()).isEqualTo("s3:https://s3.example.com/bucket");
    }

    @Test
    void slackPostsTextWithSubjectAndMessageEscaped() throws Exception {
        var ch = new WebhookChannel(receiver.url(SECRET), WebhookChannel.Format.SLACK, TIMEOUT);
        Alert a = new Alert(Alert.Event.RESOLVED, Alert.Kind.JOB_FAILED, "db", "h1", "backup <db> & logs ok",
                java.time.Instant.EPOCH, null);
        ch.send(a);
        Receiver.Request r = receiver.only();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.pathAndQuery()).isEqualTo(SECRET);
        assertThat(r.headers().getFirst("Content-Type")).isEqualTo("application/json");
        JsonNode j = Json.MAPPER.readTree(r.body());
        assertThat(j.size()).isEqualTo(1);
        assertThat(j.get("text").asText())
                .isEqualTo("[Lifeboat] RESOLVED db: job failed\nbackup &lt;db&gt; &amp; logs ok");
    }

    @Test
    void ntfyPostsPlainTextWithPublishHeaders() throws Exception {
        URI url = URI.create("http://bob:pa%3Ass@127.0.0.1:" + receiver.server.getAddress().getPort() + "/alerts-topic");
        var ch = new WebhookChannel(url, WebhookChannel.Format.NTFY, TIMEOUT);
        ch.send(AlertTest.sample(Alert.Event.ALERT));
        Receiver.Request r = receiver.only();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.pathAndQuery()).isEqualTo("/alerts-topic");
        assertThat(r.headers().getFirst("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.headers().getFirst("Title")).isEqualTo("[Lifeboat] ALERT files: RPO breached");
        assertThat(r.headers().getFirst("Priority")).isEqualTo("high");
        assertThat(r.headers().getFirst("Tags")).isEqualTo("warning");
        assertThat(r.headers().getFirst("Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("bob:pa:ss".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.body()).isEqualTo("The last backup is 26 hours old; the RPO is 24 hours.");
        assertThat(ch.describe()).doesNotContain("bob").doesNotContain("pa").doesNotContain("alerts-topic");

        Alert resolved = new Alert(Alert.Event.RESOLVED, Alert.Kind.DRILL_FAILED, "café", "h", "ça va",
                java.time.Instant.EPOCH, null);
        ch.send(resolved);
        Receiver.Request r2 = receiver.requests.get(1);
        assertThat(r2.headers().getFirst("Priority")).isEqualTo("default");
        assertThat(r2.headers().getFirst("Tags")).isEqualTo("white_check_mark");
        String title = r2.headers().getFirst("Title");
        assertThat(title).startsWith("=?UTF-8?B?").endsWith("?=");
        assertThat(new String(Base64.getDecoder().decode(title.substring(10, title.length() - 2)), StandardCharsets.UTF_8))
                .isEqualTo("[Lifeboat] RESOLVED café: drill failed");
        assertThat(r2.body()).isEqualTo("ça va");
    }

    @Test
    void aServerErrorThrowsWithoutThePathSecret() {
        receiver.status = 500;
        receiver.answer = "no route for " + SECRET + "?token=abc";
        var ch = new WebhookChannel(receiver.url(SECRET + "?token=abc"), WebhookChannel.Format.JSON, TIMEOUT);
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("webhook http://127.0.0.1:" + receiver.server.getAddress().getPort()
                        + "/… answered HTTP 500")
                .hasMessageContaining("no route for")
                .hasMessageNotContaining("XyZsecretToken")
                .hasMessageNotContaining("token=abc");
        assertThat(receiver.requests).hasSize(1);
    }

    @Test
    void anUnreachableServerThrowsWithoutThePathSecret() throws IOException {
        URI url;
        try (Receiver gone = new Receiver()) {
            url = gone.url(SECRET);
        }
        var ch = new WebhookChannel(url, WebhookChannel.Format.SLACK, TIMEOUT);
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("webhook http://127.0.0.1:")
                .hasMessageContaining("could not be reached: connection refused")
                .hasMessageNotContaining("XyZsecretToken");
    }

    @Test
    void describeRedactsPathAndQuery() {
        assertThat(new WebhookChannel(URI.create("https://hooks.example.com" + SECRET), WebhookChannel.Format.SLACK,
                TIMEOUT).describe()).isEqualTo("webhook https://hooks.example.com/… (slack)");
        assertThat(new WebhookChannel(URI.create("https://x.example.com:8443/?k=1"), WebhookChannel.Format.JSON,
                TIMEOUT).describe()).isEqualTo("webhook https://x.example.com:8443/…");
        assertThat(new WebhookChannel(URI.create("http://x.example.com"), WebhookChannel.Format.JSON, TIMEOUT)
                .describe()).isEqualTo("webhook http://x.example.com/");
    }

    @Test
    void formatsAndUrlsAreChecked() {
        assertThat(WebhookChannel.Format.parse("json")).isEqualTo(WebhookChannel.Format.JSON);
        assertThat(WebhookChannel.Format.parse("slack")).isEqualTo(WebhookChannel.Format.SLACK);
        assertThat(WebhookChannel.Format.parse(" NTFY ")).isEqualTo(WebhookChannel.Format.NTFY);
        assertThatThrownBy(() -> WebhookChannel.Format.parse("teams"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown webhook format \"teams\": expected json, slack or ntfy.");
        assertThatThrownBy(() -> new WebhookChannel(URI.create("ftp://x.example.com/a"), WebhookChannel.Format.JSON,
                TIMEOUT)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> new WebhookChannel(URI.create("/relative"), WebhookChannel.Format.JSON, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WebhookChannel(URI.create("https://x.example.com/"), WebhookChannel.Format.JSON,
                Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
