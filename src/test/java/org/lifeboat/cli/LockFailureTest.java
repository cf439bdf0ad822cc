package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Lock;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Times;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Locks held by another process. The holder is this test JVM, through Lifeboat's own locking (a real
 * lock file in restic's format, refreshed and removed like any other). The main case runs the CLI
 * as a separate process, so the lock's PID is alive and not its own; the others run it in this JVM
 * (a JVM start with a cold scrypt costs ~2 s), where the holder's lock is still another lock file.
 */
@Tag("restic")
class LockFailureTest {
    @TempDir
    Path dir;

    Path pw;
    Path repo;
    Path src;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        pw = Cli.passwordFile(dir);
        repo = dir.resolve("repo");
        cli = Failures.init(repo, pw);
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
    }

    private Repository openRepository() throws Exception {
        return Repository.open(new LocalBackend(repo), Restic.PASSWORD);
    }

    private Run backupInAnotherProcess() {
        return Failures.process(Map.of("LIFEBOAT_REPOSITORY", repo.toString(), "LIFEBOAT_PASSWORD_FILE", pw.toString()),
                "backup", src.toString());
    }

    @Test
    void backupAgainstAnExclusiveLockExits11AndNamesPidHostAndTime() throws Exception {
        try (Repository holder = openRepository(); RepositoryLock _ = holder.lock(true)) {
            List<Lock> locks = holder.listLocks();
            assertThat(locks).hasSize(1);
            Lock l = locks.getFirst();
            Run r = backupInAnotherProcess();
            String msg = fatal(r, 11);
            assertThat(msg).contains("locked")
                    .contains("PID " + ProcessHandle.current().pid())
                    .contains(" on " + Repository.hostname() + " ")
                    .contains("unlock");
            // The time is the lock file's: when the other process took the lock.
            String since = msg.replaceAll(".* since (\\S+?);.*", "$1");
            assertThat(OffsetDateTime.parse(since, DateTimeFormatter.ISO_OFFSET_DATE_TIME)).isEqualTo(l.time());
            assertThat(Failures.ids(repo, "snapshots")).as("no snapshot written").isEmpty();
            assertThat(Failures.ids(repo, "locks")).as("only the holder's lock remains").containsExactly(l.id().hex());
        }
        assertThat(Failures.ids(repo, "locks")).as("the holder removed its lock").isEmpty();
        // Once released, the same backup works.
        cli.run("backup", src.toString()).ok();
    }

    @Test
    void exclusiveCommandAgainstANonExclusiveLockExits11() throws Exception {
        try (Repository holder = openRepository(); RepositoryLock _ = holder.lock(false)) {
            Run r = cli.run("check");
            assertThat(fatal(r, 11)).contains("non-exclusive lock").contains("PID " + ProcessHandle.current().pid());
        }
    }

    @Test
    void retryLockTriesAgainUntilItsTimeIsUpAndSaysSo() throws Exception {
        // restic 0.16's --retry-lock: the command waits for the lock, saying so, then gives up with exit 11
        try (Repository holder = openRepository(); RepositoryLock _ = holder.lock(false)) {
            long t0 = System.nanoTime();
            Run r = cli.run("--retry-lock", "1s", "check");
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(1_000_000_000L);
            assertThat(r.err()).contains("waiting for a lock: ").contains("non-exclusive lock");
            assertThat(fatal(r, 11)).contains("non-exclusive lock");
            // brk13f F4: under --json too (standard error is not the JSON)
            Run json = cli.run("--json", "--retry-lock", "1s", "check");
            assertThat(json.err()).contains("waiting for a lock: ");
        }
        // brk13f F3: a wait longer than a long's nanoseconds is forever, not an internal error
        assertThat(cli.run("--retry-lock", "2562048h", "check").exit()).isZero();
        assertThat(cli.run("--retry-lock", "0", "check").exit()).isZero(); // brk13g F3: restic's default, no retries
        // once free, the same command takes it at once
        assertThat(cli.run("--retry-lock", "1m", "check").exit()).isZero();
        Run bad = cli.run("--retry-lock", "soon", "check");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid value 'soon' for --retry-lock: give a duration such as 30s, 5m or 2h");
    }

    /** Writes a lock of this host whose process is gone, as a killed backup leaves behind. */
    private String writeStaleLock() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long deadPid = p.pid();
        assertThat(ProcessHandle.of(deadPid)).as("PID %d is gone", deadPid).isEmpty();
        String json = "{\"time\":\"" + Times.format(OffsetDateTime.now()) + "\",\"exclusive\":true,\"hostname\":\""
                + Repository.hostname() + "\",\"username\":\"ghost\",\"pid\":" + deadPid + ",\"uid\":0,\"gid\":0}";
        try (Repository r = openRepository()) {
            return r.saveUnpacked(FileType.LOCK, json.getBytes(StandardCharsets.UTF_8)).hex();
        }
    }

    @Test
    void staleLockDoesNotBlockABackupAndUnlockRemovesIt() throws Exception {
        String stale = writeStaleLock();
        Run r = cli.run("backup", src.toString());
        assertThat(r.exit()).as("a stale lock must not block: %s", r).isZero();
        assertThat(Failures.ids(repo, "snapshots")).hasSize(1);
        assertThat(Failures.ids(repo, "locks")).as("backup leaves the stale lock to unlock").containsExactly(stale);

        Run u = cli.run("unlock");
        assertThat(u.exit()).as("%s", u).isZero();
        assertThat(u.out()).contains("removed 1 lock");
        assertThat(Failures.ids(repo, "locks")).as("unlock removed the stale lock").isEmpty();
    }

    @Test
    void unlockKeepsALiveLock() throws Exception {
        String stale = writeStaleLock();
        try (Repository holder = openRepository(); RepositoryLock _ = holder.lock(false)) {
            List<String> before = Failures.ids(repo, "locks");
            assertThat(before).hasSize(2).contains(stale);
            Run u = cli.run("unlock");
            assertThat(u.exit()).as("%s", u).isZero();
            List<String> live = new java.util.ArrayList<>(before);
            live.remove(stale);
            assertThat(Failures.ids(repo, "locks")).as("only the stale lock is removed").isEqualTo(live);
        }
    }

    @Test
    void resticRespectsLifeboatsExclusiveLock() throws Exception {
        Restic restic = new Restic(repo, dir.resolve("restic-cache"));
        try (Repository holder = openRepository(); RepositoryLock _ = holder.lock(true)) {
            Run r = restic.run("backup", src.toString());
            assertThat(r.exit()).as("restic must refuse: %s", r).isNotZero();
            assertThat(r.err()).contains("repository is already locked")
                    .contains("PID " + ProcessHandle.current().pid());
            assertThat(Failures.ids(repo, "snapshots")).as("restic wrote no snapshot").isEmpty();
        }
        // Released: restic backs up, and Lifeboat lists restic's snapshot.
        restic.run("backup", src.toString()).ok();
        assertThat(cli.run("snapshots").ok().out()).contains("1 snapshots");
    }
}
