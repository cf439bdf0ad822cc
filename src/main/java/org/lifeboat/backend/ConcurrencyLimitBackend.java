package org.lifeboat.backend;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * At most {@code connections()} requests in flight at once (restic's semaphore backend). Lock
 * files bypass it: a lock refresh or release must never wait behind a queue of pack uploads, or
 * the lock could go stale while the backup still runs.
 */
final class ConcurrencyLimitBackend extends ForwardingBackend {
    private final Semaphore permits;

    ConcurrencyLimitBackend(Backend inner, int connections) {
        super(inner);
        this.permits = new Semaphore(Math.max(1, connections), true);
    }

    /** For tests: the permits, to hold them all. */
    Semaphore permits() {
        return permits;
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T limited(FileType type, Call<T> call) throws IOException {
        if (type == FileType.LOCK) return call.run();
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a free backend connection");
        }
        try {
            return call.run();
        } finally {
            permits.release();
        }
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return limited(h.type(), () -> inner.stat(h));
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        return limited(h.type(), () -> inner.exists(h));
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        limited(h.type(), () -> {
            inner.load(h, offset, length, consumer);
            return null;
        });
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        limited(h.type(), () -> {
            inner.save(h, data, offset, length, options);
            return null;
        });
    }

    @Override
    public void remove(Handle h) throws IOException {
        limited(h.type(), () -> {
            inner.remove(h);
            return null;
        });
    }

    /** The listing is collected under the permit and called back after it is released, so a callback may use the backend. */
    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        List<FileInfo> all = limited(type, () -> {
            List<FileInfo> l = new ArrayList<>();
            inner.list(type, l::add);
            return l;
        });
        all.forEach(fn);
    }
}
