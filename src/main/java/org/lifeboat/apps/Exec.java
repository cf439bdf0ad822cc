package org.lifeboat.apps;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;

/**
 * Runs external programs without a shell (pass {@code sh -c} yourself if you need one). Each run
 * has a timeout after which the process and everything it started are killed; stdin can be fed
 * from any stream; stdout is kept (up to {@link #STDOUT_LIMIT} bytes) and stderr's last
 * {@link #STDERR_LIMIT} bytes are kept for the error message. {@code env} is laid over the
 * inherited environment; a null value removes a variable (so callers scrub more names, e.g. a
 * plan's password variables), and {@link #SECRET_VARIABLES} are always removed. Secrets belong in
 * {@code env}, never in {@code cmd}: the command line is visible to every user of the machine and
 * goes into messages.
 *
 * <p>A process started for a job (the overloads taking a {@link Cancel}) is killed with everything
 * it started as soon as the job's token is cancelled, and the call then throws
 * {@link Cancel.Cancelled}; {@link #stopAll()} kills every process of this JVM (an interrupted CLI).
 */
public final class Exec {
    private Exec() {}

    /**
     * Variables holding Lifeboat's repository password or naming its file: no child process gets
     * them, not even when {@code env} sets them. No tool needs the key to every backup.
     */
    public static final Set<String> SECRET_VARIABLES =
            Set.of("LIFEBOAT_PASSWORD", "LIFEBOAT_PASSWORD_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE");

