package org.lifeboat.service.alert;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.lifeboat.apps.Exec;
import org.lifeboat.repository.Json;

/**
 * Runs a shell command for each alert, as borgmatic's hooks do: {@code /bin/sh -c COMMAND}, with
 * the alert's JSON ({@link Alert#toJson()}) as one line on its standard input.
 *
 * <p>The command runs in {@code serve}'s working directory and environment, in a session of its
 * own where {@code setsid} exists, so that what it leaves behind can be found and stopped. Its
 * standard output and error are captured together, keeping the last 64 KiB, for the error message.
 *
 * <p>One alert is never run twice at the same time (a second {@link #send} of it waits for the
 * first run and shares its outcome); a run past the timeout is killed and not run again for that
 * alert ({@link DeliveryUnknownException}: a pager script that paged and then hung must not page
 * again every minute). {@link #close()}, and the end of the JVM, stop the commands still running.
 */
public final class CommandChannel implements AlertChannel {

    /** At most this much output is kept (its end: the last line tells what went wrong). */
    static final int OUTPUT_LIMIT = 64 * 1024;

    /** How long a command stopped by {@link #close()} or the JVM's end gets after SIGTERM before SIGKILL. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    /** {@code setsid}, if this system has it: the command then leads a session of its own. */
    private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(f -> Files.isExecutable(Path.of(f))).findFirst().orElse(null);

    /** The runs of every channel, by command and alert: one alert is never run twice at a time. */
    private static final Map<String, CompletableFuture<Void>> RUNS = new ConcurrentHashMap<>();

    /** The commands of every channel still running, stopped when the JVM ends. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    private static boolean hooked;
    /** Set by the shutdown hook, under LIVE's lock: no alert command starts any more. */
    private static boolean jvmEnding;

    private final String command;
    private final Duration timeout;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * A channel running {@code command}.
     *
     * @param command a shell command line, e.g. {@code /usr/local/bin/page-oncall --team ops}
     * @param timeout the longest the command may run
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the command is blank or the timeout is not positive
     */
    public CommandChannel(String command, Duration timeout) {
        this.command = Objects.requireNonNull(command, "command");
        if (command.isBlank()) {
            throw new IllegalArgumentException("An alert command must not be empty.");
        }
        this.timeout = WebhookChannel.checkTimeout(timeout);
    }

    /**
     * @return {@code command <program>}, with {@code …} for the arguments (which may hold tokens),
     *     e.g. {@code command /usr/local/bin/page-oncall …}
     */
    @Override
    public String describe() {
        String[] words = command.strip().split("\\s+", 2);
        return "command " + words[0] + (words.length > 1 ? " …" : "");
    }

    /**
     * Runs the command, writes the alert's JSON and a newline on its standard input, and waits for
     * it to exit (at most the timeout). If the same alert (event, kind, system, host, since) is
     * being run by this command already, from an earlier try, waits for that run instead and
     * shares its outcome: it is never started a second time meanwhile.
     *
     * @throws DeliveryUnknownException if the command runs longer than the timeout: it is then
     *     killed with its session and all its descendants, and counts as failed, but must not be
     *     run again for this alert (it may have paged before it hung)
     * @throws IOException if the shell cannot be started; if it exits with a status other than 0
     *     (the message names the status and the last line of output); if the channel was closed.
     *     {@link InterruptedIOException} if the thread is interrupted (the command is killed and
     *     the flag set again)
     */
    @Override
    public void send(Alert a) throws IOException {
        String key = command + "\u0000" + a.event() + "\u0000" + a.kind() + "\u0000" + a.system() + "\u0000"
                + a.host() + "\u0000" + a.since();
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> earlier = RUNS.putIfAbsent(key, mine);
        if (earlier != null) {
            awaitEarlier(earlier);
            return;
        }
        try {
            run(a);
            mine.complete(null);
        } catch (IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            RUNS.remove(key, mine);
        }
    }

