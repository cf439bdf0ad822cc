package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.Exec;
import org.lifeboat.backend.Cancel;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.testutil.PlanRuns;

/**
 * A drill whose job is cancelled (Ctrl-C in the CLI) tears its sandbox down on its normal path,
 * with no JVM shutdown hook: the background process it started and a step still running are
 * stopped at the cancel, the sandbox folder is removed, and run() ends with the cancel's reason.
 */
class DrillCancelTest {
    @TempDir
    Path dir;

    private final List<Path> pidFiles = new java.util.ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Path f : pidFiles) {
            long pid = pid(f);
            if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void cancellingADrillStopsWhatItStartedAndRemovesTheSandbox() throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "hello\n");
        Path daemonPid = dir.resolve("daemon.pid");
        Path stepPid = dir.resolve("step.pid");
        Path rootFile = dir.resolve("root.txt");
        pidFiles.add(daemonPid);
        pidFiles.add(stepPid);
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod }
                  sandbox: { root: "${temp-dir}" }
                state-dir: state
                systems:
                  docs:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/docs } ] }
                    restore:
                      - path: { from: prod/docs, to: "${root}/docs" }
                      - command: { run: "echo $$ > %s; exec sleep 600", background: true }
                      - command: { run: "echo ${root} > %s; echo $$ > %s; exec sleep 600", timeout: 10m }
                """.formatted(daemonPid, rootFile, stepPid));
        PlanRuns.lifeboat(plan, "backup", "--all").ok();

        Cancel job = new Cancel();
        Thread canceller = Thread.ofPlatform().start(() -> {
            waitFor(() -> pid(daemonPid) > 0 && pid(stepPid) > 0);
            job.cancel("interrupted");
        });
        Drill drill = new Drill(plan, new Drill.Options(List.of("docs"), null, false, 1.0, Duration.ofDays(7), 1),
                new Recovery.Listener() {}, job);
        long start = System.nanoTime();
        assertThatThrownBy(() -> drill.run("d1")).isInstanceOf(Cancel.Cancelled.class).hasMessage("interrupted");
        canceller.join();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the drill ended at the cancel, not after its step")
                .isLessThan(Duration.ofMinutes(2));
        assertThat(Exec.alive(pid(daemonPid))).as("the background process was stopped").isFalse();
        assertThat(Exec.alive(pid(stepPid))).as("the running step was stopped").isFalse();
        Path root = Path.of(Files.readString(rootFile).strip());
        while (root != null && !root.getFileName().toString().startsWith("lifeboat-drill-d1-")) root = root.getParent();
        assertThat(root).as("the site root lies in the drill's folder").isNotNull();
        assertThat(root).as("the drill's folder was removed").doesNotExist();
    }

    /** The PID a shell wrote to {@code file}, or 0 while it is not (completely) there. */
    private static long pid(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5); // poll interval: the loop waits for the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
