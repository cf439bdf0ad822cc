package org.lifeboat.backend;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's cancel token (as Go's context.Context is for restic): the face that runs a job (the CLI
 * on Ctrl-C or SIGTERM, a server on a request) calls {@link #cancel}; every stage of the job calls
 * {@link #check()} between units of work and registers the threads or resources that must be woken
 * with {@link #onCancel}. A cancelled job ends by throwing {@link Cancelled}, so its callers run
 * their finally blocks (lock removal, temporary files) on the normal path, with no JVM shutdown
 * hook. Thread-safe; a token is cancelled at most once.
 */
public final class Cancel {
    /** A token that is never cancelled, for callers that cannot be stopped (tests, tools). */
    public static final Cancel NEVER = new Cancel();

    private final List<Runnable> actions = new ArrayList<>();
    private volatile String reason;

    /** A token not yet cancelled. */
    public Cancel() {}

    /**
     * Cancels the job: later {@link #check()} calls throw, and every registered action runs once
     * (on this thread). Calls after the first do nothing.
     *
     * @param why what stopped the job, e.g. "interrupted" or "the repository lock was lost"; it
     *     becomes the message of {@link Cancelled}
     */
    public void cancel(String why) {
        if (this == NEVER) return;
        List<Runnable> run;
        synchronized (actions) {
            if (reason != null) return;
            reason = why == null || why.isBlank() ? "cancelled" : why;
            run = List.copyOf(actions);
            actions.clear();
        }
        for (Runnable r : run) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // one failing wake-up must not keep the others from running
            }
        }
    }

    /** True once {@link #cancel} was called. */
    public boolean cancelled() {
        return reason != null;
    }

    /** Why the job was cancelled, or null while it was not. */
    public String reason() {
        return reason;
    }

    /**
     * Returns normally while the job may go on.
     *
     * @throws Cancelled once the job is cancelled
     */
    public void check() throws Cancelled {
        String r = reason;
        if (r != null) throw new Cancelled(r);
    }

    /**
     * Runs {@code action} when the job is cancelled (at once if it already is). For waking what
     * {@link #check()} cannot reach: a thread blocked in a read, a socket, a child process.
     *
     * @return a handle that removes the action again (call it when the guarded work ended)
     */
    public Runnable onCancel(Runnable action) {
        synchronized (actions) {
            if (reason == null) {
                if (this != NEVER) actions.add(action);
                return () -> {
                    synchronized (actions) {
                        actions.remove(action);
                    }
                };
            }
        }
        action.run();
        return () -> {};
    }

    /**
     * Thrown by a cancelled job's stages. An {@link InterruptedIOException} so that it passes
     * through every I/O signature and is never taken for damaged data or a retryable fault.
     */
    public static final class Cancelled extends InterruptedIOException {
        private static final long serialVersionUID = 1L;

        /** @param reason why the job was cancelled (one sentence, shown to the user) */
        public Cancelled(String reason) {
            super(reason);
        }
    }
}
