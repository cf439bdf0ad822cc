package org.lifeboat.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Lifeboat in its own JVM and kills it with SIGKILL (kill -9) once a condition on the
 * repository holds: the crash tests' way to stop a command at a chosen moment.
 *
 * <pre>
 * KillAt.Outcome o = KillAt.run(args, log, () -&gt; packs(repo).size() &gt; before, 60, "FIRST_PACK");
 * if (o.killed()) ...
 * </pre>
 */
public final class KillAt {
    private KillAt() {}

    /** A condition polled until it holds (it may read files, hence the exception). */
    @FunctionalInterface
    public interface Moment {
        boolean reached() throws Exception;
    }

    /**
     * How the process ended.
     *
     * @param exit   its exit value (137: killed by SIGKILL)
     * @param output what it printed, standard output and error together
     */
    public record Outcome(int exit, String output) {
        /** True when the kill ended the process, false when it had ended by itself before. */
        public boolean killed() {
            return exit == 137;
        }
    }

    /**
     * Starts {@code lifeboat args} (LIFEBOAT_* and RESTIC_* variables of the test's environment
     * removed, output to {@code log}), polls {@code moment} until it holds or the process ends, then
     * kills the process with SIGKILL and waits (at most 30 s) for it to end.
     *
     * @param deadlineSeconds how long the moment may take, in seconds; longer fails the test, naming {@code what}
     * @throws AssertionError when the moment is not reached in time or the process does not end
     */
    public static Outcome run(List<String> args, Path log, Moment moment, long deadlineSeconds, String what) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args.toArray(String[]::new)));
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(deadlineSeconds);
        try {
            while (!moment.reached()) {
                if (!p.isAlive()) break;
                assertThat(System.nanoTime()).as("%s not reached within %d s", what, deadlineSeconds).isLessThan(deadline);
                Thread.sleep(1); // poll interval, not synchronisation: the loop waits for the condition
            }
        } finally {
            p.destroyForcibly(); // SIGKILL, also when the wait failed: no process outlives the test
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s: the process ended after SIGKILL", what).isTrue();
        return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
