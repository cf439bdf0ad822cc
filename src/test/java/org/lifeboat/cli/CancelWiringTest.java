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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.testutil.Cli;

/**
 * The job's cancel token reaches every part of a real Lifeboat process: the recovery engine's
 * steps, a system backup's hooks, the interrupt line after a double signal, a lock lost while the
 * command is blocked on stdin, and the launcher started as a background job of a script. Each
 * test waits for an observable condition (a PID file, a lock file), polling; none sleeps to let
 * time pass.
 */
@Tag("slow")
class CancelWiringTest {

    Path work;
    Path repo;
    Path pw;
    final List<Long> pidsToClean = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        work = TestDirs.create("cancel-wiring");
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        Failures.init(repo, pw);
    }

    @AfterEach
    void tearDown() {
        for (long pid : pidsToClean) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        TestDirs.delete(work);
    }

    private Path plan(String systems) throws IOException {
        Path p = work.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories:
                  local: { url: repo, password-file: password }
                state-dir: state
                systems:
                """ + systems);
        return p;
    }

    /** Fault 1: a Ctrl-C during a recover step kills it with its tree and starts no later step. */
    @Test
    void sigintDuringARecoverStepKillsItAndStartsNoNextStep() throws Exception {
        Path plan = plan("""
                  app:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - command: { run: "echo $$ > step1.pid; sleep 1000 & echo $! > child1.pid; wait" }
                      - command: { run: "echo started > step2.txt; sleep 30" }
                """);
        Path log = work.resolve("recover.log");
        Process p = start(log, List.of(), "--config", plan.toString(), "recover", "--yes");
        waitUntil(p, log, "step 1 started its child", () -> pid(work.resolve("child1.pid")) > 0);
        long shell = pid(work.resolve("step1.pid"));
        long child = pid(work.resolve("child1.pid"));
        pidsToClean.add(shell);
        pidsToClean.add(child);
        signal(p, "INT");
        String out = awaitExit(p, log, 130);
        assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted").doesNotContain("had not stopped")
                .doesNotContain("Exception");
        assertThat(work.resolve("step2.txt")).as("no step starts after the signal").doesNotExist();
        assertThat(running(shell)).as("step 1's shell (pid %d) was killed", shell).isFalse();
        assertThat(running(child)).as("step 1's child (pid %d) was killed with it", child).isFalse();
    }

    /** Fault 2: SIGTERM during a before hook kills the hook's tree, and the after hooks still run. */
    @Test
    void sigtermDuringABeforeHookKillsItAndRunsTheAfterHooks() throws Exception {
        Files.createDirectories(work.resolve("data"));
        Files.writeString(work.resolve("data/a.txt"), "a\n");
        Path plan = plan("""
                  app:
                    rpo: 1h
                    rto: 1h
                    backup:
                      sources: [ { path: data } ]
                      before: [ "echo $$ > hook.pid; sleep 1000 & echo $! > hookchild.pid; wait" ]
                      after: [ "echo resumed > after.txt" ]
                """);
        Path log = work.resolve("backup.log");
        Process p = start(log, List.of(), "--config", plan.toString(), "backup", "--all");
        waitUntil(p, log, "the before hook started its child", () -> pid(work.resolve("hookchild.pid")) > 0);
        long shell = pid(work.resolve("hook.pid"));
        long child = pid(work.resolve("hookchild.pid"));
        pidsToClean.add(shell);
        pidsToClean.add(child);
        signal(p, "TERM");
        String out = awaitExit(p, log, 143);
        // The command's own finally removed the lock: the line still names it.
        assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted: lock [0-9a-f]{8} removed").doesNotContain("had not stopped");
        assertThat(running(shell)).as("the hook's shell (pid %d) was killed", shell).isFalse();
        assertThat(running(child)).as("the hook's child (pid %d) was killed", child).isFalse();
        assertThat(work.resolve("after.txt")).as("the after hook ran on the cancel path").hasContent("resumed\n");
        assertThat(Failures.ids(repo, "locks")).as("no lock left").isEmpty();
    }

    /**
     * Fault 3: a second SIGINT while the command unwinds (its after hook runs): the line says the
     * second interrupt ended the wait (not a 10 s that never passed) and names the lock.
     */
    @Test
    void aSecondSignalSaysItEndedTheWaitAndNamesTheLock() throws Exception {
        Path plan = plan("""
                  app:
                    rpo: 1h
                    rto: 1h
                    backup:
                      sources:
                        - command: { run: "echo $$ > dump.pid; exec sleep 1000", filename: app.out }
                      after: [ "echo $$ > after.pid; while [ ! -e go ]; do sleep 0.01; done" ]
                """);
        Path log = work.resolve("double.log");
        Process p = start(log, List.of(), "--config", plan.toString(), "backup", "--system", "app");
        waitUntil(p, log, "the dump command runs under the lock", () -> pid(work.resolve("dump.pid")) > 0 && locks() > 0);
        pidsToClean.add(pid(work.resolve("dump.pid")));
        signal(p, "INT");
        waitUntil(p, log, "the after hook runs (the command is unwinding)", () -> pid(work.resolve("after.pid")) > 0);
        pidsToClean.add(pid(work.resolve("after.pid")));
        long second = System.nanoTime();
        signal(p, "INT");
        try {
            String out = awaitExit(p, log, 130);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - second)).as("no wait after the second signal")
                    .isLessThan(Interrupts.UNWIND);
            assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted: lock [0-9a-f]{8} removed, .*a second interrupt ended the wait$")
                    .doesNotContain("had not stopped after");
        } finally {
            Files.writeString(work.resolve("go"), "");
        }
        assertThat(locks()).as("no lock left").isZero();
    }

    /** Fault 4: a lock removed while 'backup --stdin' waits on an open stdin ends the process with Fatal and exit 1. */
    @Test
    void aLostLockEndsACommandBlockedOnStdinWithOneFatalLine() throws Exception {
        Path log = work.resolve("stdin.log");
        ProcessBuilder pb = new ProcessBuilder(withJvmOption("-Dlifeboat.test.lockRefreshMillis=300",
                "-r", repo.toString(), "--password-file", pw.toString(), "backup", "--stdin")).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        pidsToClean.add(p.pid());
        try (OutputStream stdin = p.getOutputStream()) { // stays open, no data: the read blocks
            waitUntil(p, log, "the backup holds its lock", () -> locks() > 0);
            new Cli(repo, pw).run("unlock", "--remove-all").ok();
            String out = awaitExit(p, log, 1);
            List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(out).hasSize(1);
            assertThat(lines.getFirst()).as(out).startsWith("Fatal: ").doesNotContain("Exception");
        }
        assertThat(Failures.ids(repo, "snapshots")).as("no snapshot").isEmpty();
    }

    /** Fault 5: started as a background job of a non-interactive script, SIGINT still reaches Lifeboat. */
    @Test
    void sigintReachesTheLauncherStartedInTheBackgroundOfAScript() throws Exception {
        Path launcher = Path.of("lifeboat").toAbsolutePath();
        Path started = work.resolve("started");
        String script = "'" + launcher + "' -r '" + repo + "' --password-command \"sh -c 'touch " + started
                + "; exec sleep 1000'\" snapshots & J=$!; echo $J > job.pid;"
                + " while [ ! -e '" + started + "' ]; do sleep 0.01; done; kill -INT $J; wait $J; echo \"exit=$?\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.environment().put("LIFEBOAT_CLASSPATH", System.getProperty("java.class.path"));
        Path log = work.resolve("bg.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        pidsToClean.add(p.pid());
        waitUntil(p, log, "the job started", () -> pid(work.resolve("job.pid")) > 0);
        pidsToClean.add(pid(work.resolve("job.pid")));
        String out = awaitExit(p, log, 0);
        assertThat(out).as(out).containsPattern("(?m)^\\r?interrupted").contains("exit=130");
    }

    private static List<String> withJvmOption(String option, String... args) {
        List<String> cmd = new ArrayList<>(Cli.command(args));
        cmd.add(1, option);
        return cmd;
    }

    private Process start(Path log, List<String> jvm, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args)).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        pidsToClean.add(p.pid());
        return p;
    }

    private int locks() {
        try {
            return Failures.ids(repo, "locks").size();
        } catch (IOException e) {
            return 0;
        }
    }

}
