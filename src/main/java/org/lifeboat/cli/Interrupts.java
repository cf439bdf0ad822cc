package org.lifeboat.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.lifeboat.apps.Exec;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.WriteStop;
import org.lifeboat.repository.RepositoryLock;

/**
 * Ctrl-C (SIGINT) and SIGTERM, as restic 0.16+ handles them: the signal cancels the running
 * command's {@link Cancel} token, and the command ends on its normal path. In order:
 * <ol>
 * <li>repository writes are stopped ({@link WriteStop}: writes in flight finish, at most 30 s, no
 *     new one starts), so nothing lands after the lock is gone;
 * <li>the token is cancelled: the engines stop at their next check, child processes registered on
 *     it (dumps, password commands, hooks) are killed with what they started, blocked waits wake;
 *     every other child of this process is killed too ({@link Exec#stopAll()});
 * <li>the command gets {@link #UNWIND} (10 s) to unwind through its finally blocks: its lock is
 *     removed there, a drill tears its sandbox down, after hooks run;
 * <li>a command that did not end in time is left behind: the locks it still holds are removed
 *     ({@link RepositoryLock#releaseAll()});
 * <li>one line says what was done, and the JVM ends with 128 + the signal: 130 for SIGINT (as
 *     restic), 143 for SIGTERM.
 * </ol>
 * A second Ctrl-C skips the rest of the wait. Files already written stay consistent: packs come
 * before the index that names them, and the index before the snapshot.
 *
 * <p>The signals are caught with {@code sun.misc.Signal} (module jdk.unsupported, public and
 * supported since JDK 9 for exactly this), so the JVM is not shutting down while the command
 * unwinds. The one JVM shutdown hook of Lifeboat, installed here, is the fallback for every other
 * way the JVM may be stopped (SIGHUP, a JVM started with -Xrs): it runs the same steps, and
 * engines register none of their own.
 */
final class Interrupts {
    /** How long in-progress repository writes may take to finish before the lock is removed anyway. */
    private static final Duration WRITE_DRAIN = Duration.ofSeconds(30);
    /** How long the command may take to unwind after the cancel before the process ends without it. */
    static final Duration UNWIND = Duration.ofSeconds(10);

    private static final Object STATE = new Object();
    private static Cancel job = Cancel.NEVER; // the running command's token
    private static boolean exiting; // the command ended and the process is exiting normally
    private static int signalled; // 128 + the signal once one was caught, 0 before
    private static volatile boolean interrupted;
    /** Opened when the command has returned (its finally blocks have run). */
    private static final CountDownLatch ENDED = new CountDownLatch(1);
    /** Opened by a second signal: stop waiting for the command. */
    private static final CountDownLatch HURRY = new CountDownLatch(1);

    private Interrupts() {}

