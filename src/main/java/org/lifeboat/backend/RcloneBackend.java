package org.lifeboat.backend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code rclone:} backend: any rclone remote, through {@code rclone serve restic}.
 *
 * <p>restic runs {@code rclone serve restic --stdio} and speaks HTTP/2 over its standard input
 * and output; the JDK's HTTP client cannot use pipes as its transport, so Lifeboat runs the
 * same server on a loopback port instead ({@code --stdio} becomes {@code --addr 127.0.0.1:0}
 * with a random user and password, so other local users cannot use it), reads the address rclone
 * prints, and talks to it with {@link RestBackend}. The options are restic's: {@code
 * rclone.program} (default {@code rclone}), {@code rclone.args} (default {@code serve restic
 * --stdio --b2-hard-delete}), {@code rclone.timeout} (how long rclone may take to start, default
 * 1m), {@code rclone.connections} (default 5).
 *
 * <p>No orphans: rclone runs under a small {@code sh} guard that stops it when its standard input
 * closes, which happens when the backend is closed and when the Lifeboat process ends in any way
 * (even SIGKILL); {@link #close} also stops the process tree itself.
 */
final class RcloneBackend implements Backend {
    private static final Pattern SERVING = Pattern.compile("Serving restic REST API on (https?://\\S+?)/?$");
    static final String DEFAULT_ARGS = "serve restic --stdio --b2-hard-delete";

    private final RestBackend rest;
    private final Process process;
    private final String shown;

    private RcloneBackend(RestBackend rest, Process process, String shown) {
        this.rest = rest;
        this.process = process;
        this.shown = shown;
    }

    /**
     * Opens {@code rclone:SPEC}: starts rclone and waits until it serves.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code rclone:} (e.g. {@code remote:path} or a local folder)
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be
     *     opened: rclone is missing, ended early (its last line is quoted), or did not start in time
     */
    static Backend open(String location, String spec, BackendOptions options) {
        String shown = Backends.redact(location);
        if (spec.isBlank()) throw new IllegalArgumentException("repository location '" + shown + "' names no rclone remote (rclone:REMOTE:path)");
        String program = options.value("rclone.program") == null ? "rclone" : options.value("rclone.program");
        String args = options.value("rclone.args") == null ? DEFAULT_ARGS : options.value("rclone.args");
        Duration timeout = duration(options.value("rclone.timeout") == null ? "1m" : options.value("rclone.timeout"));
        if (!onPath(program)) {
            throw new IllegalArgumentException("cannot open " + shown + ": the program '" + program
                    + "' is not installed or not on PATH (install rclone, or name it with -o rclone.program=PATH)");
        }
        SecureRandom rnd = new SecureRandom();
        String user = hex(rnd, 8);
        String password = hex(rnd, 16);
        List<String> rclone = new ArrayList<>();
        rclone.add(program);
        for (String a : args.strip().split("\\s+")) {
            if (a.equals("--stdio")) continue; // replaced by a loopback port (see the class comment)
            if (!a.isEmpty()) rclone.add(a);
        }
        // The credentials go in rclone's environment (RCLONE_USER/RCLONE_PASS, rclone's rule for every
        // flag), never in its arguments: any local user can read those with ps.
        rclone.addAll(List.of("--addr", "127.0.0.1:0", spec));
        // The guard: rclone in the background without our stdin; when stdin reaches its end (we
        // closed it, or our process died), rclone is stopped.
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "exec 3<&0; \"$@\" </dev/null & c=$!; { cat <&3; kill $c; } >/dev/null 2>&1 & wait $c", "lifeboat-rclone-guard"));
        cmd.addAll(rclone);
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("RCLONE_USER", user);
            pb.environment().put("RCLONE_PASS", password);
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot open " + shown + ": cannot run " + program + ": " + e.getMessage(), e);
        }
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);
        String[] last = {""};
        Thread reader = Thread.ofPlatform().daemon(true).name("rclone-output").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                    lines.offer(l); // a full queue (nobody waits any more) drops lines: the pipe is still drained
                }
            } catch (IOException e) {
                // rclone ended
            }
            lines.offer("\u0000end");
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        String url = null;
        try {
            while (url == null) {
                long left = deadline - System.nanoTime();
                String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null) {
                    stop(p);
                    throw new IllegalArgumentException("cannot open " + shown + ": rclone did not start serving within "
                            + timeout.toSeconds() + " s (-o rclone.timeout)" + (last[0].isEmpty() ? "" : "; it said: " + last[0]));
                }
                if (l.equals("\u0000end")) {
                    stop(p);
                    throw new IllegalArgumentException("cannot open " + shown + ": rclone ended"
                            + (last[0].isEmpty() ? "" : ": " + last[0].replaceFirst("^\\d{4}/\\d\\d/\\d\\d \\S+ ((ERROR|CRITICAL|NOTICE) ?: )?", "")));
                }
                Matcher m = SERVING.matcher(l.strip());
                if (m.find()) url = m.group(1) + "/";
                else if (!l.isBlank() && !l.contains("Config file") ) last[0] = l.strip();
            }
        } catch (InterruptedException e) {
            stop(p);
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("cannot open " + shown + ": interrupted while rclone was starting", e);
        }
        int conns = options.connections("rclone", RestBackend.DEFAULT_CONNECTIONS);
        RestBackend rest = new RestBackend(URI.create(url), shown, user, password, conns, null);
        return new RcloneBackend(rest, p, shown);
    }

    private static String hex(SecureRandom rnd, int bytes) {
        byte[] b = new byte[bytes];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** True when {@code program} is an executable path, or a name found on PATH. */
    private static boolean onPath(String program) {
        if (program.contains("/")) return Files.isExecutable(Path.of(program));
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }

    /**
     * A Go-style duration ("90s", "1m", "1h30m", "500ms").
     *
     * @throws IllegalArgumentException naming the option when it is not one
     */
    static Duration duration(String s) {
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)").matcher(s.strip());
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            long ms = switch (m.group(2)) {
                case "ms" -> (long) v;
                case "s" -> (long) (v * 1000);
                case "m" -> (long) (v * 60_000);
                default -> (long) (v * 3_600_000);
            };
            d = d.plusMillis(ms);
            at = m.end();
        }
        if (at == 0 || at != s.strip().length() || d.isZero()) {
            throw new IllegalArgumentException("-o rclone.timeout=" + s + " is not a duration such as 1m, 90s or 1h30m");
        }
        return d;
    }

    /** Closes rclone's stdin (its guard stops it), then ends the process tree for sure. */
    private static void stop(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The rclone process's id (tests check that it ends). */
    long pid() {
        return process.pid();
    }

    @Override
    public String location() {
        return shown;
    }

    @Override
    public int connections() {
        return rest.connections();
    }

    @Override
    public void create() throws IOException {
        rest.create();
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return rest.stat(h);
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        rest.load(h, offset, length, consumer);
    }

    /**
     * {@inheritDoc} rclone's server replaces a file of the same name, so the name is checked
     * first: a taken name is refused as restic's own servers refuse it (another process writing
     * the same name at the same moment is not seen; restic's files are named by their contents).
     */
    /** Saves of one name run one at a time here, so that of two writers in this process exactly one wins. */
    private final Object[] saveLocks = java.util.stream.Stream.generate(Object::new).limit(256).toArray();

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        synchronized (saveLocks[Math.floorMod(h.hashCode(), saveLocks.length)]) {
            saveOnce(h, data, offset, length, options);
        }
    }

    private void saveOnce(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        if (rest.exists(h)) throw new StorageError.AlreadyExists(shown + "/" + h, "the file already exists; repository files are written once");
        rest.save(h, data, offset, length, options);
    }

    @Override
    public void remove(Handle h) throws IOException {
        rest.remove(h);
    }

    /** rclone serve restic --append-only refuses deletes as rest-server does. */
    @Override
    public void checkRemovals(FileType type) throws IOException {
        rest.checkRemovals(type);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        rest.list(type, fn);
    }

    @Override
    public void close() {
        try {
            rest.close();
        } finally {
            stop(process);
        }
    }
}
