package org.lifeboat.apps;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * PostgreSQL through its own client tools (pg_dump, pg_dumpall, pg_restore, psql) and server tools
 * (initdb, pg_ctl). Dumps are custom-format archives written uncompressed, so Lifeboat's chunking
 * deduplicates unchanged tables between backups and its zstd compresses them once.
 * Every tool gets {@code --no-password}: a tool that wanted to prompt would otherwise hang on the
 * terminal; the password goes in PGPASSWORD.
 */
public final class Postgres {
    /** Environment variable naming the folder with the PostgreSQL binaries to use. */
    public static final String BIN_ENV = "LIFEBOAT_PG_BIN";
    static final String LOG_FILE = "postgresql.log";
    private static final Path DEBIAN_VERSIONS = Path.of("/usr/lib/postgresql");
    private static final Duration SHORT = Duration.ofMinutes(2);

    private final Path bin;

    private Postgres(Path bin) {
        this.bin = bin;
    }

    /**
     * The PostgreSQL binaries to use: the folder in $LIFEBOAT_PG_BIN, else the newest
     * /usr/lib/postgresql/VERSION/bin (Debian, Ubuntu), else the folder of pg_dump on $PATH.
     * pg_dump must be at least as new as the server it dumps, hence the newest.
     */
    public static Postgres locate() throws IOException {
        return locate(System.getenv(BIN_ENV), DEBIAN_VERSIONS, Os.findOnPath("pg_dump", List.of()));
    }

    /** The binaries in {@code binDir}. */
    public static Postgres at(Path binDir) throws AppException {
        if (!Files.isExecutable(binDir.resolve("pg_dump"))) {
            throw new AppException("no pg_dump in " + binDir + ": that folder does not hold the PostgreSQL binaries");
        }
        return new Postgres(binDir.toAbsolutePath().normalize());
    }

    static Postgres locate(String override, Path versionsRoot, Optional<Path> pgDumpOnPath) throws IOException {
        if (override != null && !override.isBlank()) {
            Path dir = Path.of(override);
            if (!Files.isExecutable(dir.resolve("pg_dump"))) {
                throw new AppException(BIN_ENV + "=" + override + " does not hold pg_dump; point it at the folder "
                        + "with the PostgreSQL binaries (e.g. /usr/lib/postgresql/16/bin)");
            }
            return new Postgres(dir.toAbsolutePath().normalize());
        }
        Optional<Path> newest = newestVersion(versionsRoot);
        if (newest.isPresent()) return new Postgres(newest.get());
        if (pgDumpOnPath.isPresent()) return new Postgres(pgDumpOnPath.get().toAbsolutePath().getParent());
        throw new AppException("PostgreSQL tools (pg_dump, psql, ...) not found in " + versionsRoot
                + "/*/bin or on PATH: install them (Debian/Ubuntu: apt-get install postgresql-client, "
                + "or postgresql to start servers) or set " + BIN_ENV + " to their folder");
    }

