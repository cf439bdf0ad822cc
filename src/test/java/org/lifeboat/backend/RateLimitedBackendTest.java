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

    /**
     * A lock file is not queued behind the upload limit: while a 64 KiB pack waits a minute for
     * 1 KiB/s, a lock refresh is written at once (before, it waited behind the pack's debt, and a
     * lock removed meanwhile came back with it).
     */
    @Test
    void lockFilesPassTheLimitWhilePacksWait() throws Exception {
        LocalBackend local = new LocalBackend(dir.resolve("repo"));
        local.create();
        Backend limited = RateLimitedBackend.wrap(local, 1, 1);
        Thread pack = new Thread(() -> {
            try {
                limited.save(new Handle(FileType.DATA, "b".repeat(64)), new byte[64 * 1024]);
            } catch (java.io.IOException e) {
                // interrupted while waiting for the limit: expected at the end
            }
        });
        pack.start();
        try {
            while (pack.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();
            Handle lock = new Handle(FileType.LOCK, "c".repeat(64));
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                limited.save(lock, new byte[300]);
                assertThat(limited.load(lock)).hasSize(300);
            });
            assertThat(pack.isAlive()).as("the pack still waits for its minute").isTrue();
        } finally {
            pack.interrupt();
            pack.join();
        }
    }

    /** A wait for the limit ends when the job is cancelled (before, a 1 KiB/s read slept out its minute). */
    @Test
    void aCancelEndsAWaitForTheLimit() throws Exception {
        LocalBackend local = new LocalBackend(dir.resolve("repo"));
        local.create();
        Cancel job = new Cancel();
        Backend limited = RateLimitedBackend.wrap(local, 1, 1, job);
        java.util.concurrent.atomic.AtomicReference<Throwable> ended = new java.util.concurrent.atomic.AtomicReference<>();
        Thread pack = new Thread(() -> {
            try {
                limited.save(new Handle(FileType.DATA, "d".repeat(64)), new byte[64 * 1024]);
            } catch (Throwable t) {
                ended.set(t);
            }
        });
        pack.start();
        while (pack.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();
        job.cancel("stopped by the test");
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> pack.join());
        assertThat(ended.get()).isInstanceOf(Cancel.Cancelled.class).hasMessage("stopped by the test");
        assertThat(local.list(FileType.DATA)).as("nothing written").isEmpty();
    }

    @Test
    void backendOptionsAcceptResticsLocalConnectionsAndRejectOthersInOneSentence() {
        assertThat(BackendOptions.parse(List.of("local.connections=4")).values()).containsEntry("local.connections", "4");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("s3.regio=eu"))).hasMessageStartingWith(
                "-o s3.regio=eu: unknown option 's3.regio'; Lifeboat knows local.connections, rclone.args,");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("s3.bucket-lookup=virtual"))).hasMessage(
                "-o s3.bucket-lookup=virtual: the value of s3.bucket-lookup must be auto, dns or path");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("s3.connections=x"))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("local.connections"))).hasMessageContaining("is not of the form key=value");
        assertThatThrownBy(() -> BackendOptions.parse(List.of("local.connections=0"))).hasMessageContaining("at least 1");
    }
}
