package org.lifeboat.repository;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.WriteStop;

/**
 * A held lock: refreshed every five minutes in the background, removed on close. As restic 0.16+
 * does, a lock that cannot be kept cancels the job holding it (its {@link Cancel} token): when the
 * lock file was removed behind this process's back (another host's 'unlock --remove-all'), or when
 * refreshing failed for so long that others would soon take it for stale (after 22.5 of the 30
 * minutes). A job that went on without its lock could see its new data removed by a concurrent
 * prune. Every lock this process holds is also known to {@link #releaseAll()}, the fallback of an
 * interrupted process whose command did not unwind in time.
 */
public final class RepositoryLock implements AutoCloseable {
    /** The locks of this process not yet released. */
    private static final Set<RepositoryLock> HELD = ConcurrentHashMap.newKeySet();
    /** Short IDs of the locks removed after this process's writes were stopped (for the interrupt's line). */
    private static final Queue<String> REMOVED_WHILE_STOPPED = new ConcurrentLinkedQueue<>();
    /** Opened by {@link #writesDrained()}: writes in flight have ended, lock files may go. */
    private static final CountDownLatch DRAINED = new CountDownLatch(1);
    /** How long close() waits for {@link #writesDrained()} once writes are stopped (WriteStop's drain is 30 s). */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(40);

    /** restic's refresh interval. */
    static final Duration REFRESH_INTERVAL = Duration.ofMinutes(5);

    private final Repository repo;
    private final boolean exclusive;
    private final Cancel cancel;
    private final long refreshableNanos;
    private final ScheduledExecutorService refresher;
    private volatile Id current;
    private volatile long lastRefresh = System.nanoTime();
    private volatile boolean lost; // the lock file is gone or stale: nothing of ours to remove
    private boolean released;