    /**
     * Catches SIGINT and SIGTERM for the command whose token is {@code cancel}, and installs the
     * fallback shutdown hook; only for the real process (main), never for in-process runs.
     * {@code err}: where the one line goes, null for whatever {@code System.err} is at that time.
     */
    static void install(PrintStream err, Cancel cancel) {
        synchronized (STATE) {
            job = cancel;
        }
        handle("INT", err);
        handle("TERM", err);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop("the JVM is shutting down", 0, err, false),
                "lifeboat-interrupt"));
        // Cancelled for another reason (its repository lock was lost): the command may be blocked
        // where no check reaches (a read of stdin), so it gets the same bounded unwind, then the
        // process ends with the reason and exit 1, removing only locks it still owns.
        cancel.onCancel(() -> {
            synchronized (STATE) {
                if (signalled != 0 || exiting) return; // a signal's own path, or a normal end
            }
            Thread.ofPlatform().name("lifeboat-cancelled").daemon(true).start(() -> {
                if (await(ENDED, UNWIND)) return; // the command ended on its own: main exits with its code
                synchronized (STATE) {
                    if (signalled != 0 || exiting) return;
                    exiting = true;
                }
                RepositoryLock.releaseAll(); // lost locks are not ours any more: release() skips them
                Exec.stopAll();
                PrintStream e = err != null ? err : System.err;
                e.println("\rFatal: " + cancel.reason() + " (the command had not stopped " + UNWIND.toSeconds()
                        + " s later, so the process ended without it)");
                e.flush();
                Runtime.getRuntime().halt(ExitCodes.FATAL);
            });
        });
    }

    private static void handle(String name, PrintStream err) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                // On its own thread: the JVM's signal dispatcher must stay free for a second signal.
                Thread.ofPlatform().name("lifeboat-SIG" + name)
                        .start(() -> stop("interrupted (SIG" + name + ")", 128 + s.getNumber(), err, true));
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // The JVM keeps this signal (-Xrs): its shutdown runs the fallback hook instead.
        }
    }

    /**
     * Called by main when the command returned with {@code code}: exits with it, unless a signal
     * is being handled, in which case the handler ends the process (this never returns then).
     */
    static void exit(int code) {
        boolean normal;
        synchronized (STATE) {
            normal = signalled == 0;
            if (normal) exiting = true;
        }
        ENDED.countDown();
        if (normal) System.exit(code);
        // The signal's thread reports and exits; this thread must not race it with another code.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException ignored) {
                // wait on: only the signal's System.exit ends the process now
            }
        }
    }

    /** True once the process is being stopped by a signal: failures from then on are its consequence. */
    static boolean interrupted() {
        return interrupted;
    }

    /**
     * The steps of the class comment. {@code exit}: end the JVM with {@code code} (a caught
     * signal); false in the shutdown hook, where the JVM is ending already.
     */
    private static void stop(String why, int code, PrintStream err, boolean exit) {
        Cancel cancel;
        synchronized (STATE) {
            if (exiting) return; // a normal exit: nothing to do
            if (signalled != 0) {
                HURRY.countDown(); // a second signal: no more waiting
                return;
            }
            signalled = code == 0 ? -1 : code;
            cancel = job;
        }
        interrupted = true;
        // Writes stop before anything can unwind: a lock closed by the command waits for the drain.
        boolean[] drained = new boolean[1];
        Thread drain = Thread.ofPlatform().name("lifeboat-write-stop").start(() -> {
            drained[0] = WriteStop.stop(WRITE_DRAIN);
            RepositoryLock.writesDrained();
        });
        while (!WriteStop.stopped() && drain.isAlive()) Thread.onSpinWait();
        cancel.cancel(why);
        Exec.stopAll();
        await(drain, WRITE_DRAIN.plusSeconds(1));
        boolean unwound = await(ENDED, UNWIND);
        // Writes were stopped before the cancel, so every lock removed since, by the command's own
        // finally or by releaseAll, is in removedWhileStopped (a removal that failed is not).
        RepositoryLock.releaseAll();
        List<String> locks = RepositoryLock.removedWhileStopped();
        int children = Exec.stoppedCount();
        List<String> done = new ArrayList<>();
        if (!locks.isEmpty()) done.add("lock " + String.join(", ", locks.stream().distinct().toList()) + " removed");
        if (children > 0) done.add(children + " child process" + (children == 1 ? "" : "es") + " stopped");
        if (!locks.isEmpty()) done.add(drained[0] ? "nothing more was written to the repository"
                : "a repository write was still running after " + WRITE_DRAIN.toSeconds() + " s");
        if (!unwound) done.add(HURRY.getCount() == 0 ? "a second interrupt ended the wait"
                : "the command had not stopped after " + UNWIND.toSeconds() + " s, so the process ended without it");
        // null: the stream of the moment (main installs this before it wraps System.err).
        PrintStream e = err != null ? err : System.err;
        e.println("\rinterrupted" + (done.isEmpty() ? "" : ": " + String.join(", ", done)));
        e.flush();
        if (exit) System.exit(code);
    }

    /** Waits for the command or the write drain; a second signal cuts the command's wait short. */
    private static boolean await(CountDownLatch latch, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (latch.await(50, TimeUnit.MILLISECONDS)) return true;
                if (HURRY.getCount() == 0) return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return latch.getCount() == 0;
    }

    private static void await(Thread t, Duration max) {
        try {
            t.join(max);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
