package org.lifeboat.repository;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;

/**
 * The upload stage of the save path: full packs are handed over by the threads that filled them
 * and written to the backend by a pool of {@code backend.connections()} uploaders, so chunking
 * goes on while a slow backend (S3: seconds per 16 MiB pack) stores earlier packs. At most
 * {@code connections + 1} packs are handed over and not yet stored (queued or uploading): a
 * thread that would exceed it waits, so memory stays bounded at that many pack buffers plus the
 * packs being filled. A pack's blobs reach the index only once the pack is stored; a pack that
 * fails or is dropped (cancelled) gives its blobs back ({@code dropped}) so they can be stored again.
 */
final class Uploads {
    /** What becomes of a stored pack's blobs (they join the index). */
    @FunctionalInterface
    interface Stored {
        void accept(List<PackedBlob> blobs) throws IOException;
    }

    private final Backend backend;
    private final Crypto crypto;
    private final int maxPacks;
    private final int threads;
    /** Called on an uploader thread with the blobs of a stored pack, in pack order. */
    private final Stored stored;
    /** Called with the entries of a pack that will never be stored (failure or cancel). */
    private final Consumer<List<Pack.Entry>> dropped;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> freeBuffers = new ArrayDeque<>();
    private ExecutorService pool;
    /** Packs handed over and not yet stored or dropped. */
    private int pending;
    /** Packs handed over since this stage was created (for tests and monitoring). */
    private long handedOver;
    /** The most packs ever pending at once (for tests: the memory bound held). */
    private int maxPending;
    /** Threads waiting in {@link #handOver} for room (tests, monitoring: chunking is held back). */
    private int waiting;
    /** The first upload failure not yet reported by {@link #awaitStored}. */
    private IOException failure;

    Uploads(Backend backend, Crypto crypto, Stored stored, Consumer<List<Pack.Entry>> dropped) {
        this.backend = backend;
        this.crypto = crypto;
        this.threads = Repository.workers(backend);
        this.maxPacks = threads + 1;
        this.stored = stored;
        this.dropped = dropped;
    }

    /** How many packs may be handed over and not yet stored at once. */
    int maxPacks() {
        return maxPacks;
    }

    /**
     * A pack buffer of at least {@code size} bytes (plus room for the header), recycled from a
     * stored pack when one is free: a fresh 17 MiB array per pack would land in the old generation.
     */
    byte[] takeBuffer(int size) {
        lock.lock();
        try {
            byte[] b = freeBuffers.poll();
            if (b != null && b.length >= size) return b;
        } finally {
            lock.unlock();
        }
        return new byte[size + (1 << 20)];
    }

    /**
     * Hands a full pack over to the uploaders, waiting while {@link #maxPacks()} packs are pending.
     * On an exception the pack was not taken: the caller gives its blobs back.
     *
     * @throws Cancel.Cancelled when {@code cancel} is cancelled before the pack could be taken
     * @throws IOException an earlier upload's failure (naming its pack): the save path is broken
     */
    void handOver(Packer p, boolean recycle, Cancel cancel) throws IOException {
        lock.lock();
        try {
            waitUntil(() -> pending < maxPacks, cancel);
            pending++;
            handedOver++;
            maxPending = Math.max(maxPending, pending);
            if (pool == null) {
                pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "pack-uploader");
                    t.setDaemon(true);
                    return t;
                });
            }
            pool.execute(() -> upload(p, recycle, cancel));
        } finally {
            lock.unlock();
        }
    }

    /** Waits (holding the lock) until {@code ready}, a failure or the cancel; rethrows the last two. */
    private void waitUntil(java.util.function.BooleanSupplier ready, Cancel cancel) throws IOException {
        Runnable unregister = null;
        try {
            while (failure == null && !cancel.cancelled() && !ready.getAsBoolean()) {
                if (unregister == null) unregister = cancel.onCancel(this::wake);
                waiting++;
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for pack uploads");
                } finally {
                    waiting--;
                }
            }
        } finally {
            if (unregister != null) unregister.run();
        }
        if (failure != null) throw copy(failure);
        cancel.check();
    }

    private void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Each thread gets its own exception (with its own stack), carrying the upload's as cause. */
    private static IOException copy(IOException f) {
        return new IOException(f.getMessage(), f);
    }

    /** On an uploader: finishes (header), names and stores one pack, then indexes or drops its blobs. */
    private void upload(Packer p, boolean recycle, Cancel cancel) {
        Id packId = null;
        boolean ok = false;
        try {
            // A cancelled backup drops the packs not yet started: nothing more is written.
            if (cancel.cancelled() || failed()) return;
            int len = p.finish(crypto);
            byte[] buf = p.buffer();
            packId = Id.hash(buf, 0, len);
            backend.save(new Handle(FileType.DATA, packId.hex()), buf, 0, len);
            long off = 0;
            List<PackedBlob> written = new ArrayList<>(p.count());
            for (Pack.Entry e : p.entries()) {
                written.add(new PackedBlob(e.id(), e.type(), packId, off, e.length(), e.uncompressedLength()));
                off += e.length();
            }
            stored.accept(written);
            ok = true;
        } catch (IOException | RuntimeException e) {
            String what = packId == null ? "a pack of " + p.count() + " blobs"
                    : "pack " + packId.shortHex() + " (" + new Handle(FileType.DATA, packId.hex()) + ")";
            fail(new IOException("cannot store " + what + ": " + e.getMessage(), e));
        } finally {
            if (!ok) dropped.accept(p.entries());
            lock.lock();
            try {
                if (recycle && freeBuffers.size() < maxPacks + 1) freeBuffers.push(p.buffer());
                pending--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    private void fail(IOException e) {
        lock.lock();
        try {
            if (failure == null) failure = e;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every pack handed over is stored.
     *
     * @throws IOException the first upload failure (then forgotten: the stage can be used again)
     * @throws Cancel.Cancelled when cancelled first (uploads still running complete or are dropped)
     */
    void awaitStored(Cancel cancel) throws IOException {
        lock.lock();
        try {
            // failures are waited past here: every upload must have ended before one is reported
            Runnable unregister = null;
            try {
                while (pending > 0 && !cancel.cancelled()) {
                    if (unregister == null) unregister = cancel.onCancel(this::wake);
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for pack uploads");
                    }
                }
            } finally {
                if (unregister != null) unregister.run();
            }
            cancel.check();
            IOException f = failure;
            failure = null;
            if (f != null) throw copy(f);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, not cancellable, until no upload runs (each one stored or dropped) and forgets a
     * failure: for the end of a failed or cancelled backup, before its lock is removed.
     */
    void settle() {
        lock.lock();
        try {
            boolean interrupted = false;
            while (pending > 0) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    interrupted = true; // the wait is short (uploads in flight); the interrupt is kept
                }
            }
            failure = null;
            if (interrupted) Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    long handedOver() {
        lock.lock();
        try {
            return handedOver;
        } finally {
            lock.unlock();
        }
    }

    int pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    int maxPending() {
        lock.lock();
        try {
            return maxPending;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the uploader threads once nothing is pending (after {@link #settle()}). */
    void close() {
        ExecutorService p;
        lock.lock();
        try {
            p = pool;
            pool = null;
        } finally {
            lock.unlock();
        }
        if (p != null) {
            p.shutdown();
            try {
                p.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