    private RepositoryLock(Repository repo, boolean exclusive, Id current, Cancel cancel, Duration interval) {
        this.repo = repo;
        this.exclusive = exclusive;
        this.current = current;
        this.cancel = cancel;
        // restic: a lock not refreshed for 30 minutes is stale (6 intervals); the job stops 1.5
        // intervals before that, so no other process may already have removed it as stale.
        this.refreshableNanos = interval.toNanos() * 6 - interval.toNanos() * 3 / 2;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lock-refresh");
            t.setDaemon(true);
            return t;
        });
        long every = interval.toNanos();
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * Takes a lock for a job that cannot be cancelled ({@link Cancel#NEVER}): a lock it cannot keep
     * only gives a warning. See {@link #acquire(Repository, boolean, Consumer, Cancel)}.
     *
     * @throws LockException if another live process holds a conflicting lock
     * @throws IOException if the lock file cannot be written or the locks cannot be listed
     */
    static RepositoryLock acquire(Repository repo, boolean exclusive, Consumer<String> warn) throws IOException {
        return acquire(repo, exclusive, warn, Cancel.NEVER);
    }

    /**
     * Takes a lock for the job whose token is {@code cancel}; damaged lock files met on the way are
     * reported to {@code warn} (once each) and ignored, see {@link Repository#listLocks(Consumer)}.
     * The lock is refreshed every 5 minutes; if it is found removed, or cannot be refreshed for
     * 22.5 minutes, {@code cancel} is cancelled with a sentence saying so.
     *
     * @throws LockException if another live process holds a conflicting lock
     * @throws Cancel.Cancelled if the job was cancelled before the lock was taken (then none is held)
     * @throws IOException if the lock file cannot be written or the locks cannot be listed
     */
    public static RepositoryLock acquire(Repository repo, boolean exclusive, Consumer<String> warn, Cancel cancel)
            throws IOException {
        return acquire(repo, exclusive, warn, cancel, refreshInterval());
    }

    /**
     * {@link #acquire(Repository, boolean, Consumer, Cancel)}, trying again for up to {@code retry}
     * while another process holds a conflicting lock, as restic's {@code --retry-lock} (0.16+): after
     * 0.2 s, doubling up to 5 s (with jitter), each wait said to {@code waiting}; a cancel ends it.
     *
     * @param retry how long to keep trying; zero fails at the first conflict
     * @param waiting told "waiting for a lock: WHY" before each wait
     * @throws LockException when the conflict outlasts {@code retry}
     */
    public static RepositoryLock acquire(Repository repo, boolean exclusive, Consumer<String> warn, Cancel cancel, Duration retry,
                                         Consumer<String> waiting) throws IOException {
        long start = System.nanoTime();
        // a wait beyond what a long holds (about 292 years) is as good as forever
        long waitNanos = retry.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : retry.toNanos();
        long pauseMs = 200;
        while (true) {
            try {
                return acquire(repo, exclusive, warn, cancel);
            } catch (LockException e) {
                if (System.nanoTime() - start >= waitNanos) throw e;
                waiting.accept("waiting for a lock: " + e.getMessage());
                cancel.check();
                try {
                    Thread.sleep(Math.min(java.util.concurrent.ThreadLocalRandom.current().nextLong(pauseMs / 2, pauseMs + 1),
                            Math.max(1, (waitNanos - (System.nanoTime() - start)) / 1_000_000)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for a lock");
                }
                cancel.check();
                pauseMs = Math.min(pauseMs * 2, 5000);
            }
        }
    }

    /** {@link #acquire(Repository, boolean, Consumer, Cancel)} with another refresh interval (tests). */
    static RepositoryLock acquire(Repository repo, boolean exclusive, Consumer<String> warn, Cancel cancel,
            Duration interval) throws IOException {
        cancel.check();
        String host = Repository.hostname();
        Set<String> warned = new HashSet<>();
        Consumer<String> once = w -> {
            if (warned.add(w)) warn.accept(w);
        };
        checkConflicts(repo, exclusive, null, host, once);
        Id mine = repo.saveUnpacked(FileType.LOCK, newLock(exclusive, host).toJson());
        RepositoryLock l;
        try {
            // Look again after writing: two processes that raced both see each other and withdraw.
            checkConflicts(repo, exclusive, mine, host, once);
            l = new RepositoryLock(repo, exclusive, mine, cancel, interval);
        } catch (IOException | RuntimeException e) {
            repo.removeLock(mine);
            throw e;
        }
        HELD.add(l);
        if (WriteStop.stopped() || cancel.cancelled()) {
            // Interrupted while locking: releaseAll may have run before this lock was registered.
            l.release();
            cancel.check();
            throw new java.io.InterruptedIOException("the command was interrupted");
        }
        return l;
    }

    /**
     * The refresh interval: restic's 5 minutes, unless the system property
     * {@code lifeboat.test.lockRefreshMillis} (for tests only: a process-level test cannot wait 5
     * minutes) sets another in milliseconds.
     */
    private static Duration refreshInterval() {
        String ms = System.getProperty("lifeboat.test.lockRefreshMillis");
        if (ms == null) return REFRESH_INTERVAL;
        try {
            long v = Long.parseLong(ms.strip());
            return v > 0 ? Duration.ofMillis(v) : REFRESH_INTERVAL;
        } catch (NumberFormatException e) {
            return REFRESH_INTERVAL;
        }
    }

    private static Lock newLock(boolean exclusive, String host) {
        return new Lock(null, OffsetDateTime.now(), exclusive, host, System.getProperty("user.name", ""),
                ProcessHandle.current().pid(), Repository.uid(), Repository.gid());
    }

    private static void checkConflicts(Repository repo, boolean exclusive, Id mine, String host, Consumer<String> warn)
            throws IOException {
        OffsetDateTime now = OffsetDateTime.now();
        for (Lock l : repo.listLocks(warn)) {
            if (l.id().equals(mine)) continue;
            boolean conflicts = exclusive || l.exclusive();
            String stale = l.staleReason(host, now);
            if (stale != null) {
                // Passing another process's lock is a decision the user should see, with its grounds.
                if (conflicts) warn.accept("the " + l.describe() + " is treated as stale and ignored: " + stale
                        + "; 'lifeboat unlock' removes it");
                continue;
            }
            if (conflicts) throw new LockException(conflictMessage(l, host));
        }
    }

    /**
     * The sentence for a live conflicting lock. Plain 'unlock' removes only stale locks, so it
     * would not remove this one: the message says when it becomes stale and what removes it now.
     */
    static String conflictMessage(Lock l, String host) {
        String who = l.hostname().equals(host)
                ? "process PID " + l.pid() + " still runs on this host"
                : "Lifeboat cannot tell from here whether PID " + l.pid() + " still runs on " + l.hostname();
        return "repository is already locked by " + l.describe() + "; " + who + "; it counts as stale from "
                + Times.format(l.staleAt()) + " if it is not refreshed; if you are sure that process is gone,"
                + " 'lifeboat unlock --remove-all' removes it now";
    }

    /**
     * One refresh (on the refresher thread): a new lock file, then the old one removed. A lock file
     * found gone, or refreshes failing until the lock would soon count as stale, cancel the job.
     */
    private void refresh() {
        if (lost || cancel.cancelled() || WriteStop.stopped()) return;
        Id old = current;
        try {
            if (!repo.backend().exists(new Handle(FileType.LOCK, old.hex()))) {
                lose("the repository lock " + old.shortHex() + " could not be refreshed: its lock file was removed by"
                        + " another process (such as 'unlock --remove-all'); stopped, since another process may now change"
                        + " the repository");
                return;
            }
            Id fresh = repo.saveUnpacked(FileType.LOCK, newLock(exclusive, Repository.hostname()).toJson());
            if (!repo.backend().exists(new Handle(FileType.LOCK, old.hex()))) {
                // Removed while the new file was being written: that file must not bring the lock back.
                try {
                    repo.removeLock(fresh);
                } catch (IOException ignored) {
                    // it names this process; a stale-lock check will show it
                }
                lose("the repository lock " + old.shortHex() + " could not be refreshed: its lock file was removed by"
                        + " another process (such as 'unlock --remove-all'); stopped, since another process may now change"
                        + " the repository");
                return;
            }
            current = fresh;
            lastRefresh = System.nanoTime();
            repo.removeLock(old);
        } catch (IOException e) {
            // An interrupted process writes nothing more; its lock is being removed anyway.
            if (WriteStop.stopped() || cancel.cancelled()) return;
            String why = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            long failingFor = System.nanoTime() - lastRefresh;
            if (failingFor >= refreshableNanos) {
                lose("the repository lock " + current.shortHex() + " could not be refreshed for "
                        + human(Duration.ofNanos(failingFor)) + " and would soon count as stale: " + why);
            } else {
                System.err.println("warning: could not refresh the repository lock " + current.shortHex()
                        + " (will try again): " + why);
            }
        }
    }

    /** "22m 30s", "1.5 s": a duration for messages. */
    static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 60) return (s / 60) + "m " + (s % 60) + "s";
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** The lock cannot be kept: the job is cancelled with {@code why}; the refresher stops. */
    private void lose(String why) {
        lost = true;
        cancel.cancel(why);
        if (cancel == Cancel.NEVER) System.err.println("warning: " + why);
        refresher.shutdown();
    }

    /** True once the lock file was found removed or its refreshes failed for too long. */
    public boolean lost() {
        return lost;
    }

    /**
     * Removes every lock this process still holds (each at most once, also when closed
     * concurrently). The fallback of an interrupted process whose command did not unwind in time:
     * call after {@link WriteStop#stop}.
     *
     * @return the short IDs of the lock files removed
     */
    public static List<String> releaseAll() {
        return HELD.stream().filter(RepositoryLock::release).map(l -> l.current.shortHex()).toList();
    }

    /**
     * Says that the writes in flight when {@link WriteStop#stop} was called have ended (or the
     * wait for them gave up): only then may {@link #close()} remove a lock file, so that no pack,
     * index or snapshot lands after the lock that covered it is gone.
     */
    public static void writesDrained() {
        DRAINED.countDown();
    }

    /** The short IDs of the lock files removed since this process's writes were stopped (Ctrl-C, SIGTERM). */
    public static List<String> removedWhileStopped() {
        return List.copyOf(REMOVED_WHILE_STOPPED);
    }

    /** Removes the lock file; true if this call removed it. */
    private boolean release() {
        synchronized (this) {
            if (released) return false;
            released = true;
        }
        HELD.remove(this);
        // No interrupt: a refresh cut short inside its write could leave a lock file behind.
        refresher.shutdown();
        try {
            // Wait for a refresh in progress: it may be replacing the file we are about to remove.
            refresher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Id id = current;
        if (lost) return false; // removed by someone else, or stale: not ours to remove any more
        try {
            repo.removeLock(id);
            if (WriteStop.stopped()) REMOVED_WHILE_STOPPED.add(id.shortHex());
            return true;
        } catch (IOException e) {
            System.err.println("warning: could not remove lock " + id.shortHex() + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Removes the lock file, on the normal path also when the job was cancelled. While the process
     * is being interrupted (its writes stopped), it first waits until the writes in flight have
     * ended ({@link #writesDrained()}, at most 40 s): a pack still being written must not land
     * after its lock is gone.
     */
    @Override
    public void close() {
        if (WriteStop.stopped()) {
            try {
                DRAINED.await(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        release();
    }
}
