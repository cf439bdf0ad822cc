package org.lifeboat.apps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A database server Lifeboat started ({@link Postgres#createServer}, {@link MySql#createServer}),
 * listening on 127.0.0.1:{@code port}, with its data, socket, pid file and log inside {@code dir}.
 * It keeps running after Lifeboat exits; {@link #stop} ends it.
 */
public record Server(String kind, Path dir, int port, long pid, boolean reused) {
    public static final String POSTGRES = "postgres";
    public static final String MYSQL = "mysql";

    /**
     * A server this call started ({@code reused} false). {@code reused} true: one that already ran
     * from {@code dir} (started by hand or by an earlier run), which is used but is not ours to stop.
     */
    public Server(String kind, Path dir, int port, long pid) {
        this(kind, dir, port, pid, false);
    }

    public Server {
        if (!POSTGRES.equals(kind) && !MYSQL.equals(kind)) {
            throw new IllegalArgumentException("kind must be postgres or mysql: " + kind);
        }
        dir = dir.toAbsolutePath().normalize();
    }

    /** A connection to this server as {@code user}. */
    public DbConnection connection(String user, String password) {
        return DbConnection.local(port, user, password);
    }

    /** True while the server process is alive and still the one its pid file names. */
    public boolean running() {
        return Os.alive(pid) && Os.readPid(pidFile()) == pid;
    }

    /** Where the server writes its log: the first place to look when it misbehaves. */
    public Path logFile() {
        return kind.equals(POSTGRES) ? dir.resolve(Postgres.LOG_FILE) : dir.resolve(MySql.LOG_FILE);
    }

    /**
     * Whether a server of {@code kind} runs from {@code dir}: its pid file there names a live
     * process (whoever started it).
     */
    public static boolean runningFrom(String kind, Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        long pid = Os.readPid(kind.equals(POSTGRES) ? d.resolve("postmaster.pid") : d.resolve(MySql.PID_FILE));
        return pid > 0 && Os.alive(pid);
    }

    Path pidFile() {
        return kind.equals(POSTGRES) ? dir.resolve("postmaster.pid") : dir.resolve(MySql.PID_FILE);
    }

    /**
     * Shuts the server down cleanly (PostgreSQL: pg_ctl stop -m fast, which rolls back open
     * transactions; MariaDB: SIGTERM), and kills it if it has not stopped within {@code timeout}.
     * Does nothing if it is not running.
     */
    public void stop(Duration timeout) throws IOException {
        if (!ours()) return;
        if (kind.equals(POSTGRES)) {
            stopPostgres(timeout);
        } else {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy); // SIGTERM: mariadbd's normal shutdown
            Os.waitUntilGone(pid, timeout);
        }
        if (Os.alive(pid)) {
            ProcessHandle.of(pid).ifPresent(Exec::killTree);
            if (Os.alive(pid)) throw new AppException(kind + " server " + pid + " in " + dir + " could not be stopped");
        }
    }

    private void stopPostgres(Duration timeout) throws IOException {
        Path pgCtl = pgCtl();
        String owner = Files.getOwner(dir).getName();
        String as = Os.isRoot() && !owner.equals("root") ? owner : null;
        long secs = Math.max(1, (timeout.toMillis() + 999) / 1000);
        try {
            Exec.run(Os.asUser(as, List.of(pgCtl.toString(), "stop", "--pgdata=" + dir, "--mode=fast", "--wait",
                    "--timeout=" + secs)), Map.of(), null, timeout.plusSeconds(10), Path.of("/"), null);
        } catch (AppException e) {
            // pg_ctl itself hung: the kill below settles it.
        }
        // pg_ctl waits for the pid file to go; the process may still be on its way out.
        Os.waitUntilGone(pid, Duration.ofSeconds(5));
    }

    /** The pg_ctl beside the running postgres binary (same version), else the one {@link Postgres#locate} finds. */
    private Path pgCtl() throws IOException {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            Path p = exe.resolveSibling("pg_ctl");
            if (Files.isExecutable(p)) return p;
        } catch (IOException | UnsupportedOperationException e) {
            // No /proc access: fall back.
        }
        return Postgres.locate().tool("pg_ctl");
    }

    /** Alive and either named by the pid file or still running the expected program (pid file gone while shutting down). */
    private boolean ours() {
        if (!Os.alive(pid)) return false;
        if (Os.readPid(pidFile()) == pid) return true;
        try {
            String exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).getFileName().toString();
            return kind.equals(POSTGRES) ? exe.equals("postgres") : exe.equals("mariadbd") || exe.equals("mysqld");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
