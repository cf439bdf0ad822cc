package org.lifeboat.state;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Lifeboat's state: drill records, job runs, alerts and each host's published status. By default
 * an SQLite database {@code lifeboat.db} in the state folder; several Lifeboat processes may use it
 * at once (WAL lets readers run beside a writer, writers wait for each other up to a busy timeout).
 * With a {@code postgresql://} location it is a schema in a PostgreSQL database instead, so the
 * services of several hosts share one state and one dashboard shows the whole fleet.
 *
 * <p>Callers run their SQL inside {@link #read} or {@link #write}: one transaction each, retried as a
 * whole when the database is busy, failures turned into a {@link StateStoreException} that names the
 * database and says what to do.
 */
public final class StateStore implements AutoCloseable {
    public static final String FILE_NAME = "lifeboat.db";
    /** PRAGMA application_id "LIFE": tells our databases from other SQLite files, which we never touch. */
    static final int APPLICATION_ID = 0x4C494645;
    /** The schema this code writes; PRAGMA user_version (SQLite) or lifeboat_schema (PostgreSQL) holds a database's. */
    public static final int SCHEMA_VERSION = 4;
    static final Duration BUSY_TIMEOUT = Duration.ofSeconds(30);
    private static final int SQLITE_BUSY = 5;

    /**
     * Migrations by the version they start from: MIGRATIONS[v] takes a database from v to v + 1.
     * Existing entries never change. Written in the SQL both SQLite and PostgreSQL take; for
     * PostgreSQL {@link #forPostgres} widens REAL and INTEGER columns (float4 and int4 there).
     */
    private static final String[][] MIGRATIONS = {
        {
            """
            CREATE TABLE drills (
                id TEXT PRIMARY KEY,
                plan_hash TEXT,
                plan_file TEXT,
                site TEXT,
                started TEXT NOT NULL,
                finished TEXT,
                result TEXT NOT NULL,
                report_json TEXT NOT NULL)""",
            "CREATE INDEX drills_started ON drills (started)",
            // started repeats the drill's start so per-system history is one indexed range scan.
            """
            CREATE TABLE drill_systems (
                drill_id TEXT NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                started TEXT NOT NULL,
                wave INTEGER NOT NULL,
                result TEXT NOT NULL,
                snapshot TEXT,
                snapshot_time TEXT,
                bytes_restored INTEGER NOT NULL,
                rpo_target_s REAL,
                rpo_achieved_s REAL,
                worst_gap_s REAL,
                rto_target_s REAL,
                rto_measured_s REAL,
                restore_s REAL,
                reasons TEXT NOT NULL,
                PRIMARY KEY (drill_id, name))""",
            "CREATE INDEX drill_systems_name_started ON drill_systems (name, started)",
        },
        {
            // Every job the service ran (issue 13): result running until it ends.
            """
            CREATE TABLE job_runs (
                id TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                system TEXT NOT NULL,
                kind TEXT NOT NULL,
                trigger_by TEXT NOT NULL,
                started TEXT NOT NULL,
                finished TEXT,
                result TEXT NOT NULL,
                files INTEGER,
                bytes INTEGER,
                bytes_added INTEGER,
                snapshot TEXT,
                message TEXT)""",
            "CREATE INDEX job_runs_system_started ON job_runs (system, started)",
            "CREATE INDEX job_runs_started ON job_runs (started)",
            // One row per incident: open while resolved is null, so a check that finds it still
            // open raises nothing new (one alert per incident, not one per check).
            """
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                system TEXT NOT NULL,
                kind TEXT NOT NULL,
                since TEXT NOT NULL,
                message TEXT NOT NULL,
                details_json TEXT NOT NULL,
                resolved TEXT)""",
            "CREATE INDEX alerts_open ON alerts (host, system, kind, resolved)",
            // What each host's service last saw of its systems: the fleet's dashboard reads these.
            """
            CREATE TABLE system_status (
                host TEXT NOT NULL,
                system TEXT NOT NULL,
                updated TEXT NOT NULL,
                status_json TEXT NOT NULL,
                PRIMARY KEY (host, system))""",
        },
        {
            // Each snapshot's anomaly score (issue 14): the baseline of a system is its own rows.
            """
            CREATE TABLE anomalies (
                system TEXT NOT NULL,
                snapshot TEXT NOT NULL,
                parent TEXT,
                snapshot_time TEXT NOT NULL,
                scored TEXT NOT NULL,
                host TEXT NOT NULL,
                score INTEGER NOT NULL,
                threshold INTEGER NOT NULL,
                suspicious INTEGER NOT NULL,
                late INTEGER NOT NULL,
                signals_json TEXT NOT NULL,
                score_json TEXT NOT NULL,
                PRIMARY KEY (system, snapshot))""",
            "CREATE INDEX anomalies_system_time ON anomalies (system, snapshot_time)",
        },
        {
            // Each runbook generated (lifeboat runbook): the plan version it was written from, so
            // lifeboat assess can tell whether people have the procedure of the plan as it is now.
            """
            CREATE TABLE runbooks (
                id TEXT PRIMARY KEY,
                plan_hash TEXT NOT NULL,
                plan_file TEXT,
                site TEXT,
                format TEXT NOT NULL,
                output TEXT,
                host TEXT NOT NULL,
                generated TEXT NOT NULL)""",
            "CREATE INDEX runbooks_generated ON runbooks (generated)",
        },
    };

    /** Fixed width (always milliseconds) so that text order is time order in SQL. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /** Which database: SQLite (a file, one host) or PostgreSQL (a server, a fleet). */
    enum Dialect { SQLITE, POSTGRES }

    private final Dialect dialect;
    /** The SQLite file, or null for PostgreSQL. */
    private final Path file;
    /** What messages name: the file, or the server's location without its password. */
    private final String where;
    private final Connector connector;
    private Connection db;

    @FunctionalInterface
    private interface Connector {
        Connection connect() throws SQLException;
    }

    private StateStore(Dialect dialect, Path file, String where, Connector connector, Connection db) {
        this.dialect = dialect;
        this.file = file;
        this.where = where;
        this.connector = connector;
        this.db = db;
    }

    /**
     * Opens the state named by {@code location}: null or empty for the SQLite store in
     * {@code stateDir} ({@link #open(Path)}), {@code postgresql://[user[:password]@]host[:port]/database}
     * (or {@code postgres://}) for a PostgreSQL server, whose password may instead come from
     * {@code LIFEBOAT_STATE_DB_PASSWORD}.
     *
     * @throws StateStoreException when the location is not one of those, or the database cannot be
     *     opened, is not a Lifeboat state, or was written by a newer Lifeboat
     */
    public static StateStore open(String location, Path stateDir) throws StateStoreException {
        if (location == null || location.isBlank()) return open(stateDir);
        String l = location.strip();
        if (l.startsWith("postgresql://") || l.startsWith("postgres://")) return openPostgres(l);
        throw new StateStoreException("state database '" + redact(l) + "' is not one Lifeboat knows: give"
                + " postgresql://user@host:port/database, or nothing for the SQLite file in the state folder");
    }

    /** Opens (creating when missing) the SQLite store in {@code stateDir}, migrating an older schema. */
    public static StateStore open(Path stateDir) throws StateStoreException {
        Path dir = stateDir.toAbsolutePath().normalize();
        Path file = dir.resolve(FILE_NAME);
        createFolder(dir, file);
        // SQLite would open a read-only file read-only and fail only at the first write; WAL also
        // needs to create lifeboat.db-wal and -shm beside it. Say so before anything half-works.
        if (!Files.isWritable(dir)) {
            throw new StateStoreException("cannot use " + file + ": the folder " + dir
                    + " is not writable (the database and its journal files live there); check its permissions");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new StateStoreException("cannot use " + file + ": the file is not writable; check its permissions");
        }
        Connector connector = () -> DriverManager.getConnection("jdbc:sqlite:" + file);
        Connection c;
        try {
            c = connector.connect();
        } catch (SQLException e) {
            throw failure(file.toString(), false, "cannot open the state database", e);
        }
        StateStore store = new StateStore(Dialect.SQLITE, file, file.toString(), connector, c);
        try {
            store.retrying(() -> {
                store.prepareSqlite(c);
                return null;
            });
            return store;
        } catch (SQLException e) {
            closeQuietly(c);
            throw failure(file.toString(), false, "cannot open the state database", e);
        } catch (StateStoreException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Opens an existing state to read it only ({@code lifeboat status}): nothing is created,
     * migrated or switched (no folder, no empty database, no WAL mode), so a user who may only read
     * the state can. A state of an older schema is opened as {@link #open(String, Path)} does,
     * which brings it up to date (the one write), since this version cannot read the old tables.
     *
     * @return the store, or null when there is no state there yet (no SQLite file; a PostgreSQL
     *     database without Lifeboat's tables)
     * @throws StateStoreException when it cannot be opened or read, is not a Lifeboat state, or was
     *     written by a newer Lifeboat
     */
    public static StateStore openReadOnly(String location, Path stateDir) throws StateStoreException {
        if (location != null && !location.isBlank()) {
            String l = location.strip();
            if (!l.startsWith("postgresql://") && !l.startsWith("postgres://")) return open(l, stateDir); // says what is wrong
            return openPostgres(l, true);
        }
        Path file = stateDir.toAbsolutePath().normalize().resolve(FILE_NAME);
        if (!Files.exists(file)) return null;
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout((int) BUSY_TIMEOUT.toMillis());
        Connector connector = () -> DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        Connection c;
        try {
            c = connector.connect();
        } catch (SQLException e) {
            throw failure(file.toString(), false, "cannot open the state database", e);
        }
        StateStore store = new StateStore(Dialect.SQLITE, file, file.toString(), connector, c);
        try {
            Identity seen = store.retrying(() -> identify(c));
            seen.check(file);
            if (seen.version < SCHEMA_VERSION) {
                closeQuietly(c);
                return open(stateDir);
            }
            return store;
        } catch (SQLException e) {
            closeQuietly(c);
            throw failure(file.toString(), false, "cannot read the state database", e);
        } catch (StateStoreException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * For a SQLite state: when its file was removed while open (a clean-up of /var/lib, an
     * admin's mistake), writes would go on into the removed file and be lost at the next start,
     * with every open incident. This makes a new database at the same path and uses it from now.
     *
     * @return true when the file was gone and a new one was made (what was only in the old one is
     *     lost: the caller says so); false for a file still there, or a PostgreSQL state
     * @throws StateStoreException when the new database cannot be made
     */
    public synchronized boolean reopenIfRemoved() throws StateStoreException {
        if (dialect != Dialect.SQLITE || file == null || Files.exists(file)) return false;
        if (db != null) closeQuietly(db);
        db = null;
        createFolder(file.getParent(), file);
        try {
            Connection c = connector.connect();
            db = c;
            retrying(() -> {
                prepareSqlite(c);
                return null;
            });
            return true;
        } catch (SQLException e) {
            throw failure(file.toString(), false, "cannot make the state database again", e);
        }
    }

    private static StateStore openPostgres(String location) throws StateStoreException {
        return openPostgres(location, false);
    }

    /** {@code readOnly}: null when the database holds no Lifeboat state yet, nothing created. */
    private static StateStore openPostgres(String location, boolean readOnly) throws StateStoreException {
        URI u;
        try {
            u = new URI(location);
        } catch (URISyntaxException e) {
            throw new StateStoreException("state database '" + redact(location) + "' is not a URL: " + e.getReason());
        }
        String shown = redact(location);
        if (u.getHost() == null || u.getPath() == null || u.getPath().length() <= 1) {
            throw new StateStoreException("state database " + shown + " names no host or no database:"
                    + " write postgresql://user@host:port/database");
        }
        Properties props = new Properties();
        String user = null, password = null;
        if (u.getRawUserInfo() != null) {
            String[] ui = u.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(ui[0], StandardCharsets.UTF_8);
            if (ui.length > 1) password = URLDecoder.decode(ui[1], StandardCharsets.UTF_8);
        }
        String env = System.getenv("LIFEBOAT_STATE_DB_PASSWORD");
        if (password == null && env != null && !env.isEmpty()) password = env;
        if (user != null) props.setProperty("user", user);
        if (password != null) props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        // a server that accepts the connection but never answers (not PostgreSQL, or hung) is given up after 10 s
        props.setProperty("loginTimeout", "10");
        props.setProperty("socketTimeout", "60");
        props.setProperty("ApplicationName", "lifeboat");
        String jdbc = "jdbc:postgresql://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        Connector connector = () -> DriverManager.getConnection(jdbc, props);
        Connection c;
        try {
            c = connector.connect();
        } catch (SQLException e) {
            throw failure(shown, true, "cannot connect to the state database", e);
        }
        StateStore store = new StateStore(Dialect.POSTGRES, null, shown, connector, c);
        try {
            if (readOnly) {
                int version = store.retrying(() -> {
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT to_regclass('lifeboat_schema') IS NOT NULL")) {
                        rs.next();
                        if (!rs.getBoolean(1)) return -1;
                    }
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version FROM lifeboat_schema")) {
                        return rs.next() ? rs.getInt(1) : 0;
                    }
                });
                if (version < 0) {
                    closeQuietly(c);
                    return null;
                }
                if (version == SCHEMA_VERSION) {
                    c.setReadOnly(true);
                    return store;
                }
                // older: migrated as serve would; newer: refused by prepare with its sentence
            }
            store.retrying(() -> {
                store.prepare(c);
                return null;
            });
            return store;
        } catch (SQLException e) {
            closeQuietly(c);
            throw failure(shown, true, "cannot open the state database", e);
        } catch (StateStoreException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** A location as messages show it: a URL's password replaced by ***. */
    public static String redact(String location) {
        if (location == null) return null;
        return location.replaceFirst("^([a-z]+://[^:/@]*):[^@/]*@", "$1:***@")
                .replaceAll("(?i)([?&](password|sslpassword)=)[^&]*", "$1***");
    }

    /** The SQLite file, or null when the state is a PostgreSQL database. */
    public Path file() {
        return file;
    }

    /** The database as messages name it: the SQLite file, or the PostgreSQL location without its password. */
    public String where() {
        return where;
    }

    /** True for a PostgreSQL state, which several hosts may share. */
    public boolean shared() {
        return dialect == Dialect.POSTGRES;
    }

    /** Work on the database inside one transaction; the connection is the store's own, never kept. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException, StateStoreException;
    }

    /**
     * Runs {@code work} as one read; retried as a whole while the database is busy (up to 30 s).
     *
     * @param doing what it does, for the message: "cannot read drill history"
     * @throws StateStoreException naming the database and the reason when it fails, or what
     *     {@code work} throws
     */
    public synchronized <T> T read(String doing, Work<T> work) throws StateStoreException {
        return run(doing, work, false);
    }

    /**
     * Runs {@code work} as one write transaction (all or nothing), retried as a whole while the
     * database is busy (up to 30 s) or, for PostgreSQL, after a serialization failure or a lost
     * connection (reconnecting once).
     *
     * @param doing what it does, for the message: "cannot record drill X"
     * @throws StateStoreException naming the database and the reason when it fails, or what
     *     {@code work} throws (then nothing of it is written)
     */
    public synchronized <T> T write(String doing, Work<T> work) throws StateStoreException {
        return run(doing, work, true);
    }

    private <T> T run(String doing, Work<T> work, boolean write) throws StateStoreException {
        boolean reconnected = false;
        while (true) {
            try {
                if (db == null) db = connector.connect();
                Connection c = db;
                return retrying(() -> write ? transaction(c, () -> work.run(c)) : work.run(c));
            } catch (SQLException e) {
                // A service runs for months: a PostgreSQL restart must not end it. Connect again once.
                if (dialect == Dialect.POSTGRES && !reconnected && isConnectionLoss(e)) {
                    reconnected = true;
                    closeQuietly(db);
                    db = null;
                    continue;
                }
                throw failure(where, dialect == Dialect.POSTGRES, doing, e);
            }
        }
    }

    private static boolean isConnectionLoss(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    /** The SQL text for this store's database: {@code LIMIT -1} and column widths differ. */
    String sql(String sqliteText) {
        return dialect == Dialect.POSTGRES ? forPostgres(sqliteText) : sqliteText;
    }

    static String forPostgres(String sql) {
        return sql.replaceAll("\\bREAL\\b", "DOUBLE PRECISION").replaceAll("\\bINTEGER\\b", "BIGINT");
    }

    @Override
    /** Closes the connection; later use reconnects (PostgreSQL) or fails. */
    public synchronized void close() {
        if (db != null) closeQuietly(db);
        db = null;
    }

    // --- opening and migrating

    private static void createFolder(Path dir, Path file) throws StateStoreException {
        if (Files.isDirectory(dir)) return;
        try {
            Path parent = dir.getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.createDirectory(dir);
            // The drill records name hosts, paths and snapshots: for the owner only (umask aside).
            if (Files.getFileStore(dir).supportsFileAttributeView("posix")) Files.setPosixFilePermissions(dir, OWNER_ONLY);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) return; // another process created it meanwhile
            throw new StateStoreException("cannot create the state folder " + dir + " for " + file + ": "
                    + e.getFile() + " exists and is not a folder");
        } catch (IOException e) {
            throw new StateStoreException("cannot create the state folder " + dir + " for " + file + ": " + reason(e));
        }
    }

    private void prepareSqlite(Connection c) throws SQLException, StateStoreException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT.toMillis());
            s.execute("PRAGMA foreign_keys = ON");
            // Identify before changing anything: another application's SQLite file stays untouched.
            Identity seen = identify(c);
            seen.check(file);
            if (!"wal".equalsIgnoreCase(pragma(c, "journal_mode"))) s.execute("PRAGMA journal_mode = WAL");
            if (seen.version == SCHEMA_VERSION) return; // the usual case: no write lock needed
            transaction(c, () -> {
                Identity now = identify(c); // another process may have created or migrated it meanwhile
                now.check(file);
                for (int v = now.version; v < SCHEMA_VERSION; v++) {
                    for (String sql : MIGRATIONS[v]) s.execute(sql);
                }
                s.execute("PRAGMA application_id = " + APPLICATION_ID);
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                return null;
            });
        }
    }

    private record Identity(int applicationId, int version, int objects) {
        void check(Path file) throws StateStoreException {
            boolean fresh = applicationId == 0 && version == 0 && objects == 0;
            if (!fresh && applicationId != APPLICATION_ID) {
                throw new StateStoreException(file + " is not a Lifeboat state database (it is another application's"
                        + " SQLite database); move it aside or use another state folder");
            }
            if (version > SCHEMA_VERSION) {
                throw new StateStoreException(file + " was written by a newer Lifeboat (state schema " + version
                        + ", this version knows up to " + SCHEMA_VERSION + "); use that newer Lifeboat");
            }
        }
    }

    /** One statement, so one read snapshot: separate reads could straddle another process's migration. */
    private static Identity identify(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT application_id FROM pragma_application_id),"
                     + " (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)")) {
            rs.next();
            return new Identity(rs.getInt(1), rs.getInt(2), rs.getInt(3));
        }
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : "";
        }
    }

    /**
     * PostgreSQL: the schema version lives in lifeboat_schema; an advisory lock held for the
     * transaction lets one service migrate while the others wait, and a database holding tables
     * named like ours but no lifeboat_schema (another application's) is left untouched.
     */
    private void prepare(Connection c) throws SQLException, StateStoreException {
        transaction(c, () -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + APPLICATION_ID + ")");
                int version = 0;
                boolean marked;
                try (ResultSet rs = s.executeQuery("SELECT to_regclass('lifeboat_schema') IS NOT NULL,"
                        + " to_regclass('drills') IS NOT NULL")) {
                    rs.next();
                    marked = rs.getBoolean(1);
                    if (!marked && rs.getBoolean(2)) {
                        throw new StateStoreException(where + " holds a table 'drills' but is not a Lifeboat state"
                                + " database; use a database of its own for Lifeboat");
                    }
                }
                if (marked) {
                    try (ResultSet rs = s.executeQuery("SELECT version FROM lifeboat_schema")) {
                        version = rs.next() ? rs.getInt(1) : 0;
                    }
                } else {
                    s.execute("CREATE TABLE lifeboat_schema (version INTEGER NOT NULL)");
                    s.execute("INSERT INTO lifeboat_schema VALUES (0)");
                }
                if (version > SCHEMA_VERSION) {
                    throw new StateStoreException(where + " was written by a newer Lifeboat (state schema " + version
                            + ", this version knows up to " + SCHEMA_VERSION + "); use that newer Lifeboat");
                }
                for (int v = version; v < SCHEMA_VERSION; v++) {
                    for (String sql : MIGRATIONS[v]) s.execute(forPostgres(sql));
                }
                s.execute("UPDATE lifeboat_schema SET version = " + SCHEMA_VERSION);
            }
            return null;
        });
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws SQLException, StateStoreException;
    }

    /**
     * SQLite: BEGIN IMMEDIATE takes the write lock up front, so a second process waits (busy
     * timeout) instead of failing when a read transaction cannot be upgraded; explicit statements
     * rather than setAutoCommit(false), which makes that driver open the next transaction right
     * after commit. PostgreSQL: the driver's own transaction (autocommit off for its length).
     */
    private <T> T transaction(Connection c, Step<T> work) throws SQLException, StateStoreException {
        if (dialect == Dialect.POSTGRES) {
            c.setAutoCommit(false);
            boolean done = false;
            try {
                T t = work.run();
                c.commit();
                done = true;
                return t;
            } finally {
                if (!done) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // the failure that brought us here is the one to report
                    }
                }
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a lost connection: the next use reconnects
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            boolean done = false;
            try {
                T t = work.run();
                s.execute("COMMIT");
                done = true;
                return t;
            } finally {
                if (!done) {
                    try {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // the failure that brought us here is the one to report
                    }
                }
            }
        }
    }

    /**
     * SQLite answers SQLITE_BUSY without waiting in a few cases (another connection's WAL cleanup
     * as it closes, WAL recovery, a database switching to WAL); PostgreSQL ends a transaction with
     * a serialization failure or a deadlock (SQLSTATE 40001, 40P01) when two writers collide.
     * Retry those within the busy timeout. Every operation retried here is a read or one whole
     * transaction, so a retry repeats nothing.
     */
    private <T> T retrying(Step<T> op) throws SQLException, StateStoreException {
        long deadline = System.nanoTime() + BUSY_TIMEOUT.toNanos();
        long pauseMs = 5;
        while (true) {
            try {
                return op.run();
            } catch (SQLException e) {
                boolean busy = dialect == Dialect.SQLITE ? (e.getErrorCode() & 0xff) == SQLITE_BUSY
                        : "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
                if (!busy || System.nanoTime() - deadline > 0) throw e;
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(pauseMs / 2, pauseMs + 1)); // jitter: no lockstep
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pauseMs = Math.min(pauseMs * 2, 200);
            }
        }
    }

    // --- errors

    /** A message that says what failed in words, the file first; SQLite's own words only as detail. */
    static StateStoreException failure(String file, boolean postgres, String doing, SQLException e) {
        String state = e.getSQLState();
        if (postgres && state != null && state.length() == 5) {
            // PostgreSQL's SQLSTATE classes (PostgreSQL manual, appendix A)
            String why = switch (state.substring(0, 2)) {
                case "08" -> "the server cannot be reached (" + sqliteWords(e) + "); check that it runs and the host and port";
                case "28" -> "the server refused the user or password; check them (LIFEBOAT_STATE_DB_PASSWORD)";
                case "3D" -> "the database does not exist; create it (createdb) first";
                case "42" -> state.equals("42501") ? "permission denied; grant the user the rights to create tables in it"
                        : sqliteWords(e);
                case "53" -> "the server is out of resources (" + sqliteWords(e) + ")";
                default -> sqliteWords(e);
            };
            return new StateStoreException(file + ": " + doing + ": " + why, e);
        }
        int code = e.getErrorCode() & 0xff; // extended result codes carry the primary one in the low byte
        String why = switch (code) {
            case 26 -> null; // SQLITE_NOTADB
            case 11 -> "the database is damaged; move it aside (the drill reports in it may be recoverable"
                    + " with the sqlite3 .recover command) or use another state folder";
            case SQLITE_BUSY, 6 -> "it is locked by another Lifeboat process (waited " + BUSY_TIMEOUT.toSeconds()
                    + "s); try again when that one is done";
            case 3, 8, 23 -> "it cannot be written; check the permissions of the file and its folder";
            case 14 -> "the file cannot be opened; check that its folder exists and is writable";
            case 13 -> "the disk is full";
            case 10 -> "input/output error (" + sqliteWords(e) + ")";
            default -> sqliteWords(e);
        };
        if (why == null) {
            return new StateStoreException(file + " is not a Lifeboat state database (not an SQLite database at all);"
                    + " move it aside or use another state folder", e);
        }
        return new StateStoreException(file + ": " + doing + ": " + why, e);
    }

    private static String sqliteWords(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!m.startsWith("[SQLITE")) return m.lines().findFirst().orElse(m);
        return "SQLite: " + m.replaceFirst("^\\[SQLITE_[A-Z_]+\\]\\s*", "");
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied on " + ((FileSystemException) e).getFile();
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return; // never connected (the server was down)
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing left to do with a connection that will not close; SQLite has committed already
        }
    }

    // --- columns

    /** A time as stored: UTC with milliseconds, fixed width, so text order is time order; null stays null. */
    public static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }

    /** A stored time read back; null stays null. */
    public static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    /** Seconds with millisecond precision, as in the report's JSON. */
    public static void seconds(PreparedStatement p, int i, Duration d) throws SQLException {
        if (d == null) p.setNull(i, Types.REAL);
        else p.setDouble(i, d.toMillis() / 1000.0);
    }

    /** Seconds stored by {@link #seconds} read back; SQL NULL is null. */
    public static Duration duration(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : Duration.ofMillis(Math.round(v * 1000));
    }
}
