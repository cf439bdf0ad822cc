package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.ProcessSignals.DEADLINE_SECONDS;
import static org.lifeboat.cli.ProcessSignals.signal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Ctrl-C (SIGINT) sent to a real Lifeboat process while it reads the repository ('check
 * --read-data', 'restore'): the signal cancels the command's token, the command gets its bounded
 * time to unwind, and the process ends with 130, no lock file left, exactly one line on standard
 * error and no stack trace. The reads are slowed with --limit-download so that the signal surely
 * comes while they run; the test waits for the lock file (and for restore, the first restored
 * file), polling, never sleeping to let time pass.
 */
@Tag("slow")
@Tag("restic")
class InterruptReadTest {

    Path work;
    Path repo;
    Path pw;
    Cli cli;
    String snapshot;
    final List<Long> pidsToClean = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        work = TestDirs.create("interrupt-read");
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        cli = Failures.init(repo, pw);
        Path data = Files.createDirectories(work.resolve("data"));
        writeRandomFiles(data, 3, 16 << 20);
        snapshot = Failures.snapshotId(cli.run("backup", data.toString()).ok());
    }

    @AfterEach
    void tearDown() {
        for (long pid : pidsToClean) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        TestDirs.delete(work);
    }

    @Test
    void sigintDuringCheckReadDataEndsWith130AndOneLine() throws Exception {
        Process p = start("check", "--read-data");
        waitUntil(p, "check holds its lock", () -> !locks().isEmpty());
        signal(p, "INT");
        assertInterrupted(p);
    }

    @Test
    void sigintDuringARestoreEndsWith130AndOneLine() throws Exception {
        Path target = work.resolve("target");
        Process p = start("restore", snapshot, "--target", target.toString());
        waitUntil(p, "restore holds its lock and has begun writing", () -> !locks().isEmpty() && Files.exists(target));
        signal(p, "INT");
        assertInterrupted(p);
    }

    /** Exit 130, one line on stderr saying the lock was removed, no trace, no lock left, restic checks clean. */
    private void assertInterrupted(Process p) throws Exception {
        long signalled = System.nanoTime();
        assertThat(p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).as("the process ends after the signal").isTrue();
        String out = Files.readString(work.resolve("out.log"), StandardCharsets.UTF_8);
        String err = Files.readString(work.resolve("err.log"), StandardCharsets.UTF_8);
        Run r = new Run(p.exitValue(), out, err);
        assertThat(r.exit()).as("exit code of:\n%s", r).isEqualTo(130);
        Failures.assertNoStackTrace(r);
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("exactly one line on stderr:\n%s", r).hasSize(1);
        assertThat(lines.getFirst()).as("%s", r).matches("\\r?interrupted: lock [0-9a-f]{8} removed.*")
                .doesNotContain("Fatal");
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("bounded by the unwind time")
                .isLessThan(Interrupts.UNWIND.plusSeconds(20));
        assertThat(locks()).as("no lock file remains").isEmpty();
        Run check = new Restic(repo, work.resolve("cache")).run("check");
        assertThat(check.exit()).as("restic check without unlock:\n%s", check).isZero();
    }

    private Process start(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString(),
                "--limit-download", "2048"));
        all.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(Cli.command(all.toArray(String[]::new))).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectOutput(work.resolve("out.log").toFile()).redirectError(work.resolve("err.log").toFile());
        Process p = pb.start();
        pidsToClean.add(p.pid());
        return p;
    }

    private void waitUntil(Process p, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(p.isAlive()).as("the process ended before %s:\n%s", what,
                    Files.readString(work.resolve("err.log"))).isTrue();
            assertThat(System.nanoTime()).as("%s within %d s", what, DEADLINE_SECONDS).isLessThan(deadline);
            Thread.sleep(5); // poll interval, not synchronisation: the loop waits for the condition
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
        SplittableRandom rnd = new SplittableRandom(10);
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
