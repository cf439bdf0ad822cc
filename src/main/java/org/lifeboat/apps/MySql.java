package org.lifeboat.apps;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * MariaDB or MySQL through their client tools (mariadb / mysql, mariadb-dump / mysqldump), and
 * MariaDB servers for recoveries (mariadb-install-db, mariadbd). The password goes in MYSQL_PWD.
 * With a password the tools get {@code --no-defaults}: the connection is then fully given and
 * a [client] password in ~/.my.cnf (which would beat MYSQL_PWD) cannot interfere; without one
 * they read their option files as usual, which is where such a password would come from.
 */
public final class MySql {
    /** Environment variable naming the one folder to take the MariaDB/MySQL binaries from. */
    public static final String BIN_ENV = "LIFEBOAT_MYSQL_BIN";
    static final String LOG_FILE = "error.log";
    static final String PID_FILE = "mysqld.pid";
    static final String SOCKET_FILE = "mysqld.sock";
    static final String DATA_DIR = "data";
    private static final List<String> SERVER_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/bin",
            "/usr/local/mysql/bin", "/usr/bin");
    /** Databases that are the server's own, not the user's. */
    private static final Set<String> SYSTEM_DATABASES = Set.of("information_schema", "performance_schema", "mysql", "sys");
    private static final Duration SHORT = Duration.ofMinutes(2);

    private final Path client;
    private final Path dumper;
    private final Path server;     // null: no server installed (client tools only)
    private final Path installDb;  // null likewise

    private MySql(Path client, Path dumper, Path server, Path installDb) {
        this.client = client;
        this.dumper = dumper;
        this.server = server;
        this.installDb = installDb;
    }

    /**
     * The tools in $LIFEBOAT_MYSQL_BIN if set, else on $PATH (servers also in /usr/sbin and the
     * like), preferring the MariaDB names (mariadb, mariadb-dump) over the MySQL ones.
     */
    public static MySql locate() throws IOException {
        return locate(System.getenv(BIN_ENV));
    }

    static MySql locate(String override) throws IOException {
        boolean fixed = override != null && !override.isBlank();
        Function<List<String>, Path> find = names -> {
            for (String n : names) {
                Optional<Path> p = fixed ? Optional.of(Path.of(override, n)).filter(Files::isExecutable)
                        : Os.findOnPath(n, SERVER_DIRS);
                if (p.isPresent()) return p.get().toAbsolutePath();
            }
            return null;
        };
        Path client = find.apply(List.of("mariadb", "mysql"));
        Path dumper = find.apply(List.of("mariadb-dump", "mysqldump"));
        if (client == null || dumper == null) {
            throw new AppException("MariaDB/MySQL client tools (mariadb and mariadb-dump, or mysql and mysqldump) not found "
                    + (fixed ? "in " + BIN_ENV + "=" + override : "on PATH")
                    + ": install them (Debian/Ubuntu: apt-get install mariadb-client) or set " + BIN_ENV);
        }
        return new MySql(client, dumper, find.apply(List.of("mariadbd", "mysqld")),
                find.apply(List.of("mariadb-install-db", "mysql_install_db")));
    }

    // ---- commands, also for runbooks (the password is not in them: it goes in MYSQL_PWD)

    /**
     * A consistent dump (one transaction for InnoDB tables) of the named databases with their
     * routines, triggers and events, or of all databases (including the mysql system database,
     * so accounts and grants too) when {@code databases} is empty. No dump date, so unchanged
     * data gives an identical dump that deduplicates completely.
     */
    public List<String> dumpCommand(DbConnection c, List<String> databases) {
        List<String> cmd = cmd(dumper, c);
        cmd.addAll(List.of("--single-transaction", "--routines", "--triggers", "--events", "--skip-dump-date"));
        if (databases.isEmpty()) {
            cmd.add("--all-databases");
        } else {
            cmd.add("--databases");
            for (String db : databases) {
                if (db.isEmpty() || db.startsWith("-")) throw new IllegalArgumentException("bad database name: " + db);
                cmd.add(db);
            }
        }
        return cmd;
    }

    /** The client reading a dump from stdin; the dump says which databases to create and use. */
    public List<String> restoreCommand(DbConnection c) {
        List<String> cmd = cmd(client, c);
        cmd.add("--connect-timeout=15");
        return cmd;
    }

    private static List<String> cmd(Path tool, DbConnection c) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        if (c.password() != null) cmd.add("--no-defaults"); // must come first
        cmd.addAll(List.of("--host=" + c.host(), "--port=" + c.port(), "--protocol=TCP", "--user=" + c.user(),
                // Otherwise the client guesses from the locale (latin1 under LANG=C) and mangles UTF-8 text.
                "--default-character-set=utf8mb4"));
        return cmd;
    }

    private static Map<String, String> env(DbConnection c) {
        return c.password() == null ? Map.of() : Map.of("MYSQL_PWD", c.password());
    }

    // ---- client operations

    /** Streams a dump (see {@link #dumpCommand}); reading to the end, or closing, throws if it failed. */
    public InputStream dump(DbConnection c, List<String> databases) throws IOException {
        String what = databases.isEmpty() ? "all databases" : "database(s) " + String.join(", ", databases);
        return Exec.streamStdout(dumpCommand(c, databases), env(c), program(dumper) + " of " + what + " at " + c.where());
    }

    /**
     * Runs a dump's SQL (streamed to the client), stopping at the first error. A dump of all
     * databases replaces the accounts too, so afterwards the server's users are the dumped ones.
     */
    public void restore(DbConnection c, InputStream sql, Duration timeout) throws IOException {
        Exec.check(restoreCommand(c), env(c), sql, timeout);
    }

    /**
     * Runs {@code sql} (via stdin, so statements that carry passwords stay out of the process list)
     * and returns the first column of the first row, "" if there is none (SQL NULL reads "NULL").
     * {@code database} may be null.
     */
    public String query(DbConnection c, String database, String sql, Duration timeout) throws IOException {
        List<String> rows = rows(c, database, sql, timeout);
        return rows.isEmpty() ? "" : rows.getFirst();
    }

    /** The user's databases (not information_schema, performance_schema, mysql, sys). */
    public List<String> databases(DbConnection c) throws IOException {
        return rows(c, null, "SHOW DATABASES", SHORT).stream().filter(d -> !SYSTEM_DATABASES.contains(d)).toList();
    }

    /** First column of each row. Batch output escapes tab, newline, NUL and backslash, so rows split cleanly. */
    private List<String> rows(DbConnection c, String database, String sql, Duration timeout) throws IOException {
        List<String> cmd = restoreCommand(c);
        cmd.addAll(List.of("--batch", "--skip-column-names"));
        if (database != null) cmd.add("--database=" + database);
        String out = Exec.check(cmd, env(c), new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)), timeout).stdout();
        List<String> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            rows.add(unescape(tab < 0 ? line : line.substring(0, tab)));
        }
        return rows;
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case '0' -> '\0';
                    default -> n;
                });
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    // ---- servers

    /**
     * Starts a MariaDB server for a recovery: a new one in {@code dir} (missing or empty), or the
     * one already there (its accounts are left as they are). If that one is already running on
     * {@code port} it is returned as it is (not restarted); running on another port is an
     * {@link AppException} naming that port. Data in {@code dir}/data, socket, pid
     * file and error log in {@code dir}; it listens on 127.0.0.1:{@code port} only and ignores
     * /etc/mysql (--no-defaults), so the machine's own server settings cannot leak in. As root it
     * runs as system user mysql (or root if there is none). A new server gets {@code superuser}
     * at 127.0.0.1 and localhost with all privileges and the grant option, identified by
     * {@code password} (null: none). root stays reachable through the socket by the system root
     * user only, unless {@code superuser} is root, which then also gets the password.
     */
    public Server createServer(Path dir, int port, String superuser, String password, Duration timeout)
            throws IOException {
        if (server == null || installDb == null) {
            throw new AppException("mariadbd and mariadb-install-db not found: install the MariaDB server "
                    + "(Debian/Ubuntu: apt-get install mariadb-server) or set " + BIN_ENV);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Path d = dir.toAbsolutePath().normalize();
        Path data = d.resolve(DATA_DIR);
        Path socket = d.resolve(SOCKET_FILE);
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new AppException("the server's socket " + socket + " would be longer than the 107 bytes Linux allows: "
                    + "choose a shorter folder");
        }
        Files.createDirectories(d);
        boolean existing = Files.isDirectory(data.resolve("mysql"));
        if (!existing && !Os.emptyOrMissing(d)) {
            throw new AppException(d + " is not empty and holds no MariaDB data (no data/mysql): give an empty or new folder");
        }
        String runAs = Os.isRoot() ? (Os.user("mysql").isPresent() ? "mysql" : "root") : null;
        if (!existing) {
            if ("mysql".equals(runAs)) Os.chown(d, runAs);
            Os.requireWritableBy("mysql".equals(runAs) ? runAs : null, d);
            installDb(data, runAs, remaining(deadline));
        }
        if (existing) {
            // A second mariadbd would hang on the first one's locks; the running one is not ours to stop.
            Optional<Server> running = runningServer(d, data, socket, port, deadline, timeout);
            if (running.isPresent()) return running.get();
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            if (stillListening(socket)) {
                throw new AppException("something listens on " + socket + ", but " + d.resolve(PID_FILE)
                        + " names no mariadbd running from " + d + ": stop that server first");
            }
            Files.delete(socket); // left by a crash, it would look like a ready server
        }
        Process p = startServer(d, data, socket, port, runAs);
        try {
            waitReady(p, d, socket, deadline, timeout);
            if (!existing) createSuperuser(socket, superuser, password, remaining(deadline));
        } catch (IOException | RuntimeException e) {
            Exec.killTree(p.toHandle());
            throw e;
        }
        long pid = Os.readPid(d.resolve(PID_FILE));
        return new Server(Server.MYSQL, d, port, pid > 0 ? pid : p.pid());
    }

    /**
     * The mariadbd already running from {@code d}, if any: its pid file names a live mariadbd
     * working in {@code data}. One on {@code port} is returned once it answers on its socket; one
     * on another port is an error. If it stops while we wait, there is none (it is started anew).
     */
    private Optional<Server> runningServer(Path d, Path data, Path socket, int port, long deadline, Duration timeout)
            throws IOException {
        long pid = Os.readPid(d.resolve(PID_FILE));
        if (pid <= 0 || !Os.alive(pid)) return Optional.empty();
        String program = Os.programName(pid).orElse("");
        if (!program.equals("mariadbd") && !program.equals("mysqld")) return Optional.empty();
        List<String> args = Os.commandLine(pid);
        Optional<Path> cwd = Os.workingDir(pid); // mariadbd works in its data folder
        boolean here = cwd.isPresent() ? Os.sameFile(cwd.get(), data) : args.contains("--datadir=" + data);
        if (!here) return Optional.empty(); // a pid file copied along with the data: stale
        long livePort = -1;
        for (String a : args) {
            if (a.startsWith("--port=")) livePort = parsePort(a.substring("--port=".length()));
        }
        if (livePort > 0 && livePort != port) throw runsElsewhere(d, pid, livePort, port);
        Exec.Result last = null;
        while (true) {
            if (!Os.alive(pid)) return Optional.empty();
            if (Files.exists(socket)) {
                last = ping(socket);
                if (last.exitCode() == 0) {
                    long answered = parsePort(last.stdout());
                    if (answered > 0 && answered != port) throw runsElsewhere(d, pid, answered, port);
                    return Optional.of(new Server(Server.MYSQL, d, port, pid, true));
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AppException("a MariaDB server (pid " + pid + ") runs from " + d + " but did not answer on "
                        + socket + " within " + Exec.human(timeout)
                        + (last == null ? "" : "; last attempt: " + last.stderrTail())
                        + "; stop it (kill " + pid + ") and try again");
            }
            Os.waitUntilGone(pid, Duration.ofMillis(50));
        }
    }

    private static AppException runsElsewhere(Path d, long pid, long livePort, int port) {
        return new AppException("a MariaDB server (pid " + pid + ") already runs from " + d + " on port " + livePort
                + ", not on port " + port + ": ask for port " + livePort + ", or stop it first (kill " + pid + ")");
    }

    private static long parsePort(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True if a server accepts connections on {@code socket}; false if the file is a leftover nobody listens on. */
    /**
     * Whether something listens on {@code socket}, allowing a server that was just killed up to
     * 2 s to let go of it: its main thread is gone (a zombie) before its other threads have
     * exited and closed the socket they share, so for a moment it still accepts.
     */
    private static boolean stillListening(Path socket) throws AppException {
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (listening(socket)) {
            if (System.nanoTime() - until > 0) return true;
            try {
                Thread.sleep(50); // poll interval while waiting for the socket to close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return false;
    }

    private static boolean listening(Path socket) throws AppException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (ConnectException e) {
            return false; // ECONNREFUSED: nobody behind it
        } catch (IOException e) {
            throw new AppException("cannot tell whether a server listens on " + socket + ": " + e.getMessage(), e);
        }
    }

    private void installDb(Path data, String runAs, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(installDb.toString(), "--no-defaults", "--datadir=" + data,
                "--skip-test-db", "--skip-name-resolve"));
        if (runAs != null) cmd.add("--user=" + runAs);
        Exec.Result r = Exec.run(cmd, Map.of(), null, timeout, Path.of("/"), null);
        if (r.exitCode() != 0) {
            // It reports some failures on stdout.
            throw AppException.failed(Exec.describe(cmd), r.exitCode(),
                    Exec.tail(r.stdout(), 10) + "\n" + r.stderrTail());
        }
    }

    private Process startServer(Path d, Path data, Path socket, int port, String runAs) throws AppException {
        List<String> cmd = new ArrayList<>(List.of(server.toString(), "--no-defaults", "--datadir=" + data,
                "--socket=" + socket, "--pid-file=" + d.resolve(PID_FILE), "--port=" + port,
                "--bind-address=127.0.0.1", "--log-error=" + d.resolve(LOG_FILE), "--skip-name-resolve",
                // --no-defaults drops the distribution's utf8mb4 setting; the built-in default is latin1.
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci"));
        if (runAs != null) cmd.add("--user=" + runAs); // mariadbd drops root itself; "root" must be said explicitly
        File out = d.resolve("mariadbd.out").toFile();
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out))
                .redirectError(ProcessBuilder.Redirect.appendTo(out))
                .directory(d.toFile());
        Exec.environment(pb, Map.of()); // no secrets for the server either
        try {
            return pb.start();
        } catch (IOException e) {
            throw new AppException(Exec.describe(cmd) + " could not be started: " + e.getMessage(), e);
        }
    }

    /**
     * Polls until the server answers on its socket (it creates the socket right after binding
     * the TCP port, and the ping proves it accepts), failing early if it exits.
     */
    private void waitReady(Process p, Path d, Path socket, long deadline, Duration timeout) throws IOException {
        Exec.Result last = null;
        while (true) {
            if (!p.isAlive()) {
                throw new AppException("mariadbd exited with code " + p.exitValue() + " while starting in " + d
                        + "; last lines of " + LOG_FILE + ":\n" + Os.fileTail(d.resolve(LOG_FILE), 15));
            }
            if (Files.exists(socket)) {
                last = ping(socket);
                if (last.exitCode() == 0) return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AppException("mariadbd in " + d + " did not accept connections within " + Exec.human(timeout)
                        + (last == null ? "" : "; last attempt: " + last.stderrTail())
                        + "; last lines of " + LOG_FILE + ":\n" + Os.fileTail(d.resolve(LOG_FILE), 15));
            }
            try {
                p.waitFor(50, TimeUnit.MILLISECONDS); // wakes at once if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for mariadbd in " + d);
            }
        }
    }

    /** Asks the server on {@code socket} for its port: exit code 0 means it accepts connections. */
    private Exec.Result ping(Path socket) throws IOException {
        List<String> ping = new ArrayList<>(socketClient(socket));
        ping.addAll(List.of("--batch", "--skip-column-names"));
        return Exec.run(ping, Map.of(), new ByteArrayInputStream("SELECT @@port".getBytes(StandardCharsets.UTF_8)),
                Duration.ofSeconds(10), null, null);
    }

    /** The client over the server's socket as the system user we are: install-db gave that user unix_socket access. */
    private List<String> socketClient(Path socket) {
        String me = Os.isRoot() ? "root" : System.getProperty("user.name");
        return List.of(client.toString(), "--no-defaults", "--protocol=SOCKET", "--socket=" + socket, "--user=" + me);
    }

    private void createSuperuser(Path socket, String superuser, String password, Duration timeout) throws IOException {
        String identified = password == null ? "" : " IDENTIFIED BY " + literal(password);
        StringBuilder sql = new StringBuilder();
        List<String> hosts = superuser.equals("root") ? List.of("127.0.0.1") : List.of("127.0.0.1", "localhost");
        if (superuser.equals("root") && password != null) {
            // Keep socket login for the system root user; add the password for everyone else.
            sql.append("ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(")
                    .append(literal(password)).append(");\n");
        }
        for (String host : hosts) {
            String account = literal(superuser) + "@" + literal(host);
            sql.append("CREATE OR REPLACE USER ").append(account).append(identified).append(";\n");
            sql.append("GRANT ALL PRIVILEGES ON *.* TO ").append(account).append(" WITH GRANT OPTION;\n");
        }
        try {
            Exec.check(socketClient(socket), Map.of(),
                    new ByteArrayInputStream(sql.toString().getBytes(StandardCharsets.UTF_8)), timeout);
        } catch (AppException e) {
            throw e.redact(password); // the client may quote the statement that failed
        }
    }

    /** A single-quoted SQL string (the server's default sql_mode treats backslash as an escape). */
    static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0") + "'";
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), Duration.ofSeconds(1).toNanos()));
    }

    private static String program(Path p) {
        return p.getFileName().toString();
    }
}
