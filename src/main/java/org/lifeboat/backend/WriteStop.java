package org.lifeboat.backend;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Stops every repository write of this process at once, when it is interrupted (Ctrl-C, SIGTERM):
 * after {@link #stop} returns, no backend of this process creates a file, so removing the lock
 * afterwards cannot leave a pack, index or snapshot written by a process that no longer holds it.
 * Writes in progress finish first (each is a few MiB): a file is either complete or not there.
 */
public final class WriteStop {
    private static final ReentrantReadWriteLock GATE = new ReentrantReadWriteLock();
    private static volatile boolean stopped;

    private WriteStop() {}

    /**
     * Refuses every later write and waits up to {@code wait} for writes in progress to end.
     *
     * @return true if no write is in progress any more, false if one still ran after {@code wait}
     */
    public static boolean stop(Duration wait) {
        stopped = true;
        try {
            if (GATE.writeLock().tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                // Held for good: the process is ending, and a writer that slipped past the flag must wait.
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True once {@link #stop} was called. */
    public static boolean stopped() {
        return stopped;
    }

    /**
     * Enters a write: call {@link #leave()} in a finally block when it returned.
     *
     * @throws InterruptedIOException if writes are stopped
     */
    static void enter() throws InterruptedIOException {
        if (stopped) throw refused();
        GATE.readLock().lock();
        if (stopped) {
            GATE.readLock().unlock();
            throw refused();
        }
    }

    static void leave() {
        GATE.readLock().unlock();
    }

    private static InterruptedIOException refused() {
        return new InterruptedIOException("the command was interrupted; nothing more is written to the repository");
    }
}
