package org.lifeboat.recovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lifeboat.apps.Exec;
import org.lifeboat.backend.Cancel;

/**
 * Runs the plan's shell commands ({@code sh -c}): in the foreground with a time limit, or in the
 * background in a session of their own (so a Ctrl-C at the operator's terminal does not stop a
 * service that was just started), output to a log file.
 */
public final class Shell {
    private static final int TAIL = 2000;

    private Shell() {}

    public record Result(int exitCode, String output, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** The last lines of what it printed, for an error message. */
        public String tail() {
            String s = output.strip();
            return s.length() > TAIL ? "..." + s.substring(s.length() - TAIL) : s;
        }
    }

    /**
     * A started background process; {@code process} tells whether (and how) it has ended, so a
     * service that died at once (its port taken, a bad option) is not reported as started.
     * {@code logStart}: the byte offset in {@code log} where this run's output begins (the log
     * keeps earlier runs' output above a separator line; only this run's is quoted).
     */
    public record Background(long pid, Path log, Process process, long logStart) {
        /** The exit code when the process has ended, else null. */
        public Integer exitCode() {
            return process.isAlive() ? null : process.exitValue();
        }

        /** The last lines this run wrote to its log, for a message (empty when unreadable or none). */
        public String logTail() {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log)) {
                long size = ch.size();
                long from = Math.max(logStart, size - 64 * 1024);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.max(0, size - from));
                while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {}
                String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
                List<String> lines = text.lines().toList();
                String s = String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
                return s.length() > TAIL ? "..." + s.substring(s.length() - TAIL) : s;
            } catch (IOException | java.io.UncheckedIOException e) {
                return "";
            }
        }

        /**
         * Ends everything this command started that still runs: its session (it was started with
         * setsid, so daemons it left behind keep its session id even after their parent exited),
         * TERM first, then KILL after {@code grace}. Returns the pids that were still running.
         */
        public List<Long> stopAll(Duration grace) {
            return stopSession(pid, grace);
        }

        /** The processes of its session that still run (the command itself and what it left behind). */
        public List<Long> running() {
            return session(pid);
        }
    }

    /** How many lines of a log a failure quotes. */
    private static final int TAIL_LINES = 20;

    /** {@link #run(String, Map, Duration, Cancel)} that no cancel stops (after hooks: they must run on the cancel path). */
    public static Result run(String command, Map<String, String> env, Duration timeout) throws IOException {
        return run(command, env, timeout, Cancel.NEVER);
    }

    /**
     * Runs {@code command} in the foreground for at most {@code timeout}; when {@code cancel} is
     * cancelled meanwhile, the command is killed with every process it started (SIGKILL: a
     * cancelled job must not leave orphans behind), and none is started once it is cancelled.
     *
     * @throws Cancel.Cancelled when the job was cancelled before or while the command ran
     * @throws IOException when the shell cannot be started
     */
    public static Result run(String command, Map<String, String> env, Duration timeout, Cancel cancel) throws IOException {
        cancel.check();
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        environment(pb, env);
        Process p = pb.start();
        // Registered after the start: a cancel that came in between runs the kill at once.
        Runnable unregister = cancel.onCancel(() -> Exec.killTree(p.toHandle()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> copyTail(p.getInputStream(), out));
        boolean done;
        try {
            done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                Exec.killTree(p.toHandle());
                p.waitFor(5, TimeUnit.SECONDS);
            }
            pump.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Exec.killTree(p.toHandle());
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running: " + command);
        } finally {
            unregister.run();
        }
        // A command killed by the cancel did not fail on its own: the cancel is the news.
        if (cancel.cancelled() && (!done || p.exitValue() != 0)) throw new Cancel.Cancelled(cancel.reason());
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        return new Result(done ? p.exitValue() : -1, text, !done);
    }

    /**
     * Starts a command that keeps running after Lifeboat exits, in a session of its own; its
     * output is appended to {@code log} below a separator line naming the run, and only what
     * follows that line counts as this run's output ({@link Background#logTail}).
     */
    public static Background start(String command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, (Files.exists(log) && Files.size(log) > 0 ? "\n" : "") + "===== " + java.time.Instant.now()
                        + " lifeboat recover starts: " + command + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long start = Files.size(log);
        List<String> cmd = List.of("setsid", "sh", "-c", command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        environment(pb, env);
        Process p = pb.start();
        return new Background(p.pid(), log, p, start);
    }

    /**
     * The live (non-zombie) processes whose session id is {@code sid}: everything a command started
     * with setsid left running, whoever its parent is now. Linux's /proc; empty elsewhere.
     *
     * @param sid the session's id (the pid of the process started with setsid)
     * @return the process ids, in /proc's order
     */
    public static List<Long> session(long sid) {
        List<Long> out = new java.util.ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                String stat;
                try {
                    stat = Files.readString(d.resolve("stat"), StandardCharsets.UTF_8);
                } catch (IOException gone) {
                    continue;
                }
                // pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f.length > 3 && !f[0].equals("Z") && f[3].equals(Long.toString(sid))) {
                    out.add(Long.parseLong(d.getFileName().toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: only the process itself can be found
        }
        return out;
    }

    /** TERM to every process of session {@code sid} (and the descendants of {@code sid}), then KILL after {@code grace}. */
    static List<Long> stopSession(long sid, Duration grace) {
        java.util.Set<Long> pids = new java.util.LinkedHashSet<>(session(sid));
        ProcessHandle.of(sid).ifPresent(h -> {
            pids.add(h.pid());
            h.descendants().forEach(d -> pids.add(d.pid()));
        });
        List<Long> stopped = new java.util.ArrayList<>();
        for (long pid : pids) {
            if (!alive(pid)) continue;
            stopped.add(pid);
            stop(pid, grace);
        }
        return stopped;
    }

    /** A null value removes the variable; secrets never pass (Exec); commands run in the plan's folder. */
    private static void environment(ProcessBuilder pb, Map<String, String> env) {
        Exec.environment(pb, env);
        directory(pb, env);
    }

    /** Commands run in the plan's folder, so relative paths mean the same as in the plan. */
    private static void directory(ProcessBuilder pb, Map<String, String> env) {
        String d = env.get(PLAN_DIR);
        if (d != null) pb.directory(new java.io.File(d));
    }

    /** Set by Lifeboat for every command: the folder of the plan file. */
    public static final String PLAN_DIR = "LIFEBOAT_PLAN_DIR";

    /** Stops a process and everything it started: TERM, then KILL for what is left after {@code grace}. */
    public static boolean stop(long pid, Duration grace) {
        var h = ProcessHandle.of(pid);
        if (h.isEmpty()) return true;
        List<ProcessHandle> all = new java.util.ArrayList<>(h.get().descendants().toList());
        all.add(0, h.get());
        for (ProcessHandle ph : all) ph.destroy();
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle ph : all) {
            try {
                ph.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                ph.destroyForcibly();
            }
        }
        return all.stream().noneMatch(ph -> alive(ph.pid()));
    }

    /** Alive and not a zombie (see {@link Exec#alive}). */
    public static boolean alive(long pid) {
        return Exec.alive(pid);
    }

    private static void copyTail(InputStream in, ByteArrayOutputStream out) {
        byte[] b = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(b)) > 0) {
                synchronized (out) {
                    if (out.size() > 64 * 1024) {
                        byte[] keep = out.toByteArray();
                        out.reset();
                        out.write(keep, keep.length - 16 * 1024, 16 * 1024);
                    }
                    out.write(b, 0, n);
                }
            }
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    /**
     * Removes a shutdown hook; false when it was not registered or the JVM is already shutting
     * down (Ctrl-C, SIGTERM), in which case the JVM runs it itself.
     */
    public static boolean removeHook(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