    private void awaitEarlier(CompletableFuture<Void> earlier) throws IOException {
        try {
            earlier.get(timeout.plus(CLOSE_GRACE).plusSeconds(5).toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for alert " + describe());
        } catch (TimeoutException e) {
            throw new IOException("alert " + describe() + " is still running for this alert from an earlier try,"
                    + " so it was not started again.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("alert " + describe() + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void run(Alert a) throws IOException {
        if (closed) {
            throw new IOException("alert " + describe() + " was not run: the service is stopping.");
        }
        byte[] input = (Json.MAPPER.writeValueAsString(a.toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
        List<String> cmd = SETSID == null ? List.of("/bin/sh", "-c", command) : List.of(SETSID, "/bin/sh", "-c", command);
        installHook();
        Process p;
        // Started and registered at once: the JVM's end stops it, or it is not started at all.
        synchronized (LIVE) {
            if (jvmEnding) {
                throw new IOException("alert " + describe() + " was not run: the service is stopping.");
            }
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            running.add(p);
            LIVE.add(p);
        }
        try {
            await(p, input);
        } finally {
            running.remove(p);
            LIVE.remove(p);
        }
    }

    private void await(Process p, byte[] input) throws IOException {
        Tail out = new Tail();
        // Separate threads: a command that ignores its input, or floods its output, must not stall us.
        Thread writer = Thread.ofVirtual().name("alert-command-stdin").start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(input);
            } catch (IOException ignored) {
                // The command exited or closed its input without reading it all: its choice.
            }
        });
        Thread reader = Thread.ofVirtual().name("alert-command-output").start(() -> out.drain(p.getInputStream()));
        boolean done;
        try {
            done = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            stop(p, Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running alert " + describe());
        }
        if (!done) {
            stop(p, Duration.ZERO);
            throw new DeliveryUnknownException("alert " + describe() + " did not finish within "
                    + WebhookChannel.text(timeout) + " and was killed with what it started; it counts as failed,"
                    + " but is not run again for this alert, as it may have delivered it.");
        }
        try {
            // A background child may keep the output open after the shell exits: wait only a little.
            reader.join(Duration.ofSeconds(2));
            writer.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running alert " + describe());
        }
        int code = p.exitValue();
        if (code != 0 && closed) {
            throw new IOException("alert " + describe() + " was stopped: the service is stopping.");
        }
        if (code != 0) {
            String last = out.lastLine();
            throw new IOException("alert " + describe() + " exited with code " + code
                    + (last.isEmpty() ? " and no output." : ": " + WebhookChannel.cut(last, 500)));
        }
    }

    /**
     * Stops this channel's commands that still run (SIGTERM to each with its session and
     * descendants, SIGKILL to what is left {@link #CLOSE_GRACE} (2 s) later) and runs no new one.
     * Returns when they are gone, or were sent SIGKILL.
     */
    @Override
    public void close() {
        closed = true;
        stopAll(List.copyOf(running), CLOSE_GRACE);
    }

    /** At the JVM's end (a stopped service) no alert command is left running, orphaned to init. */
    private static synchronized void installHook() {
        if (hooked) {
            return;
        }
        hooked = true;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                List<Process> all;
                synchronized (LIVE) {
                    jvmEnding = true;
                    all = List.copyOf(LIVE);
                }
                stopAll(all, CLOSE_GRACE);
            }, "lifeboat-alert-commands"));
        } catch (IllegalStateException e) {
            // The JVM is ending already: the command is about to be started and stopped by its caller.
        }
    }

    /** SIGTERM to each process, its session and descendants; SIGKILL to what still runs after {@code grace}. */
    static void stopAll(List<Process> ps, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process p : ps) {
            all.addAll(tree(p));
        }
        if (all.isEmpty()) {
            return;
        }
        if (!grace.isZero()) {
            all.forEach(ProcessHandle::destroy);
            long end = System.nanoTime() + grace.toNanos();
            for (ProcessHandle h : all) {
                try {
                    h.onExit().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException | TimeoutException e) {
                    // killed below if still alive (a zombie nobody reaps is not)
                }
            }
        }
        for (ProcessHandle h : all) {
            if (Exec.alive(h.pid())) {
                h.destroyForcibly();
            }
        }
    }

    private static void stop(Process p, Duration grace) {
        stopAll(List.of(p), grace);
    }

    /**
     * The process, its descendants and (when started with setsid) every process of its session,
     * collected while the descendants are still ours (after the shell dies they are init's).
     */
    private static List<ProcessHandle> tree(Process p) {
        Set<Long> seen = new LinkedHashSet<>();
        List<ProcessHandle> out = new ArrayList<>();
        Consumer<ProcessHandle> add = h -> {
            if (seen.add(h.pid())) {
                out.add(h);
            }
        };
        add.accept(p.toHandle());
        p.descendants().forEach(add);
        if (SETSID != null) {
            for (long pid : org.lifeboat.recovery.Shell.session(p.pid())) {
                ProcessHandle.of(pid).ifPresent(add);
            }
        }
        return out;
    }

    /** The last {@link #OUTPUT_LIMIT} bytes written to it, in a buffer of twice that (shifted when full). */
    static final class Tail {
        private final byte[] buf = new byte[2 * OUTPUT_LIMIT];
        private int len;

        void drain(InputStream in) {
            byte[] chunk = new byte[8192];
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    add(chunk, n);
                }
            } catch (IOException ignored) {
                // The process was killed: what was read is all there is.
            }
        }

        synchronized void add(byte[] b, int n) {
            if (n >= OUTPUT_LIMIT) {
                System.arraycopy(b, n - OUTPUT_LIMIT, buf, 0, OUTPUT_LIMIT);
                len = OUTPUT_LIMIT;
                return;
            }
            if (len + n > buf.length) {
                int keep = OUTPUT_LIMIT - n;
                System.arraycopy(buf, len - keep, buf, 0, keep);
                len = keep;
            }
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        synchronized String lastLine() {
            String[] lines = toString().strip().split("\\R");
            return Alert.oneLine(lines[lines.length - 1]).strip();
        }

        @Override
        public synchronized String toString() {
            int start = Math.max(0, len - OUTPUT_LIMIT);
            return new String(buf, start, len - start, StandardCharsets.UTF_8);
        }
    }
}