    private static Optional<Path> newestVersion(Path root) throws IOException {
        if (!Files.isDirectory(root)) return Optional.empty();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)*"))
                    .filter(p -> Files.isExecutable(p.resolve("bin/pg_dump")))
                    .max(Comparator.comparing(p -> version(p.getFileName().toString()), Arrays::compare))
                    .map(p -> p.resolve("bin"));
        }
    }

    private static int[] version(String s) {
        return Arrays.stream(s.split("\\.")).mapToInt(Integer::parseInt).toArray();
    }

    /** The folder the binaries are taken from. */
    public Path binDir() {
        return bin;
    }

    Path tool(String name) throws AppException {
        Path p = bin.resolve(name);
        if (!Files.isExecutable(p)) {
            throw new AppException(name + " not found in " + bin + " (install the PostgreSQL server package, "
                    + "or set " + BIN_ENV + " to a folder that has it)");
        }
        return p;
    }

    // ---- commands, also for runbooks: what Lifeboat runs, without the password (it goes in PGPASSWORD)

    /** pg_dump of one database as an uncompressed custom-format archive on stdout. */
    public List<String> dumpCommand(DbConnection c, String database) throws AppException {
        return cmd(tool("pg_dump"), c, "--format=custom", "--compress=0", dbArg(database));
    }

    /** pg_dumpall of roles and tablespaces (SQL on stdout). */
    public List<String> dumpGlobalsCommand(DbConnection c) throws AppException {
        return cmd(tool("pg_dumpall"), c, "--globals-only");
    }

    /**
     * pg_restore of a custom-format archive read from stdin into an existing database; with
     * {@code replace} the archive's objects are dropped first where they exist.
     */
    public List<String> restoreCommand(DbConnection c, String database, boolean replace) throws AppException {
        List<String> cmd = cmd(tool("pg_restore"), c, "--format=custom", "--exit-on-error");
        if (replace) {
            cmd.add("--clean");
            cmd.add("--if-exists");
        }
        cmd.add(dbArg(database));
        return cmd;
    }

    /** psql reading the globals SQL from stdin. */
    public List<String> restoreGlobalsCommand(DbConnection c) throws AppException {
        return cmd(tool("psql"), c, "--no-psqlrc", "--quiet", "--set=VERBOSITY=verbose", "--dbname=postgres", "--file=-");
    }

    private static List<String> cmd(Path tool, DbConnection c, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool.toString(), "--host=" + c.host(), "--port=" + c.port(),
                "--username=" + c.user(), "--no-password"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** --dbname takes a connection string when the name looks like one; quote such names so they stay names. */
    private static String dbArg(String database) {
        if (database.isEmpty()) throw new IllegalArgumentException("empty database name");
        if (database.contains("=") || database.startsWith("postgres://") || database.startsWith("postgresql://")) {
            return "--dbname=dbname='" + database.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
        return "--dbname=" + database;
    }

    private static Map<String, String> env(DbConnection c) {
        Map<String, String> env = new HashMap<>();
        if (c.password() != null) env.put("PGPASSWORD", c.password());
        env.put("PGAPPNAME", "lifeboat");
        // A dead host should fail a backup in seconds, not after the kernel's TCP timeout.
        if (System.getenv("PGCONNECT_TIMEOUT") == null) env.put("PGCONNECT_TIMEOUT", "15");
        return env;
    }

    // ---- client operations

    /** The databases one can connect to, templates left out, by name. */
    public List<String> databases(DbConnection c) throws IOException {
        String out = psql(c, "postgres", "SELECT datname FROM pg_catalog.pg_database "
                + "WHERE NOT datistemplate AND datallowconn ORDER BY datname", Map.of(), SHORT);
        return Arrays.stream(out.split("\0")).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Streams a dump of {@code database}: one consistent snapshot (pg_dump runs in a single
     * repeatable-read transaction). Reading to the end, or closing, throws if pg_dump failed.
     */
    public InputStream dump(DbConnection c, String database) throws IOException {
        return Exec.streamStdout(dumpCommand(c, database), env(c),
                "pg_dump of database " + database + " at " + c.where());
    }

    /** Streams the cluster-wide objects (roles with their passwords, tablespaces) as SQL. Needs a superuser. */
    public InputStream dumpGlobals(DbConnection c) throws IOException {
        return Exec.streamStdout(dumpGlobalsCommand(c), env(c), "pg_dumpall --globals-only at " + c.where());
    }

    // psql -v VERBOSITY=verbose prints "ERROR:  42710: message"; the SQLSTATE is there in every language.
    private static final Pattern SERVER_MESSAGE = Pattern.compile("^(?:psql:.*?:\\d+: )?\\S+:\\s+([0-9A-Z]{5}): ");
    private static final Pattern CLIENT_ERROR = Pattern.compile("^psql:.*?:\\d+: (?:error|fatal): ");
    private static final String DUPLICATE_OBJECT = "42710";

    /**
     * Runs a {@link #dumpGlobals} script. It creates each role and then alters it, so a role that
     * already exists (the superuser we connect as, at least) only fails its CREATE: those errors
     * are expected; any other error is an {@link AppException} listing them.
     */
    public void restoreGlobals(DbConnection c, InputStream sql, Duration timeout) throws IOException {
        List<String> cmd = restoreGlobalsCommand(c);
        List<String> errors = Collections.synchronizedList(new ArrayList<>()); // filled by the stderr thread
        Consumer<String> watch = line -> {
            Matcher m = SERVER_MESSAGE.matcher(line);
            if (m.find()) {
                String state = m.group(1);
                boolean problem = !state.startsWith("00") && !state.startsWith("01") && !state.startsWith("02");
                if (problem && !state.equals(DUPLICATE_OBJECT)) errors.add(line);
            } else if (CLIENT_ERROR.matcher(line).find()) {
                errors.add(line);
            }
        };
        Map<String, String> env = env(c);
        env.put("LC_ALL", "C"); // psql's own messages in English, so CLIENT_ERROR sees them
        Exec.Result r = Exec.run(cmd, env, sql, timeout, null, watch);
        if (r.exitCode() != 0) throw AppException.failed(Exec.describe(cmd), r.exitCode(), r.stderrTail());
        if (!errors.isEmpty()) {
            throw new AppException("restoring roles and tablespaces with psql at " + c.where() + " failed with "
                    + errors.size() + " error(s):\n" + String.join("\n", errors.subList(0, Math.min(10, errors.size()))));
        }
    }

    /**
     * Restores a {@link #dump} into {@code database}, streaming it to pg_restore. A missing
     * database is created first (from template0, owned by the connecting user); an existing one
     * has the archive's objects dropped and recreated (objects the archive does not have are left
     * alone). Roles that own objects must exist: restore the globals first.
     * pg_restore stops at the first error; without a single transaction, so very large schemas do
     * not run out of lock slots, which means a failed restore can leave a partial database.
     */
    public void restore(DbConnection c, String database, InputStream dump, Duration timeout) throws IOException {
        Map<String, String> vars = Map.of("db", database);
        boolean exists = !psql(c, "postgres", "SELECT 1 FROM pg_catalog.pg_database WHERE datname = :'db'",
                vars, SHORT).isEmpty();
        if (!exists) psql(c, "postgres", "CREATE DATABASE :\"db\" TEMPLATE template0", vars, SHORT);
        try {
            Exec.check(restoreCommand(c, database, exists), env(c), dump, timeout);
        } catch (AppException e) {
            if (e.stderrTail().matches("(?s).*role \".*\" does not exist.*")) {
                throw e.withDetail("Restore the roles first (restoreGlobals with the pg_dumpall --globals-only dump).");
            }
            throw e;
        }
    }

    /** Runs {@code sql} (via stdin, so nothing of it shows in the process list) and returns the first column of the first row, "" if none. */
    public String query(DbConnection c, String database, String sql, Duration timeout) throws IOException {
        String out = psql(c, database, sql, Map.of(), timeout);
        int end = out.indexOf('\0');
        return end < 0 ? out : out.substring(0, end);
    }

    /**
     * psql with unaligned, tuples-only output where every field and row ends in a NUL byte (so
     * values may hold any text), stopping at the first error; {@code vars} are psql variables
     * ({@code :'name'} is a quoted literal, {@code :"name"} a quoted identifier).
     */
    private String psql(DbConnection c, String database, String sql, Map<String, String> vars, Duration timeout)
            throws IOException {
        List<String> cmd = cmd(tool("psql"), c, "--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
                "--field-separator-zero", "--record-separator-zero", "--set=ON_ERROR_STOP=1");
        vars.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        cmd.add(dbArg(database));
        cmd.add("--file=-");
        return Exec.check(cmd, env(c), new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)), timeout).stdout();
    }

    // ---- servers

    /**
     * Starts a PostgreSQL server for a recovery: a new cluster in {@code dir} (which must be
     * missing or empty), or the cluster already there (then {@code superuser} and {@code password}
     * are not used). If that cluster's server is already running on {@code port} it is returned as
     * it is (not restarted); running on another port is an {@link AppException} naming that port.
     * It listens on 127.0.0.1:{@code port} only, with its socket, log and pid file
     * in {@code dir}. Authentication is trust without a password, else scram-sha-256 with that
     * password for {@code superuser}. fsync stays on: this server holds the recovered data.
     * PostgreSQL refuses to run as root, so as root it runs as system user postgres, which must be
     * able to reach {@code dir}.
     */
    public Server createServer(Path dir, int port, String superuser, String password, Duration timeout)
            throws IOException {
        return createServer(dir, port, superuser, password, timeout, true);
    }

    /** {@code syncInit=false} skips initdb's final fsync of the new cluster: for tests only, a crash could lose it. */
    Server createServer(Path dir, int port, String superuser, String password, Duration timeout, boolean syncInit)
            throws IOException {
        if (password != null && (password.contains("\n") || password.contains("\r"))) {
            throw new IllegalArgumentException("the password must be a single line");
        }
        Path d = dir.toAbsolutePath().normalize();
        Files.createDirectories(d);
        boolean existing = Files.exists(d.resolve("PG_VERSION"));
        String as = null;
        if (existing) {
            String owner = Files.getOwner(d).getName();
            if (Os.isRoot()) {
                if (owner.equals("root")) throw new AppException(d + " belongs to root; PostgreSQL will not run as root");
                as = owner;
            }
            // Starting a second server there would fail, and the one running is not ours to stop.
            Optional<Server> running = runningServer(d, port, timeout);
            if (running.isPresent()) return running.get();
        } else {
            if (!Os.emptyOrMissing(d)) {
                throw new AppException(d + " is not empty and holds no PostgreSQL cluster (no PG_VERSION): "
                        + "give an empty or new folder");
            }
            if (Os.isRoot()) {
                if (Os.user("postgres").isEmpty()) {
                    throw new AppException("PostgreSQL refuses to run as root and there is no system user postgres "
                            + "to run it as (install the postgresql package, or create the user)");
                }
                as = "postgres";
                Os.chown(d, as);
            }
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            Os.requireWritableBy(as, d);
            initdb(d, superuser, password, as, timeout, syncInit);
            writeSettings(d, port);
        }
        start(d, port, as, timeout);
        long pid = Os.readPid(d.resolve("postmaster.pid"));
        if (pid <= 0) throw new AppException("PostgreSQL in " + d + " started but wrote no postmaster.pid");
        return new Server(Server.POSTGRES, d, port, pid);
    }

    /**
     * The server already running from cluster {@code dir}, if any: its postmaster.pid names a live
     * postgres process working in {@code dir}. One on {@code port} is returned once it accepts
     * connections; one on another port is an error. A pid file naming the live server of another
     * folder (a cluster copied while its server ran) is an error too: PostgreSQL will not start
     * beside it, and that server is not ours to touch. A server shutting down is waited for.
     */
    private static Optional<Server> runningServer(Path dir, int port, Duration timeout) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = readLines(pidFile);
            long pid = lines.isEmpty() ? -1 : parseLong(lines.getFirst());
            if (pid <= 0 || !Os.alive(pid) || !Os.programName(pid).map(n -> n.equals("postgres")).orElse(false)) {
                return Optional.empty(); // stale (a crash or a copy): PostgreSQL itself replaces it
            }
            Optional<Path> from = Os.workingDir(pid) // the postmaster works in its data folder
                    .or(() -> lines.size() > 1 ? Optional.of(Path.of(lines.get(1).strip())) : Optional.empty());
            if (from.isPresent() && !Os.sameFile(from.get(), dir)) {
                throw new AppException(pidFile + " names process " + pid + ", a PostgreSQL server that runs from "
                        + from.get() + ", not from " + dir + ": the cluster was probably copied while that server "
                        + "ran. If no server runs from " + dir + ", delete " + pidFile + " and try again");
            }
            long livePort = lines.size() > 3 ? parseLong(lines.get(3)) : -1;
            // PostgreSQL 10 and later add the status as the 8th line; until then the server is starting.
            String status = lines.size() > 7 ? lines.get(7).strip() : "starting";
            if (!status.equals("stopping")) {
                if (livePort != port) {
                    throw new AppException("a PostgreSQL server (pid " + pid + ") already runs from " + dir
                            + (livePort > 0 ? " on port " + livePort : "") + ", not on port " + port
                            + (livePort > 0 ? ": ask for port " + livePort + ", or stop it first" : ": stop it first")
                            + " (pg_ctl stop --pgdata=" + dir + ")");
                }
                if (!status.equals("starting")) return Optional.of(new Server(Server.POSTGRES, dir, port, pid, true));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AppException("the PostgreSQL server (pid " + pid + ") running from " + dir + " was still "
                        + status + " after " + Exec.human(timeout));
            }
            Os.waitUntilGone(pid, Duration.ofMillis(50)); // ready, or gone (then it is started anew), soon
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void initdb(Path dir, String superuser, String password, String as, Duration timeout, boolean sync)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(tool("initdb").toString(), "--pgdata=" + dir,
                "--username=" + superuser, "--encoding=UTF8", "--locale=" + locale()));
        if (!sync) cmd.add("--no-sync");
        Path pwFile = null;
        try {
            if (password == null) {
                cmd.add("--auth=trust");
            } else {
                pwFile = Files.createTempFile("lifeboat-initdb-", ".pw"); // created 0600
                Files.writeString(pwFile, password + "\n");
                if (as != null) Os.chown(pwFile, as);
                cmd.add("--auth=scram-sha-256");
                cmd.add("--pwfile=" + pwFile);
            }
            Exec.check(Os.asUser(as, cmd), Map.of(), null, timeout, Path.of("/"));
        } finally {
            if (pwFile != null) Files.deleteIfExists(pwFile);
        }
    }

    /** C.UTF-8 gives byte-order sorting with Unicode character classes; plain C where it is not installed. */
    private static String locale() {
        return Files.isDirectory(Path.of("/usr/lib/locale/C.utf8")) || Files.isDirectory(Path.of("/usr/lib/locale/C.UTF-8"))
                ? "C.UTF-8" : "C";
    }

    /** Written into postgresql.conf, so the cluster comes up the same when someone starts it by hand later. */
    private static void writeSettings(Path dir, int port) throws IOException {
        // A socket path over 107 bytes cannot be bound; then TCP alone will do.
        boolean socketFits = dir.toString().getBytes(StandardCharsets.UTF_8).length + "/.s.PGSQL.65535.lock".length() < 108;
        String sockets = socketFits ? dir.toString().replace("\\", "\\\\").replace("'", "''") : "";
        String settings = "\n# Added by Lifeboat: a recovery server reachable from this machine only.\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "port = " + port + "\n"
                + "unix_socket_directories = '" + sockets + "'\n";
        Files.writeString(dir.resolve("postgresql.conf"), settings, StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    private void start(Path dir, int port, String as, Duration timeout) throws IOException {
        Path log = dir.resolve(LOG_FILE);
        long secs = Math.max(1, (timeout.toMillis() + 999) / 1000);
        // -w: pg_ctl returns once the server accepts connections (or has failed), no guessing.
        List<String> cmd = Os.asUser(as, List.of(tool("pg_ctl").toString(), "start", "--pgdata=" + dir,
                "--log=" + log, "--wait", "--timeout=" + secs,
                "--options=-p " + port + " -c listen_addresses=127.0.0.1"));
        Path pidFile = dir.resolve("postmaster.pid");
        long before = Os.readPid(pidFile); // stale, or someone else's: never to be killed
        Instant started = Instant.now();
        try {
            Exec.check(cmd, Map.of(), null, timeout.plusSeconds(10), Path.of("/"));
        } catch (AppException e) {
            // A server this call started that came up too late (or half-way) must not be left behind
            // unseen. Only that one: pg_ctl also fails when another server holds the folder.
            long pid = Os.readPid(pidFile);
            if (pid > 0 && pid != before && Os.alive(pid) && Os.startedSince(pid, started)
                    && Os.programName(pid).map(n -> n.equals("postgres")).orElse(false)) {
                ProcessHandle.of(pid).ifPresent(Exec::killTree);
            }
            String tail = Os.fileTail(log, 15);
            throw tail.isEmpty() ? e : e.withDetail("Last lines of " + log + ":\n" + tail);
        }
    }
}
