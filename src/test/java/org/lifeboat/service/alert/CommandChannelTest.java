package org.lifeboat.service.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.Exec;
import org.lifeboat.repository.Json;

/** Real {@code /bin/sh} commands: the JSON on stdin, exit codes, the timeout kills the whole tree. */
class CommandChannelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void theCommandReadsTheAlertJsonAsOneLine(@TempDir Path tmp) throws Exception {
        Path got = tmp.resolve("alert.json");
        new CommandChannel("cat > '" + got + "'", TIMEOUT).send(AlertTest.sample(Alert.Event.RESOLVED));
        String text = Files.readString(got, StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        assertThat(text.lines().count()).isEqualTo(1);
        JsonNode j = Json.MAPPER.readTree(text);
        assertThat(j.get("event").asText()).isEqualTo("resolved");
        assertThat(j.get("kind").asText()).isEqualTo("rpo_breached");
        assertThat(j.get("system").asText()).isEqualTo("files");
        assertThat(j.get("host").asText()).isEqualTo("backup1.example.com");
        assertThat(j.get("message").asText()).isEqualTo("The last backup is 26 hours old; the RPO is 24 hours.");
        assertThat(j.get("since").asText()).isEqualTo("2025-03-01T02:00:00Z");
        assertThat(j.get("details").get("rpo_hours").asInt()).isEqualTo(24);
    }

    @Test
    void aCommandThatIgnoresItsInputSucceeds() throws IOException {
        new CommandChannel("true", TIMEOUT).send(AlertTest.sample(Alert.Event.ALERT));
    }

    @Test
    void aNonZeroExitNamesTheCodeAndTheLastLine() {
        var ch = new CommandChannel("echo starting; echo 'the pager service is down' >&2; exit 3", TIMEOUT);
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessage("alert command echo … exited with code 3: the pager service is down");
    }

    @Test
    void outputIsBoundedToItsLast64KiB() {
        var ch = new CommandChannel("head -c 300000 /dev/zero | tr '\\0' x; echo; echo last words; exit 1", TIMEOUT);
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageEndingWith("exited with code 1: last words");

        var tail = new CommandChannel.Tail();
        byte[] chunk = new byte[5000];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(chunk, (byte) ('a' + i % 26));
            tail.add(chunk, chunk.length);
        }
        String kept = tail.toString();
        assertThat(kept).hasSize(CommandChannel.OUTPUT_LIMIT);
        assertThat(kept).endsWith("v".repeat(5000)); // the 100th chunk: 'a' + 99 % 26
    }

    @Test
    void aCommandRunningPastTheTimeoutIsKilledWithItsChildren(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        var ch = new CommandChannel("sleep 600 & echo $! > '" + pidFile + "'; wait", Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(DeliveryUnknownException.class)
                .hasMessage("alert command sleep … did not finish within 1s and was killed with what it started;"
                        + " it counts as failed, but is not run again for this alert, as it may have delivered it.");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

        long pid = Long.parseLong(Files.readString(pidFile).strip());
        var child = ProcessHandle.of(pid);
        if (child.isPresent()) {
            try {
                // SIGKILL was sent: wait (bounded) for its exit to be seen rather than sleep.
                child.get().onExit().get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // A zombie nobody reaps (a container's PID 1) is dead too: checked below.
            }
        }
        assertThat(Exec.alive(pid)).as("the background sleep was killed").isFalse();
    }

    /** Waits (bounded) until {@code f} holds a line, by polling the file system: the command writes it. */
    static String awaitFile(Path f) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(f)) {
                String t = Files.readString(f);
                if (t.endsWith("\n")) return t.strip();
            }
            Thread.onSpinWait();
        }
        throw new AssertionError(f + " was not written");
    }

    /** Waits (bounded) for {@code pid} to end; true when it is gone (a zombie nobody reaps counts as gone). */
    static boolean gone(long pid) throws Exception {
        var h = ProcessHandle.of(pid);
        if (h.isPresent()) {
            try {
                h.get().onExit().get(15, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // checked below
            }
        }
        return !Exec.alive(pid);
    }

    @Test
    void oneAlertIsNeverRunTwiceAtATime(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("runs.log");
        Path gate = tmp.resolve("gate");
        new ProcessBuilder("mkfifo", gate.toString()).start().waitFor();
        var ch = new CommandChannel("echo started >> '" + log + "'; cat '" + gate + "' > /dev/null", TIMEOUT);
        Alert a = AlertTest.sample(Alert.Event.ALERT);
        var first = java.util.concurrent.CompletableFuture.runAsync(() -> sendQuietly(ch, a));
        awaitFile(log);
        Thread second = Thread.ofPlatform().start(() -> sendQuietly(ch, a));
        // The second try waits for the first run rather than starting another.
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (second.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < end) Thread.onSpinWait();
        assertThat(second.getState()).isEqualTo(Thread.State.TIMED_WAITING);
        Files.writeString(gate, "go\n"); // opens the FIFO: the first run ends
        first.get(20, TimeUnit.SECONDS);
        second.join(Duration.ofSeconds(20));
        assertThat(second.isAlive()).isFalse();
        assertThat(Files.readAllLines(log)).containsExactly("started");
    }

    private static void sendQuietly(CommandChannel ch, Alert a) {
        try {
            ch.send(a);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void closeStopsARunningCommandWithWhatItStarted(@TempDir Path tmp) throws Exception {
        Path pids = tmp.resolve("pids");
        var ch = new CommandChannel("sleep 600 & echo $$ $! > '" + pids + "'; wait", TIMEOUT);
        var run = java.util.concurrent.CompletableFuture.runAsync(() -> sendQuietly(ch, AlertTest.sample(Alert.Event.ALERT)));
        String[] p = awaitFile(pids).split(" ");
        ch.close();
        assertThat(gone(Long.parseLong(p[0]))).as("the shell was stopped").isTrue();
        assertThat(gone(Long.parseLong(p[1]))).as("its background sleep was stopped").isTrue();
        assertThatThrownBy(() -> run.get(20, TimeUnit.SECONDS))
                .hasRootCauseMessage("alert command sleep … was stopped: the service is stopping.");
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .hasMessage("alert command sleep … was not run: the service is stopping.");
    }

    @Test
    void aStoppedJvmLeavesNoAlertCommandBehind(@TempDir Path tmp) throws Exception {
        // brk13c C13: SIGTERM to the JVM while an alert command runs; before, it ran on under init.
        Path pids = tmp.resolve("pids");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CommandChannelMain.class.getName(), "sleep 600 & echo $$ $! > '" + pids + "'; wait")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("jvm.log").toFile()).start();
        try {
            String[] p = awaitFile(pids).split(" ");
            jvm.destroy(); // SIGTERM
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(gone(Long.parseLong(p[0]))).as("the alert command's shell was stopped; the JVM said: %s",
                    Files.readString(tmp.resolve("jvm.log"))).isTrue();
            assertThat(gone(Long.parseLong(p[1]))).as("its sleep was stopped").isTrue();
        } finally {
            jvm.destroyForcibly();
        }
    }

    @Test
    void describeShowsTheProgramOnly() {
        assertThat(new CommandChannel("/usr/local/bin/page-oncall", TIMEOUT).describe())
                .isEqualTo("command /usr/local/bin/page-oncall");
        assertThat(new CommandChannel(" /usr/local/bin/page-oncall --token s3cr3t ", TIMEOUT).describe())
                .isEqualTo("command /usr/local/bin/page-oncall …");
        assertThatThrownBy(() -> new CommandChannel("  ", TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CommandChannel("true", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
