package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transfer limiter on a simulated clock, and the wrapper over a real local backend. */
class RateLimitedBackendTest {
    @TempDir
    Path dir;

    /** A clock that only moves when the limiter sleeps. */
    static final class FakeClock {
        final AtomicLong now = new AtomicLong(1_000_000_000_000L);
        long slept;

        RateLimitedBackend.Limiter limiter(long bytesPerSecond) {
            return new RateLimitedBackend.Limiter(bytesPerSecond, now::get, n -> {
                slept += n;
                now.addAndGet(n);
            });
        }
    }

    @Test
    void tenSecondsOfBytesTakeNineSecondsAfterTheOneSecondBurst() throws Exception {
        FakeClock c = new FakeClock();
        RateLimitedBackend.Limiter l = c.limiter(100 * 1024);
        for (int i = 0; i < 10; i++) l.take(100 * 1024);
        assertThat(c.slept).isEqualTo(9_000_000_000L);
    }

    @Test
    void aQuietSpellEarnsAtMostOneSecondOfBurst() throws Exception {
        FakeClock c = new FakeClock();
        RateLimitedBackend.Limiter l = c.limiter(1000);
        c.now.addAndGet(60_000_000_000L); // a minute of nothing
        l.take(3000);
        assertThat(c.slept).isEqualTo(2_000_000_000L);
    }

    @Test
    void theWrapperLimitsReadsAndWritesSeparatelyAndOnlyWhenAsked() throws Exception {
        LocalBackend local = new LocalBackend(dir.resolve("repo"));
        local.create();
        assertThat(RateLimitedBackend.wrap(local, 0, 0)).isSameAs(local);
        Backend limited = RateLimitedBackend.wrap(local, 64, 0);
        assertThat(limited).isInstanceOf(RateLimitedBackend.class);
        Handle h = new Handle(FileType.KEY, "a".repeat(64));
        limited.save(h, new byte[100]);
        assertThat(limited.load(h)).hasSize(100);
        assertThat(limited.list(FileType.KEY)).hasSize(1);
    }

    @Test
    void backendOptionsAcceptResticsLocalConnectionsAndRejectOthersInOneSentence() {
        assertThat(BackendOptions.parse(List.of("local.connections=4")).values()).containsEntry("local.connections", "4");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("s3.region=eu"))).hasMessage(
                "-o s3.region=eu: unknown option 's3.region'; Lifeboat's local backend knows only local.connections");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("local.connections"))).hasMessageContaining("is not of the form key=value");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("local.connections=0"))).hasMessageContaining("at least 1");
    }
}
