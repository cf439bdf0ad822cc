package org.lifeboat.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OsTest {
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (Exception e) {
            return '?';
        }
    }

    @Test
    void aProcessWhoseMainThreadExitedIsAliveUntilItsOtherThreadsAre() throws Exception {
        // python3 (with ctypes) can end a process's main thread alone; run-tests installs it.
        assertThat(Os.findOnPath("python3", List.of())).as("python3 is needed to end a main thread alone; ./run-tests installs it")
                .isPresent();
        // Like a multi-threaded server killed a moment ago: the main thread is a zombie, the others still run.
        Process p = new ProcessBuilder("python3", "-c", "import threading, time, ctypes\n"
                + "threading.Thread(target=time.sleep, args=(600,)).start()\n"
                + "ctypes.CDLL(None).pthread_exit(None)\n").start();
        long pid = p.pid();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (state(pid) != 'Z' && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(state(pid)).as("main thread of %d exited", pid).isEqualTo('Z');
            assertThat(Os.alive(pid)).isTrue();
            assertThat(Os.waitUntilGone(pid, Duration.ofMillis(300))).isFalse();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Os.waitUntilGone(pid, Duration.ofSeconds(10))).isTrue();
        assertThat(Os.alive(pid)).isFalse();
    }

    @Test
    void programNameWorkingDirAndCommandLineOfAProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "600").directory(Path.of("/tmp").toFile()).start();
        try {
            assertThat(Os.programName(p.pid())).contains("sleep");
            assertThat(Os.workingDir(p.pid())).hasValueSatisfying(d -> assertThat(Os.sameFile(d, Path.of("/tmp"))).isTrue());
            assertThat(Os.commandLine(p.pid())).containsExactly("sleep", "600");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertThat(Os.programName(p.pid())).isEmpty();
        assertThat(Os.workingDir(p.pid())).isEmpty();
    }
}
