package org.lifeboat.repository;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;

/** A held lock: refreshed every five minutes in the background, removed on close. */
public final class RepositoryLock implements AutoCloseable {
    private final Repository repo;
    private final boolean exclusive;
    private final ScheduledExecutorService refresher;
    private volatile Id current;

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

    static RepositoryLock acquire(Repository repo, boolean exclusive) throws IOException {
        String host = Repository.hostname();
        checkConflicts(repo, exclusive, null, host);
        Id mine = repo.saveUnpacked(FileType.LOCK, newLock(exclusive, host).toJson());
        try {
            // Look again after writing: two processes that raced both see each other and withdraw.
            checkConflicts(repo, exclusive, mine, host);
        } catch (IOException e) {
            repo.backend().remove(new Handle(FileType.LOCK, mine.hex()));
            throw e;
        }
        return new RepositoryLock(repo, exclusive, mine);
    }

    private static Lock newLock(boolean exclusive, String host) {
        return new Lock(null, OffsetDateTime.now(), exclusive, host, System.getProperty("user.name", ""),
                ProcessHandle.current().pid(), Repository.uid(), Repository.gid());
    }

    private static void checkConflicts(Repository repo, boolean exclusive, Id mine, String host) throws IOException {
        for (Lock l : repo.listLocks()) {
            if (l.id().equals(mine) || l.stale(host)) continue;
            if (exclusive || l.exclusive()) {
                throw new LockException("repository is already locked by " + l.describe()
                        + "; if that process is gone, run 'lifeboat unlock'");
            }
        }
    }

    private void refresh() {
        try {
            Id fresh = repo.saveUnpacked(FileType.LOCK, newLock(exclusive, Repository.hostname()).toJson());
            Id old = current;
            current = fresh;
            repo.backend().remove(new Handle(FileType.LOCK, old.hex()));
        } catch (IOException e) {
            System.err.println("warning: could not refresh the repository lock: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            repo.backend().remove(new Handle(FileType.LOCK, current.hex()));
        } catch (IOException e) {
            System.err.println("warning: could not remove lock " + current.shortHex() + ": " + e.getMessage());
        }
    }
}
