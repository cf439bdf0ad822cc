package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the tests that signal a real Lifeboat process share: sending the signal, waiting for a
 * condition or the exit (polling, never sleeping to let time pass), and reading PIDs that shells
 * wrote. Every wait ends after {@link #DEADLINE_SECONDS}.
 */
final class ProcessSignals {
    /** The longest any wait of these tests may take, in seconds. */
    static final long DEADLINE_SECONDS = 90;

    private ProcessSignals() {}

    /** Sends {@code signal} (e.g. "INT", "TERM") to {@code p} with kill(1). */
    static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** Waits for {@code p} to end with {@code exit}; returns its output (the log it wrote). */
    static String awaitExit(Process p, Path log, int exit) throws Exception {
        assertThat(p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).as("the process ends: %s", Files.readString(log)).isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; output:\n%s", out).isEqualTo(exit);
        return out;
    }

    /** Polls until {@code condition} holds, failing if {@code p} ends first or the deadline passes. */
    static void waitUntil(Process p, Path log, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(p.isAlive()).as("the process ended before %s:\n%s", what, Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("%s within %d s", what, DEADLINE_SECONDS).isLessThan(deadline);
            Thread.sleep(5); // poll interval, not synchronisation: the loop waits for the condition
        }
    }

    /** The PID a shell wrote to {@code file}, or 0 while it is not (completely) there. */
    static long pid(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Running: in /proc and not a zombie (a zombie's parent may be a container's init that never reaps). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
