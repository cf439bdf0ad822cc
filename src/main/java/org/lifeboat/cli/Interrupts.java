package org.lifeboat.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.apps.Exec;
import org.lifeboat.backend.WriteStop;
import org.lifeboat.repository.RepositoryLock;

/**
 * Ctrl-C (SIGINT) and SIGTERM, as restic handles them: the work stops, nothing more is written to
 * the repository, child processes (dumps, commands) are killed with what they started, this
 * process's lock files are removed (the next command needs no 'unlock'), and one line says so.
 * The JVM then ends with 128 + the signal: 130 for SIGINT as restic, 143 for SIGTERM.
 * Files already written stay consistent: packs come before the index that names them, and the
 * index before the snapshot, so every earlier snapshot stays restorable.
 *
 * <p>A shutdown hook rather than a signal handler: it is standard API, and the plan's other
 * shutdown hooks (after hooks of a system backup, a drill's teardown) still run beside it.
 */
final class Interrupts {
    /** How long in-progress repository writes may take to finish before the lock is removed anyway. */
    private static final Duration WRITE_DRAIN = Duration.ofSeconds(30);

    private static volatile boolean normalExit;
    private static volatile boolean interrupted;

    private Interrupts() {}

    /** Installs the hook; only for the real process (main), never for in-process runs. */
    static void install(PrintStream err) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> onShutdown(err), "lifeboat-interrupt"));
    }

    /** Called right before a normal System.exit: the hook then has nothing to do. */
    static void exiting() {
        normalExit = true;
    }

    /** True once the process is being stopped by a signal: failures from then on are its consequence. */
    static boolean interrupted() {
        return interrupted;
    }

    private static void onShutdown(PrintStream err) {
        if (normalExit) return;
        interrupted = true;
        // Order matters: no write may land after the lock is gone, and a killed dump's end of
        // stream must not be taken for a complete dump and saved.
        boolean drained = WriteStop.stop(WRITE_DRAIN);
        int children = Exec.stopAll();
        List<String> locks = RepositoryLock.releaseAll();
        List<String> done = new ArrayList<>();
        if (!locks.isEmpty()) done.add("lock " + String.join(", ", locks) + " removed");
        if (children > 0) done.add(children + " child process" + (children == 1 ? "" : "es") + " stopped");
        if (!locks.isEmpty()) done.add(drained ? "nothing more was written to the repository"
                : "a repository write was still running after " + WRITE_DRAIN.toSeconds() + " s");
        err.println("\rinterrupted" + (done.isEmpty() ? "" : ": " + String.join(", ", done)));
        err.flush();
    }
}
