package org.lifeboat.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecTest {
    @Test
    void childrenGetTheUsersLocaleBackWhenTheLauncherOverrodeIt() throws IOException {
        // the launcher set LC_ALL=C.UTF-8 for the JVM of a user who had no LC_ALL
        Map<String, String> env = new HashMap<>(Map.of("LC_ALL", "C.UTF-8", "LIFEBOAT_LOCALE_OVERRIDDEN", "1",
                "LANG", "de_DE.ISO-8859-1"));
        Exec.restoreLocale(env);
        assertThat(env).doesNotContainKeys("LC_ALL", "LIFEBOAT_LOCALE_OVERRIDDEN").containsEntry("LANG", "de_DE.ISO-8859-1");
        // one who had LC_ALL=POSIX gets it back, through a real child
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf %s \"$LC_ALL\"");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("LIFEBOAT_LOCALE_OVERRIDDEN", "1");
        pb.environment().put("LIFEBOAT_ORIG_LC_ALL", "POSIX");
        Exec.environment(pb, null);
        Process p = pb.start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("POSIX");
        assertThat(pb.environment()).doesNotContainKeys("LIFEBOAT_ORIG_LC_ALL", "LIFEBOAT_LOCALE_OVERRIDDEN");
    }

    private static final Duration T = Duration.ofSeconds(30);

    private static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    @Test
    void timeoutKillsTheWholeProcessTree(@TempDir Path tmp) throws IOException {
        Path pidFile = tmp.resolve("child.pid");
        Path ready = tmp.resolve("ready");
        long start = System.nanoTime();
        // The shell starts a grandchild and waits; both must die, or a runaway dump would live on.
        assertThatThrownBy(() -> Exec.run(sh("sleep 600 & echo $! > " + pidFile + "; touch " + ready + "; wait"),
                Map.of(), null, Duration.ofMillis(1500)))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("sh -c")
                .hasMessageContaining("did not finish within 1.5s and was killed")
                .satisfies(e -> assertThat(((AppException) e).exitCode()).isEqualTo(AppException.NO_EXIT_CODE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(ready).exists();
        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(Os.alive(grandchild)).as("grandchild %d still alive", grandchild).isFalse();
    }

    @Test
    void nonZeroExitNamesTheCommandTheCodeAndTheLastStderrLines() {
        String script = "for i in $(seq 1 100); do echo line$i >&2; done; exit 3";
        assertThatThrownBy(() -> Exec.check(sh(script), Map.of(), null, T))
                .isInstanceOfSatisfying(AppException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.command()).startsWith("sh -c ");
                    assertThat(e.getMessage()).startsWith("sh -c ").contains("failed with exit code 3")
                            .contains("line81\n").endsWith("line100").doesNotContain("line80\n");
                    assertThat(e.stderrTail().lines()).hasSize(Exec.TAIL_LINES);
                });
    }

    @Test
    void runReportsTheExitCodeWithoutThrowing() throws IOException {
        Exec.Result r = Exec.run(sh("echo out; echo err >&2; exit 7"), Map.of(), null, T);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void stdinIsStreamedAndEnvIsLaidOverTheInheritedOne() throws IOException {
        byte[] big = new byte[3 << 20]; // more than a pipe holds: feeding and draining must overlap
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        Exec.Result r = Exec.check(List.of("wc", "-c"), Map.of(), new ByteArrayInputStream(big), T);
        assertThat(r.stdout().strip()).isEqualTo(Integer.toString(big.length));

        Map<String, String> env = new HashMap<>();
        env.put("LIFEBOAT_TEST_VAR", "set");
        env.put("HOME", null); // null removes
        Exec.Result e = Exec.check(sh("echo \"$LIFEBOAT_TEST_VAR ${HOME:-unset} ${PATH:+path}\""), env, null, T);
        assertThat(e.stdout()).isEqualTo("set unset path\n");
    }

    @Test
    void aFailingInputKillsTheProcessAndIsReported() {
        InputStream failing = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ < 1000) return 'x';
                throw new IOException("repository pack damaged");
            }
        };
        // cat would exit 0 on a closed stdin; the truncated input must not pass as complete.
        assertThatThrownBy(() -> Exec.check(List.of("cat"), Map.of(), failing, T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("reading the input for cat failed")
                .hasMessageContaining("repository pack damaged")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void missingProgramIsAnAppException() {
        assertThatThrownBy(() -> Exec.run(List.of("/nonexistent/lifeboat-tool"), Map.of(), null, T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("lifeboat-tool could not be started");
    }

    @Test
    void streamedOutputThatEndsInFailureThrowsAtTheEnd() throws IOException {
        InputStream in = Exec.streamStdout(sh("printf partial; echo 'dump: disk on fire' >&2; exit 4"), Map.of(), "test dump");
        byte[] buf = new byte[100];
        assertThat(in.readNBytes(buf, 0, 7)).isEqualTo(7);
        assertThat(new String(buf, 0, 7, StandardCharsets.US_ASCII)).isEqualTo("partial");
        assertThatThrownBy(in::read)
                .isInstanceOfSatisfying(AppException.class, e -> {
                    assertThat(e.getMessage()).startsWith("test dump failed with exit code 4").contains("disk on fire");
                    assertThat(e.exitCode()).isEqualTo(4);
                });
        in.close(); // already reported: close stays quiet (try-with-resources must not self-suppress)
    }

    @Test
    void closeBeforeTheEndStillThrowsWhenTheProcessFailed() throws IOException {
        InputStream in = Exec.streamStdout(sh("printf abc; echo 'oops' >&2; exit 1"), Map.of(), "test dump");
        assertThat(in.readNBytes(3)).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(in::close)
                .isInstanceOf(AppException.class)
                .hasMessageContaining("test dump (its output was closed before the end) failed with exit code 1")
                .hasMessageContaining("oops");
    }

    @Test
    void successfulStreamReadsEverythingAndClosesQuietly() throws IOException {
        try (InputStream in = Exec.streamStdout(sh("seq 1 100000"), Map.of(), "seq")) {
            String all = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all).startsWith("1\n2\n").endsWith("\n100000\n");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void abandoningAnEndlessStreamStopsTheProcess() throws IOException {
        InputStream in = Exec.streamStdout(List.of("yes"), Map.of(), "endless");
        assertThat(in.readNBytes(10)).hasSize(10);
        long start = System.nanoTime();
        // yes dies of the closed pipe: a non-zero exit, reported like any other.
        assertThatThrownBy(in::close).isInstanceOf(AppException.class).hasMessageContaining("endless");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aStreamPastItsDeadlineIsKilledWithItsChildrenAndTheNextReadSaysSo(@TempDir Path tmp) throws IOException {
        Path pidFile = tmp.resolve("child.pid");
        long start = System.nanoTime();
        InputStream in = Exec.streamStdout(sh("printf head; sleep 600 & echo $! > " + pidFile + "; wait"), Map.of(),
                "slow dump", Duration.ofMillis(1500));
        assertThat(in.readNBytes(4)).isEqualTo("head".getBytes(StandardCharsets.US_ASCII));
        // The grandchild holds stdout open: without the deadline this read would wait 10 minutes.
        assertThatThrownBy(in::read)
                .isInstanceOfSatisfying(AppException.class, e -> {
                    assertThat(e.getMessage()).startsWith("slow dump timed out after 1.5s");
                    assertThat(e.exitCode()).isEqualTo(AppException.NO_EXIT_CODE);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(Os.alive(grandchild)).as("grandchild %d still alive", grandchild).isFalse();
        assertThatThrownBy(in::read).isInstanceOf(AppException.class).hasMessageContaining("timed out");
        in.close(); // already reported: close stays quiet (try-with-resources must not self-suppress)
    }

    @Test
    void closingAStreamPastItsDeadlineSaysItTimedOut() throws Exception {
        InputStream in = Exec.streamStdout(List.of("sleep", "600"), Map.of(), "stuck dump", Duration.ofMillis(300));
        Thread.sleep(1000);
        long start = System.nanoTime();
        assertThatThrownBy(in::close).isInstanceOf(AppException.class)
                .hasMessageStartingWith("stuck dump timed out after 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aStreamThatEndsInTimeIsUntouchedByItsDeadline() throws Exception {
        try (InputStream in = Exec.streamStdout(sh("seq 1 100000"), Map.of(), "seq", Duration.ofMillis(800))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).endsWith("\n100000\n");
            Thread.sleep(1200); // past the deadline: the process is long done
            assertThat(in.read()).isEqualTo(-1);
        }
        InputStream failing = Exec.streamStdout(sh("echo no >&2; exit 2"), Map.of(), "quick failure", Duration.ofSeconds(30));
        assertThatThrownBy(failing::readAllBytes).isInstanceOf(AppException.class)
                .hasMessageStartingWith("quick failure failed with exit code 2");
    }

    /** KEY=VALUE lines of env's output (values holding newlines are not expected here). */
    private static Map<String, String> parseEnv(String out) {
        Map<String, String> vars = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) vars.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return vars;
    }

    @Test
    void secretsNeverReachAChildAndANullValueRemovesAVariable() throws IOException {
        assertThat(Exec.SECRET_VARIABLES).containsExactlyInAnyOrder(
                "LIFEBOAT_PASSWORD", "LIFEBOAT_PASSWORD_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE");
        // One of our own variables stands in for a plan's password variable the caller wants gone.
        String inherited = System.getenv().keySet().stream().filter(k -> !k.equals("PATH")).sorted().findFirst()
                .orElseThrow();
        Map<String, String> env = new HashMap<>();
        for (String v : Exec.SECRET_VARIABLES) env.put(v, "leaked-" + v); // even when asked for explicitly
        env.put(inherited, null);
        env.put("LIFEBOAT_TEST_KEEP", "kept");

        String ran = Exec.check(List.of("env"), env, null, T).stdout();
        String streamed;
        try (InputStream in = Exec.streamStdout(List.of("env"), env, "env")) {
            streamed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String out : List.of(ran, streamed)) {
            assertThat(parseEnv(out)).containsEntry("LIFEBOAT_TEST_KEEP", "kept")
                    .doesNotContainKeys(Exec.SECRET_VARIABLES.toArray(String[]::new))
                    .doesNotContainKey(inherited);
            assertThat(out).doesNotContain("leaked-");
        }
    }

    @Test
    void secretsInheritedFromLifeboatItselfAreScrubbed() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("env").redirectErrorStream(true);
        // As if Lifeboat had been started with them: ProcessBuilder's environment starts as a copy of ours.
        for (String v : Exec.SECRET_VARIABLES) pb.environment().put(v, "inherited-" + v);
        Exec.environment(pb, Map.of("LIFEBOAT_TEST_KEEP", "kept"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(parseEnv(out)).containsEntry("LIFEBOAT_TEST_KEEP", "kept")
                .doesNotContainKeys(Exec.SECRET_VARIABLES.toArray(String[]::new));
    }

    @Test
    void describeQuotesAndUnwrapsRunuser() {
        assertThat(Exec.describe(List.of("/usr/bin/psql", "--dbname=a b", "-c", "x")))
                .isEqualTo("psql '--dbname=a b' -c x");
        assertThat(Exec.describe(List.of("/usr/sbin/runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/initdb", "-D", "/d")))
                .isEqualTo("initdb -D /d (as postgres)");
    }
}
