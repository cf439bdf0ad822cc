package org.lifeboat.backend;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.lifeboat.backend.BackendMetrics.Op;

/**
 * Retries {@link StorageError.Transient} faults with exponential backoff and jitter, within the
 * policy's attempts and total time; never NotFound, BadRange, AlreadyExists, Denied or any other
 * IOException. A load runs its consumer again from the range's start; a listing skips the files
 * it already called back for (so each is reported once); a save that finds its file already
 * there after an earlier attempt failed took effect then (content-addressed names, atomic saves)
 * and counts as done when the stored bytes are the same. No retry is made once the thread is
 * interrupted or the job is cancelled, and a wait for one ends at once then; the first attempt
 * always runs, so that a lock can still be released after a cancel.
 */
final class RetryBackend extends ForwardingBackend {
    private final RetryPolicy policy;
    private final Cancel cancel;
    private final MetricsBackend.Meter meter;

    private final java.util.function.Consumer<String> warn;

    RetryBackend(Backend inner, RetryPolicy policy, Cancel cancel, MetricsBackend.Meter meter) {
        this(inner, policy, cancel, meter, w -> { });
    }

    /** @param warn told one sentence per retry (what failed, why, the wait), as later restic prints them */
    RetryBackend(Backend inner, RetryPolicy policy, Cancel cancel, MetricsBackend.Meter meter, java.util.function.Consumer<String> warn) {
        super(inner);
        this.policy = policy;
        this.cancel = cancel;
        this.meter = meter;
        this.warn = warn;
    }

    private interface Call<T> {
        T run(int attempt) throws IOException;
    }

    private <T> T retry(Op op, Handle h, Call<T> call) throws IOException {
        long deadline = System.nanoTime() + policy.total().toNanos();
        for (int attempt = 1; ; attempt++) {
            // The first attempt always goes through (the backend decides): releasing a lock after
            // a cancel or on an interrupted thread must still work. Only retries are stopped.
            if (attempt > 1) stopIfCancelled();
            IOException failure;
            try {
                return call.run(attempt);
            } catch (NotRetried e) {
                throw (IOException) e.getCause();
            } catch (IOException e) {
                failure = e;
            }
            if (!(failure instanceof StorageError se)) throw failure;
            boolean transientFault = switch (se) {
                case StorageError.Transient t -> true;
                case StorageError.NotFound n -> false;
                case StorageError.BadRange b -> false;
                case StorageError.AlreadyExists a -> false;
                case StorageError.Denied d -> false;
                case StorageError.NotAFile n -> false;
            };
            if (!transientFault || attempt >= policy.attempts()) throw failure;
            long wait = policy.waitNanos(attempt);
            wait = wait / 2 + (wait > 1 ? ThreadLocalRandom.current().nextLong(wait / 2 + 1) : 0);
            if (System.nanoTime() + wait > deadline) throw failure;
            stopIfCancelled();
            if (meter != null) meter.retry(op);
            warn.accept(op.name().toLowerCase(java.util.Locale.ROOT) + " of " + h + " failed (" + failure.getMessage()
                    + "); retrying in " + (wait >= 1_000_000_000L ? String.format(java.util.Locale.ROOT, "%.1f s", wait / 1e9)
                    : (wait / 1_000_000) + " ms") + " (attempt " + (attempt + 1) + " of " + policy.attempts() + ")");
            pause(wait, failure, h);
        }
    }

    private void stopIfCancelled() throws IOException {
        cancel.check();
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted; the backend request was not retried");
        }
    }

    /** Waits, waking at once on cancel or interrupt. */
    private void pause(long nanos, IOException last, Handle h) throws IOException {
        Thread self = Thread.currentThread();
        Runnable undo = cancel.onCancel(() -> LockSupport.unpark(self));
        try {
            long end = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
                stopIfCancelled();
            }
        } finally {
            undo.run();
        }
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return retry(Op.STAT, h, a -> inner.stat(h));
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        return retry(Op.STAT, h, a -> inner.exists(h));
    }

    /**
     * {@inheritDoc} Only faults of this backend's stream are retried: a failure the consumer
     * throws on its own (not passed on from a read of the stream) goes to the caller unchanged.
     */
    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        retry(Op.LOAD, h, a -> {
            IOException[] fromStream = new IOException[1];
            IOException[] own = new IOException[1];
            try {
                inner.load(h, offset, length, in -> {
                    try {
                        consumer.read(new FilterInputStream(in) {
                            @Override
                            public int read() throws IOException {
                                try {
                                    return super.read();
                                } catch (IOException e) {
                                    throw fromStream[0] = e;
                                }
                            }

                            @Override
                            public int read(byte[] b, int off, int len) throws IOException {
                                try {
                                    return super.read(b, off, len);
                                } catch (IOException e) {
                                    throw fromStream[0] = e;
                                }
                            }
                        });
                    } catch (IOException e) {
                        if (e != fromStream[0]) own[0] = e;
                        throw e;
                    }
                });
            } catch (IOException e) {
                if (e == own[0]) throw new NotRetried(e);
                throw e;
            }
            return null;
        });
    }

    /** Carries a failure that must reach the caller without a retry. */
    private static final class NotRetried extends IOException {
        private static final long serialVersionUID = 1L;

        NotRetried(IOException e) {
            super(e);
        }
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        retry(Op.SAVE, h, attempt -> {
            try {
                inner.save(h, data, offset, length, options);
            } catch (StorageError.AlreadyExists e) {
                // An earlier attempt may have written it before its reply was lost: done if the
                // stored bytes are ours (rare, so reading them back is affordable).
                if (attempt == 1 || !holds(h, data, offset, length)) throw e;
            }
            return null;
        });
    }

    /** True if the stored file is exactly these bytes. */
    private boolean holds(Handle h, byte[] data, int offset, int length) throws IOException {
        if (inner.stat(h).size() != length) return false;
        boolean[] same = new boolean[1];
        inner.load(h, 0, 0, in -> same[0] = java.util.Arrays.equals(in.readAllBytes(), 0, length, data, offset, offset + length));
        return same[0];
    }

    @Override
    public void remove(Handle h) throws IOException {
        retry(Op.REMOVE, h, a -> {
            inner.remove(h);
            return null;
        });
    }

    @Override
    public void checkRemovals(FileType type) throws IOException {
        // the handle only names the request in a retry's warning: the probe deletes a file no repository holds
        retry(Op.REMOVE, new Handle(type, "0".repeat(64)), a -> {
            inner.checkRemovals(type);
            return null;
        });
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        // by place, not name: a second file with a pack's name in another data/ folder is listed too
        Set<String> seen = ConcurrentHashMap.newKeySet();
        retry(Op.LIST, null, a -> {
            inner.list(type, f -> {
                if (seen.add(f.misplaced() ? f.foundAt() : f.name())) fn.accept(f);
            });
            return null;
        });
    }
}
