package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.LocalBackend;

/**
 * A lock that cannot be kept cancels the job holding it, as restic 0.16+ does: its lock file
 * removed behind its back (another host's 'unlock --remove-all'), or refreshes failing until the
 * lock would soon count as stale. The refresh interval is shortened (package-private acquire) so
 * that the test waits milliseconds, not minutes; it polls for the outcome, never sleeps for it.
 */
class LockRefreshCancelTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final long POLY = 0x3DA3358B4DC173L;

    @TempDir
    Path dir;

    @Test
    void aLockFileRemovedBehindItsBackCancelsTheJobWithTheReason() throws Exception {
        try (Repository repo = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            Cancel job = new Cancel();
            List<String> warnings = new CopyOnWriteArrayList<>();
            RepositoryLock lock = RepositoryLock.acquire(repo, false, warnings::add, job, INTERVAL);
            List<FileInfo> files = repo.backend().list(FileType.LOCK);
            assertThat(files).hasSize(1);
            // What 'unlock --remove-all' of another process does.
            repo.backend().remove(new Handle(FileType.LOCK, files.getFirst().name()));

            waitFor("the job is cancelled", job::cancelled);
            assertThat(job.reason())
                    .startsWith("the repository lock " + files.getFirst().name().substring(0, 8) + " could not be refreshed")
                    .contains("its lock file was removed by another process")
                    .contains("unlock --remove-all");
            assertThatThrownBy(job::check).isInstanceOf(Cancel.Cancelled.class).hasMessage(job.reason());
            assertThat(lock.lost()).isTrue();
            lock.close(); // nothing of ours to remove: no error, no new file
            assertThat(repo.backend().list(FileType.LOCK)).as("no lock file was written back").isEmpty();
            assertThat(warnings).isEmpty();
        }
    }

    /**
     * The lock file removed while its refresh is being written (the refresh held up, e.g. by a slow
     * storage): the new file is removed again and the job cancelled, so the lock does not come back.
     */
    @Test
    void aLockRemovedWhileItsRefreshIsWrittenDoesNotComeBack() throws Exception {
        Repository.init(new LocalBackend(dir), "pw", 2, POLY).close();
        RemovingLocks backend = new RemovingLocks(new LocalBackend(dir));
        try (Repository repo = Repository.open(backend, "pw")) {
            Cancel job = new Cancel();
            RepositoryLock lock = RepositoryLock.acquire(repo, false, w -> {}, job, INTERVAL);
            backend.removeOthersOnNextLockSave = true;

            waitFor("the job is cancelled", job::cancelled);
            assertThat(job.reason()).contains("its lock file was removed by another process");
            assertThat(lock.lost()).isTrue();
            lock.close();
            assertThat(repo.backend().list(FileType.LOCK)).as("the refresh's new lock file was removed again").isEmpty();
        }
    }

    @Test
    void refreshesFailingUntilTheLockWouldBeStaleCancelTheJob() throws Exception {
        Repository.init(new LocalBackend(dir), "pw", 2, POLY).close();
        FailingLocks backend = new FailingLocks(new LocalBackend(dir));
        try (Repository repo = Repository.open(backend, "pw")) {
            Cancel job = new Cancel();
            RepositoryLock lock = RepositoryLock.acquire(repo, true, w -> {}, job, INTERVAL);
            long failingSince = System.nanoTime();
            backend.failing = true;

            waitFor("the job is cancelled", job::cancelled);
            // Not at the first failure: restic's 30 minutes stale minus 1.5 refresh intervals, scaled.
            assertThat(Duration.ofNanos(System.nanoTime() - failingSince))
                    .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(4));
            assertThat(job.reason()).startsWith("the repository lock ")
                    .contains("could not be refreshed for")
                    .contains("would soon count as stale")
                    .contains("backend refuses to write");
            backend.failing = false;
            lock.close();
        }
    }

    @Test
    void aLockRefreshedInTimeLeavesTheJobAloneAndIsRemovedOnClose() throws Exception {
        try (Repository repo = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            Cancel job = new Cancel();
            RepositoryLock lock = RepositoryLock.acquire(repo, false, w -> {}, job, INTERVAL);
            String first = repo.backend().list(FileType.LOCK).getFirst().name();
            waitFor("a refresh replaced the lock file", () -> {
                try {
                    List<FileInfo> now = repo.backend().list(FileType.LOCK);
                    return now.size() == 1 && !now.getFirst().name().equals(first);
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(job.cancelled()).isFalse();
            lock.close();
            assertThat(repo.backend().list(FileType.LOCK)).isEmpty();
        }
    }

    @Test
    void aCancelledJobTakesNoLock() throws Exception {
        try (Repository repo = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            Cancel job = new Cancel();
            job.cancel("interrupted");
            assertThatThrownBy(() -> RepositoryLock.acquire(repo, false, w -> {}, job))
                    .isInstanceOf(Cancel.Cancelled.class).hasMessage("interrupted");
            assertThat(repo.backend().list(FileType.LOCK)).isEmpty();
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within 30 s", what).isLessThan(deadline);
            Thread.sleep(5); // poll interval: the loop waits for the condition, not for time
        }
    }

    /** A local folder whose lock writes fail while {@link #failing} (a store that went away). */
    private static final class FailingLocks extends org.lifeboat.testutil.DelegatingBackend {
        volatile boolean failing;

        FailingLocks(Backend inner) {
            super(inner);
        }

        @Override
        public void save(Handle h, byte[] data, int offset, int length) throws IOException {
            if (failing && h.type() == FileType.LOCK) throw new IOException("the backend refuses to write");
            inner.save(h, data, offset, length);
        }
    }

    /** Removes every other lock file just before it writes a lock (another process's 'unlock --remove-all'). */
    private static final class RemovingLocks extends org.lifeboat.testutil.DelegatingBackend {
        volatile boolean removeOthersOnNextLockSave;

        RemovingLocks(Backend inner) {
            super(inner);
        }

        @Override
        public void save(Handle h, byte[] data, int offset, int length) throws IOException {
            if (removeOthersOnNextLockSave && h.type() == FileType.LOCK) {
                removeOthersOnNextLockSave = false;
                for (FileInfo f : inner.list(FileType.LOCK)) inner.remove(new Handle(FileType.LOCK, f.name()));
            }
            inner.save(h, data, offset, length);
        }
    }
}
