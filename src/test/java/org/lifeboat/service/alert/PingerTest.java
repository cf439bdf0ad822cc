package org.lifeboat.service.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Healthchecks.io's three ping endpoints against a real HTTP receiver; failures return false. */
class PingerTest {
    private final Pinger pinger = new Pinger(Duration.ofSeconds(10));
    private WebhookChannelTest.Receiver receiver;

    @BeforeEach
    void start() throws IOException {
        receiver = new WebhookChannelTest.Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void startSuccessAndFailureHitTheirEndpoints() {
        URI check = receiver.url("/ping/5bf2a3c4-uuid");
        assertThat(pinger.start(check)).isTrue();
        assertThat(pinger.success(check)).isTrue();
        assertThat(pinger.failure(check, "backup of files failed: disk full")).isTrue();

        assertThat(receiver.requests).hasSize(3);
        var start = receiver.requests.get(0);
        assertThat(start.method()).isEqualTo("GET");
        assertThat(start.pathAndQuery()).isEqualTo("/ping/5bf2a3c4-uuid/start");
        var success = receiver.requests.get(1);
        assertThat(success.method()).isEqualTo("GET");
        assertThat(success.pathAndQuery()).isEqualTo("/ping/5bf2a3c4-uuid");
        var fail = receiver.requests.get(2);
        assertThat(fail.method()).isEqualTo("POST");
        assertThat(fail.pathAndQuery()).isEqualTo("/ping/5bf2a3c4-uuid/fail");
        assertThat(fail.headers().getFirst("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(fail.body()).isEqualTo("backup of files failed: disk full");
    }

    @Test
    void aQueryAndATrailingSlashAreKeptRight() {
        assertThat(pinger.start(receiver.url("/ping/key/my-slug/?create=1"))).isTrue();
        assertThat(receiver.only().pathAndQuery()).isEqualTo("/ping/key/my-slug/start?create=1");
    }

    @Test
    void aLongFailureMessageIsCutAt10000BytesOnACharacterBoundary() {
        String message = "é".repeat(6000); // 12,000 bytes of UTF-8
        assertThat(pinger.failure(receiver.url("/ping/x"), message)).isTrue();
        byte[] body = receiver.only().body().getBytes(StandardCharsets.UTF_8);
        assertThat(body).hasSize(10_000);
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("é".repeat(5000));
        assertThat(Pinger.truncate("ab€", 4)).isEqualTo("ab".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void failuresReturnFalseAndNeverThrow() throws IOException {
        receiver.status = 404;
        receiver.answer = "not found";
        assertThat(pinger.success(receiver.url("/ping/unknown"))).isFalse();
        assertThat(receiver.requests).hasSize(1);

        URI gone;
        try (var closed = new WebhookChannelTest.Receiver()) {
            gone = closed.url("/ping/x");
        }
        assertThat(pinger.start(gone)).isFalse();
        assertThat(pinger.failure(gone, null)).isFalse();
        assertThat(pinger.success(URI.create("ftp://example.com/x"))).isFalse();
    }

    @Test
    void aFailedPingSaysTheUrlWithoutSecretsAndTheReason() throws IOException {
        receiver.status = 404;
        URI base = receiver.url("/ping/5bf2a3c4-1d2e-4f5a-8b9c-0d1e2f3a4b5c");
        String at = "http://127.0.0.1:" + base.getPort();
        URI check = URI.create("http://user:s3cret@127.0.0.1:" + base.getPort()
                + "/ping/5bf2a3c4-1d2e-4f5a-8b9c-0d1e2f3a4b5c/db-nightly?rid=abc123&token=t0ps3cret");
        assertThat(pinger.tryStart(check)).contains("ping " + at
                + "/ping/5bf2…/db-nightly/start?rid=…&token=… failed: the server answered HTTP 404.");
        assertThat(pinger.trySuccess(check)).get().asString().doesNotContain("s3cret", "abc123", "5bf2a3c4-1d2e");

        URI gone;
        try (var closed = new WebhookChannelTest.Receiver()) {
            gone = closed.url("/ping/x?k=v");
        }
        assertThat(pinger.tryFailure(gone, "boom")).contains("ping http://127.0.0.1:" + gone.getPort()
                + "/ping/x/fail?k=… failed: connection refused.");
        assertThat(pinger.tryStart(URI.create("ftp://example.com/x"))).contains(
                "ping ftp://example.com/x failed: A ping URL must start with http:// or https://, not ftp://.");
        receiver.status = 200;
        assertThat(pinger.tryStart(check)).isEmpty();
    }
}
