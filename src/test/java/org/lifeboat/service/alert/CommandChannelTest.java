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
                .isInstanceOf(IOException.class)
                .hasMessage("alert command sleep … did not finish within 1s and was killed.");
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
