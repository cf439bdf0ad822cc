package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Times;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Lock decisions are said out loud: another host's old exclusive lock is passed as stale with the
 * grounds (host, PID, age), and a live lock's message names what really removes it.
 */
class StaleLockReportTest {
    @TempDir
    Path dir;

    Path repo;
    Path src;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
    }

    private String writeLock(String host, long pid, OffsetDateTime time) throws Exception {
        String json = "{\"time\":\"" + Times.format(time) + "\",\"exclusive\":true,\"hostname\":\"" + host
                + "\",\"username\":\"ann\",\"pid\":" + pid + ",\"uid\":0,\"gid\":0}";
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            return r.saveUnpacked(FileType.LOCK, json.getBytes(StandardCharsets.UTF_8)).hex();
        }
    }

    @Test
    void anotherHostsOldExclusiveLockIsPassedWithItsGrounds() throws Exception {
        String id = writeLock("far-away-host", 4242, OffsetDateTime.now().minus(Duration.ofHours(2).plusMinutes(5)));
        Run r = cli.run("backup", src.toString());
        r.ok();
        assertThat(r.err()).as("the stale lock is not passed silently")
                .contains("exclusive lock " + id.substring(0, 8))
                .contains("PID 4242 on far-away-host")
                .contains("treated as stale")
                .contains("last refreshed 2h 5m ago")
                .contains("more than 30 minutes");
        Run u = cli.run("unlock");
        u.ok();
        assertThat(u.out()).contains("removed stale exclusive lock " + id.substring(0, 8)).contains("2h 5m ago");
    }

    @Test
    void aFreshLockOfAnotherHostBlocksAndTheMessageSaysWhatRemovesIt() throws Exception {
        writeLock("far-away-host", 4242, OffsetDateTime.now().minus(Duration.ofMinutes(3)));
        String msg = fatal(cli.run("backup", src.toString()), 11);
        assertThat(msg).contains("PID 4242 on far-away-host")
                .contains("cannot tell from here whether PID 4242 still runs on far-away-host")
                .contains("counts as stale from")
                .contains("'lifeboat unlock --remove-all'");
        Run u = cli.run("unlock");
        u.ok();
        assertThat(u.out()).as("plain unlock keeps it and says so").contains("kept exclusive lock").contains("in use")
                .contains("--remove-all");
        assertThat(Failures.ids(repo, "locks")).hasSize(1);
    }

    @Test
    void aLiveLockOfThisHostSaysItsProcessStillRuns() throws Exception {
        try (Repository holder = Repository.open(new LocalBackend(repo), Restic.PASSWORD); RepositoryLock _ = holder.lock(true)) {
            String msg = fatal(cli.run("check"), 11);
            assertThat(msg).contains("process PID " + ProcessHandle.current().pid() + " still runs on this host")
                    .doesNotContain("if that process is gone, run 'lifeboat unlock'");
        }
    }
}
