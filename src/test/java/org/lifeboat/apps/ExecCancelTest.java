package org.lifeboat.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;

/**
 * A process started for a job dies, with everything it started, as soon as the job's token is
 * cancelled, long before its own timeout; the call then throws {@link Cancel.Cancelled} with the
 * job's reason, never a failure of the tool (exit 137) or output taken as complete.
 */
class ExecCancelTest {
    private static final Duration LONG = Duration.ofMinutes(10);

    private static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    @Test
    void cancellingTheJobKillsARunningProcessTreePromptly(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        Cancel job = new Cancel();
        Thread canceller = Thread.ofPlatform().start(() -> {
            waitFor(() -> pid(pidFile) > 0);
            job.cancel("interrupted by the test");
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> Exec.run(sh("echo $$ > " + tmp.resolve("shell.pid") + "; sleep 600 & echo $! > "
                + pidFile + "; wait"), Map.of(), null, LONG, job))
                .isInstanceOf(Cancel.Cancelled.class).hasMessage("interrupted by the test");
        canceller.join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended at the cancel, not at the timeout")
                .isLessThan(Duration.ofSeconds(30));
        assertThat(Os.alive(pid(pidFile))).as("the grandchild (sleep) was killed").isFalse();
        assertThat(Os.alive(pid(tmp.resolve("shell.pid")))).as("the shell was killed").isFalse();
    }

    @Test
    void aStreamOfACancelledJobIsKilledAndTheNextReadSaysWhy(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        Cancel job = new Cancel();
        try (InputStream in = Exec.streamStdout(sh("echo first; sleep 600 & echo $! > " + pidFile + "; wait"),
                Map.of(), "the dump", null, job)) {
            assertThat(in.read(new byte[6])).isEqualTo(6); // "first\n"
            waitFor(() -> pid(pidFile) > 0);
            job.cancel("the repository lock was lost");
            assertThat(Os.alive(pid(pidFile))).as("killed on the cancelling thread, before cancel() returned").isFalse();
            assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(Cancel.Cancelled.class)
                    .hasMessage("the repository lock was lost");
        }
    }

    @Test
    void aCancelledJobStartsNothing(@TempDir Path tmp) {
        Cancel job = new Cancel();
        job.cancel("interrupted");
        Path marker = tmp.resolve("ran");
        assertThatThrownBy(() -> Exec.check(sh("touch " + marker), Map.of(), null, LONG, job))
                .isInstanceOf(Cancel.Cancelled.class);
        assertThatThrownBy(() -> Exec.streamStdout(sh("touch " + marker), Map.of(), "x", null, job))
                .isInstanceOf(Cancel.Cancelled.class);
        assertThat(marker).doesNotExist();
    }

    @Test
    void aProcessThatEndedNormallyLeavesNothingOnTheToken() throws Exception {
        Cancel job = new Cancel();
        assertThat(Exec.check(sh("printf ok"), Map.of(), null, LONG, job).stdout()).isEqualTo("ok");
        int before = Exec.stoppedCount();
        job.cancel("later");
        assertThat(Exec.stoppedCount()).as("no process was killed for a cancel after its end").isEqualTo(before);
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

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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
