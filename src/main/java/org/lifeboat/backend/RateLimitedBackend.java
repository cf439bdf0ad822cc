package org.lifeboat.backend;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.FilterInputStream;
import java.util.function.LongSupplier;

/**
 * A backend whose reads and writes are limited to a number of bytes per second each, as restic's
 * {@code --limit-download}/{@code --limit-upload} (given in KiB/s there). Reads are paced as the
 * stream is read, writes before they start, so the limit holds across all threads of a command.
 * Lock files pass unlimited (as through {@link ConcurrencyLimitBackend}): a lock refresh of a few
 * hundred bytes queued behind minutes of pack uploads would let the lock go stale, or be written
 * back after another process removed it.
 * Part of the stack built by {@link Backends#stack}; public for {@link #wrap} and its test.
 */
public final class RateLimitedBackend extends ForwardingBackend {
    private final Limiter download;
    private final Limiter upload;

    /**
     * @param downloadBytesPerSecond limit for reads in bytes per second, 0 for none
     * @param uploadBytesPerSecond limit for writes in bytes per second, 0 for none
     */
    public RateLimitedBackend(Backend inner, long downloadBytesPerSecond, long uploadBytesPerSecond) {
        this(inner, downloadBytesPerSecond, uploadBytesPerSecond, Cancel.NEVER);
    }

    /**
     * @param downloadBytesPerSecond limit for reads in bytes per second, 0 for none
     * @param uploadBytesPerSecond limit for writes in bytes per second, 0 for none
     * @param cancel the job's token: a wait for the limit ends with {@link Cancel.Cancelled} within
     *               {@link #CANCEL_CHECK_NANOS} of a cancel (at 1 KiB/s one read may owe minutes)
     */
    public RateLimitedBackend(Backend inner, long downloadBytesPerSecond, long uploadBytesPerSecond, Cancel cancel) {
        super(inner);
        this.download = downloadBytesPerSecond > 0 ? new Limiter(downloadBytesPerSecond, System::nanoTime, Limiter::sleep, cancel) : null;
        this.upload = uploadBytesPerSecond > 0 ? new Limiter(uploadBytesPerSecond, System::nanoTime, Limiter::sleep, cancel) : null;
    }

    /** Wraps {@code b} when a limit is set (KiB/s as restic's options; 0 means unlimited). */
    public static Backend wrap(Backend b, long downloadKiB, long uploadKiB) {
        return wrap(b, downloadKiB, uploadKiB, Cancel.NEVER);
    }

    /** As {@link #wrap(Backend, long, long)}, its waits ending when {@code cancel} is cancelled. */
    public static Backend wrap(Backend b, long downloadKiB, long uploadKiB, Cancel cancel) {
        if (downloadKiB <= 0 && uploadKiB <= 0) return b;
        return new RateLimitedBackend(b, downloadKiB * 1024, uploadKiB * 1024, cancel);
    }

    /** A wait for the limit looks at the job's cancel token at least this often, in nanoseconds (100 ms). */
    static final long CANCEL_CHECK_NANOS = 100_000_000L;

    /**
     * A token bucket holding at most one second of bytes: {@link #take} returns once the bytes
     * fit in the rate, sleeping for the debt. The clock and the sleep are given so that tests can
     * run it on a simulated clock.
     */
    static final class Limiter {
        interface Sleeper {
            void sleep(long nanos) throws InterruptedException;
        }

        private final long bytesPerSecond;
        private final LongSupplier clock;
        private final Sleeper sleeper;
        private final Cancel cancel;
        /** When all bytes taken so far are paid for, in clock nanoseconds. */
        private long paidUntil;

        Limiter(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
            this(bytesPerSecond, clock, sleeper, Cancel.NEVER);
        }

        Limiter(long bytesPerSecond, LongSupplier clock, Sleeper sleeper, Cancel cancel) {
            this.bytesPerSecond = bytesPerSecond;
            this.clock = clock;
            this.sleeper = sleeper;
            this.cancel = cancel;
            this.paidUntil = clock.getAsLong() - 1_000_000_000L;
        }

        static void sleep(long nanos) throws InterruptedException {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }

        /**
         * Waits until {@code bytes} more may pass.
         *
         * @throws Cancel.Cancelled if the job is cancelled while it waits
         * @throws InterruptedIOException if the thread is interrupted while it waits
         */
        void take(long bytes) throws InterruptedIOException {
            long wait;
            synchronized (this) {
                long now = clock.getAsLong();
                // A quiet spell earns at most one second of burst.
                paidUntil = Math.max(paidUntil, now - 1_000_000_000L);
                paidUntil += (long) (bytes * 1e9 / bytesPerSecond);
                wait = paidUntil - now;
            }
            try {
                // in slices, so that a cancelled job does not sleep out minutes of debt
                while (wait > 0) {
                    cancel.check();
                    long slice = Math.min(wait, CANCEL_CHECK_NANOS);
                    sleeper.sleep(slice);
                    wait -= slice;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the transfer rate limit");
            }
        }
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        if (download == null || h.type() == FileType.LOCK) {
            inner.load(h, offset, length, consumer);
            return;
        }
        inner.load(h, offset, length, in -> consumer.read(new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) download.take(1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) download.take(n);
                return n;
            }
        }));
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        if (upload != null && h.type() != FileType.LOCK) upload.take(length);
        inner.save(h, data, offset, length, options);
    }
}
