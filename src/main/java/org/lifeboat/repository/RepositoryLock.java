package org.lifeboat.repository;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.WriteStop;

/**
 * A held lock: refreshed every five minutes in the background, removed on close. Every lock this
 * process holds is also known to {@link #releaseAll()}, which an interrupted process calls so the
 * next command needs no 'unlock'.
 */
public final class RepositoryLock implements AutoCloseable {
    /** The locks of this process not yet released. */
    private static final Set<RepositoryLock> HELD = ConcurrentHashMap.newKeySet();

    private final Repository repo;
    private final boolean exclusive;
    private final ScheduledExecutorService refresher;
    private volatile Id current;
    private boolean released;

    private RepositoryLock(Repository repo, boolean exclusive, Id current) {
        this.repo = repo;
        this.exclusive = exclusive;
        this.current = current;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lock-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleAtFixedRate(this::refresh, 5, 5, TimeUnit.MINUTES);
    }

    /**
     * Takes a lock; damaged lock files met on the way are reported to {@code warn} (once each) and
     * ignored, see {@link Repository#listLocks(Consumer)}.
     *
     * @throws LockException if another live process holds a conflicting lock
     * @throws IOException if the lock file cannot be written or the locks cannot be listed
     */
    static RepositoryLock acquire(Repository repo, boolean exclusive, Consumer<String> warn) throws IOException {
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
            l = new RepositoryLock(repo, exclusive, mine);
        } catch (IOException | RuntimeException e) {
            repo.backend().remove(new Handle(FileType.LOCK, mine.hex()));
            throw e;
        }
        HELD.add(l);
        if (WriteStop.stopped()) {
            // Interrupted while locking: releaseAll may have run before this lock was registered.
            l.release();
            throw new java.io.InterruptedIOException("the command was interrupted");
        }
        return l;
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

    private void refresh() {
        try {
            Id fresh = repo.saveUnpacked(FileType.LOCK, newLock(exclusive, Repository.hostname()).toJson());
            Id old = current;
            current = fresh;
            repo.backend().remove(new Handle(FileType.LOCK, old.hex()));
        } catch (IOException e) {
            // An interrupted process writes nothing more; its lock is being removed anyway.
            if (!WriteStop.stopped()) System.err.println("warning: could not refresh the repository lock: " + e.getMessage());
        }
    }

    /**
     * Removes every lock this process still holds (each at most once, also when closed
     * concurrently). For an interrupted process: call after {@link WriteStop#stop}.
     *
     * @return the short IDs of the lock files removed
     */
    public static List<String> releaseAll() {
        return HELD.stream().filter(RepositoryLock::release).map(l -> l.current.shortHex()).toList();
    }

    /** Removes the lock file; true if this call removed it. */
    private boolean release() {
        synchronized (this) {
            if (released) return false;
            released = true;
        }
        HELD.remove(this);
        refresher.shutdownNow();
        try {
            // Wait for a refresh in progress: it may be replacing the file we are about to remove.
            refresher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            repo.backend().remove(new Handle(FileType.LOCK, current.hex()));
            return true;
        } catch (IOException e) {
            System.err.println("warning: could not remove lock " + current.shortHex() + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Removes the lock file, except while the process is being interrupted: then the interrupt
     * hook removes it (after the last write) with {@link #releaseAll()} and names it in its line.
     */
    @Override
    public void close() {
        if (org.lifeboat.backend.WriteStop.stopped()) return;
        release();
    }
}
