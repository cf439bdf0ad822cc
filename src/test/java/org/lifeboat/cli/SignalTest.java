package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.ProcessSignals.DEADLINE_SECONDS;
import static org.lifeboat.cli.ProcessSignals.signal;
import static org.lifeboat.cli.ProcessSignals.awaitExit;
import static org.lifeboat.cli.ProcessSignals.waitUntil;
import static org.lifeboat.cli.ProcessSignals.pid;
import static org.lifeboat.cli.ProcessSignals.running;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Ctrl-C (SIGINT) and SIGTERM sent to a real Lifeboat process in the middle of its work: the
 * process ends with 128 + the signal (130 for SIGINT, as restic), prints one "interrupted" line,
 * leaves no lock file and no child process (a dump command's whole tree is killed), and saves no
 * snapshot. The repository then passes restic's check, the earlier snapshot restores, and the next
 * backup needs no 'unlock'. The test waits for observable conditions (a pack written, a lock file,
 * the child's PID file), polling; it never sleeps to let time pass.
 */
@Tag("slow")
@Tag("restic")
class SignalTest {

    Path work;
    Path repo;
    Path pw;
    Cli cli;
    Path small;
    String firstSnapshot;
    final List<Long> pidsToClean = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        work = TestDirs.create("signal");
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        cli = Failures.init(repo, pw);
        small = Files.createDirectories(work.resolve("small"));
        Files.writeString(small.resolve("hello.txt"), "hello\n");
        firstSnapshot = Failures.snapshotId(cli.run("backup", small.toString()).ok());
    }

    @AfterEach
    void tearDown() {
        for (long pid : pidsToClean) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        TestDirs.delete(work);
    }

    @Test
    void sigintDuringABackupRemovesTheLockAndExits130() throws Exception {
        interruptBackup("INT", 130);
    }

    @Test
    void sigtermDuringABackupRemovesTheLockToo() throws Exception {
        interruptBackup("TERM", 143);
    }

    private void interruptBackup(String signal, int exit) throws Exception {
        Path big = Files.createDirectories(work.resolve("big"));
        writeRandomFiles(big, 6, 40 << 20);
        int packsBefore = Failures.packs(repo).size();
        Path log = work.resolve("backup.log");
        Process p = start(log, "-r", repo.toString(), "--password-file", pw.toString(), "backup", big.toString());
        waitUntil(p, log, "the backup wrote a pack", () -> packs() > packsBefore && !locks().isEmpty());
        signal(p, signal);
        String out = awaitExit(p, log, exit);
        assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted: lock [0-9a-f]{8} removed, nothing more was written to the repository$")
                .doesNotContain("Fatal").doesNotContain("Exception").doesNotContain("snapshot ");
        assertCleanAfterwards();
        // The interrupted backup's packs are reused by the next one, which needs no unlock.
        Run again = cli.run("backup", big.toString());
        assertThat(again.exit()).as("%s", again).isZero();
        assertThat(Failures.ids(repo, "snapshots")).hasSize(2);
    }

    @Test
    void sigintDuringASystemBackupKillsTheDumpCommandAndRunsTheAfterHooks() throws Exception {
        Path plan = work.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    backup:
                      sources:
                        - command: { run: "echo $$ > shell.pid; echo begin; sleep 1000 & echo $! > child.pid; wait", filename: app.out }
                      after: [ "echo resumed > after.txt" ]
                """);
        Path log = work.resolve("system.log");
        Process p = start(log, "--config", plan.toString(), "backup", "--system", "app");
        Path childPid = work.resolve("child.pid");
        waitUntil(p, log, "the command source started its child", () -> pid(childPid) > 0 && !locks().isEmpty());
        long child = pid(childPid);
        long shell = pid(work.resolve("shell.pid"));
        pidsToClean.add(child);
        pidsToClean.add(shell);
        assertThat(running(child)).as("the child runs before the signal").isTrue();
        signal(p, "INT");
        String out = awaitExit(p, log, 130);
        assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted: lock [0-9a-f]{8} removed, 1 child process stopped, "
                + "nothing more was written to the repository$");
        assertThat(running(child)).as("sleep (pid %d) was killed with the dump command", child).isFalse();
        assertThat(running(shell)).as("the dump command's shell (pid %d) was killed", shell).isFalse();
        assertThat(work.resolve("after.txt")).as("the after hooks still ran").hasContent("resumed\n");
        assertCleanAfterwards();
        cli.run("backup", small.toString()).ok();
    }

    @Test
    void sigtermWhileThePasswordCommandRunsStopsItToo() throws Exception {
        Path log = work.resolve("password.log");
        Path pidFile = work.resolve("pwcmd.pid");
        Process p = start(log, "-r", repo.toString(), "--password-command",
                "sh -c 'echo $$ > " + pidFile + "; exec sleep 999'", "snapshots");
        waitUntil(p, log, "the password command started", () -> pid(pidFile) > 0);
        long cmd = pid(pidFile);
        pidsToClean.add(cmd);
        assertThat(running(cmd)).as("the password command runs before the signal").isTrue();
        signal(p, "TERM");
        awaitExit(p, log, 143);
        assertThat(running(cmd)).as("the password command (pid %d) was stopped with Lifeboat", cmd).isFalse();
    }

    /** No lock left, no snapshot added, restic checks clean (without unlock), the first snapshot restores. */
    private void assertCleanAfterwards() throws IOException {
        assertThat(locks()).as("no lock file remains").isEmpty();
        assertThat(Failures.ids(repo, "snapshots")).as("no snapshot was saved by the interrupted run").hasSize(1);
        Run check = new Restic(repo, work.resolve("cache")).run("check");
        assertThat(check.exit()).as("restic check:\n%s", check).isZero();
        Path target = work.resolve("restored-" + System.nanoTime());
        cli.run("restore", firstSnapshot, "--target", target.toString()).ok();
        assertThat(target.resolve(small.toString().substring(1)).resolve("hello.txt")).hasContent("hello\n");
    }

    private Process start(Path log, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args)).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        pidsToClean.add(p.pid());
        return p;
    }

    private int packs() {
        try {
            return Failures.packs(repo).size();
        } catch (IOException e) {
            return 0;
        }
    }

    private List<String> locks() {
        try {
            return Failures.ids(repo, "locks");
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void writeRandomFiles(Path dir, int files, int size) throws IOException {
        SplittableRandom rnd = new SplittableRandom(8);
        byte[] buf = new byte[1 << 20];
        for (int i = 0; i < files; i++) {
            try (OutputStream out = Files.newOutputStream(dir.resolve("random-" + i + ".bin"))) {
                for (int n = 0; n < size; n += buf.length) {
                    rnd.nextBytes(buf);
                    out.write(buf);
                }
            }
        }
    }
}