    /** Bytes of stdout {@link #run} keeps (the head: the first rows of a query are what matter). */
    static final int STDOUT_LIMIT = 16 << 20;
    /** Bytes of stderr kept (the tail: the last lines say why a tool gave up). */
    static final int STDERR_LIMIT = 64 << 10;
    /** stderr lines quoted in an error message. */
    static final int TAIL_LINES = 20;
    /** How long to wait for the output pipes to drain after exit (a daemon child may hold them). */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(5);
    /** How long a streamed process may take to exit once its stdout has ended. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);
    /** How long a streamed process closed before its end may take to notice and exit. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** What a finished process left: its exit code, stdout (head) and stderr (tail). */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The last lines of stderr, as quoted in error messages. */
        public String stderrTail() {
            return tail(stderr, TAIL_LINES);
        }
    }

    /**
     * Runs {@code cmd} to completion. stdin (may be null: the process sees end of input at once)
     * is copied to the process and closed at its end; if reading it fails the process is killed
     * and the read error is thrown, so a tool is never left to act on a truncated input.
     *
     * @throws AppException if the process cannot be started or does not finish within {@code timeout}
     */
    public static Result run(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout)
            throws IOException {
        return run(cmd, env, stdin, timeout, null, null);
    }

    /**
     * {@link #run(List, Map, InputStream, Duration)} for a job: cancelling {@code cancel} kills the
     * process and what it started at once.
     *
     * @throws Cancel.Cancelled if the job was cancelled before or while the process ran
     * @throws AppException if the process cannot be started or does not finish within {@code timeout}
     */
    public static Result run(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout,
            Cancel cancel) throws IOException {
        return run(cmd, env, stdin, timeout, null, null, cancel);
    }

    /** Like {@link #run}, but a non-zero exit code is an {@link AppException}. */
    public static Result check(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout)
            throws IOException {
        return check(cmd, env, stdin, timeout, Cancel.NEVER);
    }

    /**
     * {@link #check(List, Map, InputStream, Duration)} for a job, see {@link #run(List, Map, InputStream, Duration, Cancel)}.
     *
     * @throws Cancel.Cancelled if the job was cancelled before or while the process ran
     */
    public static Result check(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout,
            Cancel cancel) throws IOException {
        Result r = run(cmd, env, stdin, timeout, cancel);
        if (r.exitCode() != 0) throw AppException.failed(describe(cmd), r.exitCode(), r.stderrTail());
        return r;
    }

    /**
     * Starts {@code cmd} and returns its stdout as a stream. The read that meets the end of the
     * stream waits for the process and throws an {@link AppException} (naming {@code description},
     * with stderr's tail) if it exited non-zero, so a failed dump can never be mistaken for a
     * short one. If the reader never got to the end, close() does that check instead: it closes
     * the pipe (a process still writing then ends with EPIPE, which counts as a failure), waits
     * for the exit, killing after a few seconds, and throws if the exit code is not 0.
     * There is no timeout: a dump takes as long as it takes.
     */
    public static InputStream streamStdout(List<String> cmd, Map<String, String> env, String description)
            throws IOException {
        return streamStdout(cmd, env, description, null);
    }

    /**
     * {@link #streamStdout(List, Map, String)} with a deadline: if the process is still running
     * {@code timeout} after it started (a slow reader holds it up too), it and everything it
     * started are killed, and the next read() or close() throws an {@link AppException} saying it
     * timed out, so output cut short by the deadline can never pass as complete. A null
     * {@code timeout} means none.
     */
    public static InputStream streamStdout(List<String> cmd, Map<String, String> env, String description,
            Duration timeout) throws IOException {
        return streamStdout(cmd, env, description, timeout, Cancel.NEVER);
    }

    /**
     * {@link #streamStdout(List, Map, String, Duration)} for a job: cancelling {@code cancel} kills
     * the process and what it started, and the next read() or close() throws
     * {@link Cancel.Cancelled}, so output cut short by the cancel never passes as complete.
     *
     * @throws Cancel.Cancelled if the job was already cancelled (nothing is started)
     */
    public static InputStream streamStdout(List<String> cmd, Map<String, String> env, String description,
            Duration timeout, Cancel cancel) throws IOException {
        Process p = start(cmd, env, null, description, cancel);
        p.getOutputStream().close();
        StderrTail err = new StderrTail(p.getErrorStream(), null);
        Thread errThread = daemon("stderr of " + program(cmd), err);
        ProcessStdout out = new ProcessStdout(p, err, errThread, description, timeout, cancel);
        if (timeout != null) daemon("deadline of " + program(cmd), out::killAtDeadline);
        return out;
    }

    /** {@link #check} with a working directory (server tools run as another user need one they may enter). */
    static Result check(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout, Path workDir)
            throws IOException {
        Result r = run(cmd, env, stdin, timeout, workDir, null, Cancel.NEVER);
        if (r.exitCode() != 0) throw AppException.failed(describe(cmd), r.exitCode(), r.stderrTail());
        return r;
    }

    /** {@link #run} with a working directory and a consumer that sees every stderr line (not just the tail). */
    static Result run(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout,
            Path workDir, Consumer<String> stderrLines) throws IOException {
        return run(cmd, env, stdin, timeout, workDir, stderrLines, Cancel.NEVER);
    }

    private static Result run(List<String> cmd, Map<String, String> env, InputStream stdin, Duration timeout,
            Path workDir, Consumer<String> stderrLines, Cancel cancel) throws IOException {
        String name = describe(cmd);
        Process p = start(cmd, env, workDir, name, cancel);
        StderrTail err = new StderrTail(p.getErrorStream(), stderrLines);
        Thread errThread = daemon("stderr of " + program(cmd), err);
        HeadCapture out = new HeadCapture(p.getInputStream(), STDOUT_LIMIT);
        Thread outThread = daemon("stdout of " + program(cmd), out);
        Feeder feeder = null;
        Thread feederThread = null;
        if (stdin == null) {
            p.getOutputStream().close();
        } else {
            feeder = new Feeder(stdin, p);
            feederThread = daemon("stdin of " + program(cmd), feeder);
        }
        boolean finished;
        try {
            finished = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            killTree(p.toHandle());
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(name + " was interrupted and killed");
        }
        if (cancel.cancelled()) {
            // Killed for the cancel (or finished just then): its output is not to be trusted.
            killTree(p.toHandle());
            join(errThread, DRAIN_WAIT);
            cancel.check();
        }
        if (!finished) {
            killTree(p.toHandle());
            join(errThread, DRAIN_WAIT);
            throw AppException.timedOut(name, timeout, err.tail());
        }
        join(outThread, DRAIN_WAIT);
        join(errThread, DRAIN_WAIT);
        if (feeder != null) {
            closeQuietly(p.getOutputStream());
            join(feederThread, DRAIN_WAIT);
            if (feeder.sourceFailure != null) {
                throw new AppException("reading the input for " + name + " failed, so it was killed: "
                        + feeder.sourceFailure.getMessage(), feeder.sourceFailure);
            }
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    private static Process start(List<String> cmd, Map<String, String> env, Path workDir, String name, Cancel cancel)
            throws IOException {
        if (cmd.isEmpty()) throw new IllegalArgumentException("empty command");
        cancel.check(); // a cancelled job starts nothing new
        ProcessBuilder pb = new ProcessBuilder(cmd);
        environment(pb, env);
        if (workDir != null) pb.directory(workDir.toFile());
        synchronized (LIVE) {
            // An interrupted Lifeboat starts nothing new: whatever starts now would outlive it.
            if (stopped) throw new AppException(name + " was not started: Lifeboat was interrupted");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AppException(name + " could not be started: " + e.getMessage(), e);
            }
            LIVE.add(p);
            // The job's cancel kills it (on the cancelling thread); its end removes that action again.
            Runnable unregister = cancel.onCancel(() -> stop(p));
            p.onExit().thenRun(() -> {
                LIVE.remove(p);
                unregister.run();
            });
            return p;
        }
    }

    /** Processes started here and still running (dumps, commands): stopped by {@link #stopAll()}. */
    private static final Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static boolean stopped;
    /** PIDs of the processes killed by a cancel or {@link #stopAll()}, for {@link #stoppedCount()}. */
    private static final Set<Long> STOPPED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Kills a process of a cancelled job or an interrupted Lifeboat, with its tree, and counts it. */
    private static void stop(Process p) {
        if (p.isAlive()) STOPPED.add(p.pid());
        killTree(p.toHandle());
    }

    /** How many processes were killed because their job was cancelled or Lifeboat was interrupted. */
    public static int stoppedCount() {
        return STOPPED.size();
    }

    /**
     * For an interrupted Lifeboat (Ctrl-C, SIGTERM): kills every process started here that still
     * runs, with everything it started, and refuses to start more. A database dump otherwise
     * keeps running on its own, writing into a pipe nobody reads.
     *
     * @return how many processes were running
     */
    public static int stopAll() {
        List<Process> running;
        synchronized (LIVE) {
            stopped = true;
            running = List.copyOf(LIVE);
        }
        for (Process p : running) stop(p);
        return running.size();
    }

    /**
     * Lays {@code env} (may be null) over {@code pb}'s environment, which starts as a copy of ours:
     * a null value removes that variable. Then removes {@link #SECRET_VARIABLES}, whatever {@code env} says.
     * Everything that starts a process uses this.
     */
    public static void environment(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> e = pb.environment();
        restoreLocale(e);
        if (env != null) {
            env.forEach((k, v) -> {
                if (v == null) e.remove(k);
                else e.put(k, v);
            });
        }
        SECRET_VARIABLES.forEach(e::remove);
    }

    /**
     * Gives children the user's own locale back. The launcher runs the JVM under a UTF-8 locale
     * when the user's has none (cron, systemd, bare containers), so that names and arguments are
     * not mangled by an ASCII charset; it marks that with LIFEBOAT_LOCALE_OVERRIDDEN=1 and keeps
     * the user's LC_ALL, if there was one, in LIFEBOAT_ORIG_LC_ALL.
     */
    static void restoreLocale(Map<String, String> e) {
        if (!"1".equals(e.remove("LIFEBOAT_LOCALE_OVERRIDDEN"))) return;
        String orig = e.remove("LIFEBOAT_ORIG_LC_ALL");
        if (orig == null) e.remove("LC_ALL");
        else e.put("LC_ALL", orig);
    }

    /** Kills a process and everything it started (runuser's child, a shell's pipeline). */
    public static void killTree(ProcessHandle h) {
        List<ProcessHandle> below = h.descendants().toList();
        h.destroyForcibly();
        below.forEach(ProcessHandle::destroyForcibly);
        // SIGKILL cannot be refused; this only waits for the kernel, for every process killed (a
        // grandchild still dying may hold a file or a port the caller is about to reuse).
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Os.waitUntilGone(h.pid(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        for (ProcessHandle d : below) Os.waitUntilGone(d.pid(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /**
     * True if {@code pid} is a live process. Not the JDK's isAlive: a zombie re-parented to pid 1,
     * which a container may never reap, is dead here.
     */
    public static boolean alive(long pid) {
        return Os.alive(pid);
    }

    /** The program's file name and its arguments, for messages; {@code runuser -u U -- p ...} reads "p ... (as U)". */
    static String describe(List<String> cmd) {
        List<String> c = cmd;
        String as = "";
        if (c.size() > 4 && program(c).equals("runuser") && c.get(1).equals("-u") && c.get(3).equals("--")) {
            as = " (as " + c.get(2) + ")";
            c = c.subList(4, c.size());
        }
        StringBuilder sb = new StringBuilder(program(c));
        for (String arg : c.subList(1, c.size())) {
            sb.append(' ');
            if (arg.isEmpty() || arg.chars().anyMatch(ch -> ch <= ' ' || ch == '\'' || ch == '"')) {
                sb.append('\'').append(arg.replace("'", "'\\''")).append('\'');
            } else {
                sb.append(arg);
            }
        }
        return sb.append(as).toString();
    }

    private static String program(List<String> cmd) {
        return Path.of(cmd.get(0)).getFileName().toString();
    }

    /** The last {@code n} non-blank lines of {@code text}, at most 4000 characters. */
    static String tail(String text, int n) {
        if (text == null || text.isEmpty()) return "";
        String[] lines = text.split("\r?\n");
        List<String> kept = new ArrayList<>();
        for (int i = lines.length - 1; i >= 0 && kept.size() < n; i--) {
            if (!lines[i].isBlank()) kept.addFirst(lines[i]);
        }
        String t = String.join("\n", kept);
        return t.length() <= 4000 ? t : "..." + t.substring(t.length() - 4000);
    }

    /** "30s", "1.5s", "250 ms": short durations for messages. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return (ms / 1000) + "s";
        return String.format("%.1fs", ms / 1000.0);
    }

    private static Thread daemon(String name, Runnable r) {
        return Thread.ofPlatform().daemon().name(name).start(r);
    }

    private static void join(Thread t, Duration max) {
        try {
            t.join(max);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // The process is gone; nothing more to tell it.
        }
    }

    /** Copies the caller's stream into the process; a failure to read it kills the process. */
    private static final class Feeder implements Runnable {
        private final InputStream source;
        private final Process p;
        volatile IOException sourceFailure;

        Feeder(InputStream source, Process p) {
            this.source = source;
            this.p = p;
        }

        @Override
        public void run() {
            OutputStream sink = p.getOutputStream();
            byte[] buf = new byte[64 << 10];
            try {
                while (true) {
                    int n;
                    try {
                        n = source.read(buf);
                    } catch (IOException | RuntimeException e) {
                        // Record before killing, so whoever sees the exit also sees why.
                        sourceFailure = e instanceof IOException io ? io : new IOException(e.toString(), e);
                        killTree(p.toHandle());
                        return;
                    }
                    if (n < 0) break;
                    sink.write(buf, 0, n);
                }
            } catch (IOException e) {
                // Broken pipe: the process stopped reading (exited); its exit code tells the story.
            } finally {
                closeQuietly(sink);
            }
        }
    }

    /** Keeps the first {@code limit} bytes of a stream and drains the rest. */
    private static final class HeadCapture implements Runnable {
        private final InputStream in;
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        HeadCapture(InputStream in, int limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public void run() {
            byte[] buf = new byte[64 << 10];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        int room = limit - kept.size();
                        if (room > 0) kept.write(buf, 0, Math.min(room, n));
                    }
                }
            } catch (IOException ignored) {
                // Pipe closed under us (process killed): keep what arrived.
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** Keeps the last {@link #STDERR_LIMIT} bytes of stderr and hands each line to an optional consumer. */
    static final class StderrTail implements Runnable {
        private final InputStream in;
        private final Consumer<String> lines;
        private final byte[] buf = new byte[2 * STDERR_LIMIT];
        private int len;
        private boolean truncated;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        StderrTail(InputStream in, Consumer<String> lines) {
            this.in = in;
            this.lines = lines;
        }

        @Override
        public void run() {
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    append(chunk, n);
                    if (lines != null) split(chunk, n);
                }
            } catch (IOException ignored) {
                // Pipe closed under us (process killed): keep what arrived.
            }
            if (lines != null && line.size() > 0) lines.accept(line.toString(StandardCharsets.UTF_8));
        }

        // Chunks are at most 8 KiB, so after trimming to the last STDERR_LIMIT bytes one always fits.
        private synchronized void append(byte[] b, int n) {
            if (len + n > buf.length) {
                int keep = Math.min(len, STDERR_LIMIT);
                System.arraycopy(buf, len - keep, buf, 0, keep);
                len = keep;
                truncated = true;
            }
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        private void split(byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                if (b[i] == '\n') {
                    lines.accept(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else if (line.size() < 16384) {
                    line.write(b[i]);
                }
            }
        }

        synchronized String text() {
            String s = new String(buf, 0, len, StandardCharsets.UTF_8);
            if (truncated) {
                int nl = s.indexOf('\n');
                s = nl >= 0 ? s.substring(nl + 1) : s; // the first line is cut: drop it
            }
            return s;
        }

        String tail() {
            return Exec.tail(text(), TAIL_LINES);
        }
    }

    /** A process's stdout whose end (or close) reports the exit code. */
    private static final class ProcessStdout extends InputStream {
        private final Process p;
        private final InputStream in;
        private final StderrTail err;
        private final Thread errThread;
        private final String description;
        private final Duration timeout; // null: none
        private final Cancel cancel;
        private volatile boolean timedOut; // the deadline passed and the process was killed
        private final CountDownLatch killed = new CountDownLatch(1); // the deadline's kill has finished
        private boolean timeoutReported; // then every read throws
        private boolean ended; // read() saw the end of stdout and checked the exit code, or reported the timeout
        private boolean closed;

        ProcessStdout(Process p, StderrTail err, Thread errThread, String description, Duration timeout, Cancel cancel) {
            this.p = p;
            this.in = p.getInputStream();
            this.err = err;
            this.errThread = errThread;
            this.description = description;
            this.timeout = timeout;
            this.cancel = cancel;
        }

        /** Run by the deadline thread: kills the process if it has not exited within the timeout. */
        void killAtDeadline() {
            try {
                if (p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) return;
            } catch (InterruptedException e) {
                return;
            }
            timedOut = true; // before the kill, so the reader that sees the pipe end also sees why
            try {
                killTree(p.toHandle());
            } finally {
                killed.countDown();
            }
        }

        @Override
        public int read() throws IOException {
            checkDeadline();
            if (ended) return -1;
            int b = in.read();
            if (b < 0) atEnd();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            checkDeadline();
            if (ended) return -1;
            int n = in.read(b, off, len);
            if (n < 0) atEnd();
            return n;
        }

        private void checkDeadline() throws IOException {
            checkCancel();
            if (timeoutReported || (!ended && timedOut)) throw timeoutError();
        }

        /** A cancelled job's process was killed (or is being killed): nothing it printed counts. */
        private void checkCancel() throws IOException {
            if (!cancel.cancelled()) return;
            ended = true;
            killTree(p.toHandle());
            cancel.check();
        }

        private AppException timeoutError() {
            ended = true;
            timeoutReported = true;
            // The pipe ends as the first holder dies; the report waits until the whole tree is gone.
            try {
                killed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            join(errThread, DRAIN_WAIT); // the kill closed stderr too
            return AppException.streamTimedOut(description, timeout, err.tail());
        }

        @Override
        public int available() throws IOException {
            return ended ? 0 : in.available();
        }

        private void atEnd() throws IOException {
            ended = true;
            boolean exited;
            try {
                exited = p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                killTree(p.toHandle());
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(description + " was interrupted and killed");
            }
            checkCancel();
            if (timedOut) throw timeoutError();
            if (!exited) {
                killTree(p.toHandle());
                throw new AppException(description + " closed its output but did not exit within "
                        + human(EXIT_WAIT) + ", so it was killed");
            }
            join(errThread, DRAIN_WAIT);
            if (p.exitValue() != 0) throw AppException.failed(description, p.exitValue(), err.tail());
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            in.close(); // a process still writing gets EPIPE and ends
            if (ended) return;
            checkCancel(); // read() has already checked the exit code, or reported the timeout
            if (timedOut) throw timeoutError();
            boolean exited;
            try {
                exited = p.waitFor(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exited = false;
            }
            if (timedOut) throw timeoutError(); // the deadline passed while it was finishing
            if (!exited) killTree(p.toHandle());
            checkCancel();
            join(errThread, DRAIN_WAIT);
            int code = p.exitValue();
            if (code != 0) {
                throw AppException.failed(description + " (its output was closed before the end)", code, err.tail());
            }
        }
    }
}
