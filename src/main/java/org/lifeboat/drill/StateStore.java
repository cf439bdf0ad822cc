package org.lifeboat.drill;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.lifeboat.repository.Json;

/**
 * Lifeboat's embedded state: an SQLite database {@code lifeboat.db} in the state folder. It records
 * every drill (the full report as JSON, plus one row per system for history and forecasts); the
 * scheduler's job history will live here too. Several Lifeboat processes may use it at once: WAL
 * lets readers run beside a writer, writers wait for each other up to a busy timeout.
 */
public final class StateStore implements AutoCloseable {
    public static final String FILE_NAME = "lifeboat.db";
    /** PRAGMA application_id "LIFE": tells our databases from other SQLite files, which we never touch. */
    static final int APPLICATION_ID = 0x4C494645;
    /** The schema this code writes; PRAGMA user_version holds the one a database has. */
    static final int SCHEMA_VERSION = 1;
    static final Duration BUSY_TIMEOUT = Duration.ofSeconds(30);
    private static final int SQLITE_BUSY = 5;

    /**
     * Migrations by the version they start from: MIGRATIONS[v] takes a database from v to v + 1.
     * A later jobs table (scheduler history) is the next entry; existing ones never change.
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
    };

    /** Fixed width (always milliseconds) so that text order is time order in SQL. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final Path file;
    private final Connection db;

    private StateStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (creating when missing) the store in {@code stateDir}, migrating an older schema. */
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
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file);
        } catch (SQLException e) {
            throw failure(file, "cannot open the state database", e);
        }
        try {
            retrying(() -> {
                prepare(c, file);
                return null;
            });
            return new StateStore(file, c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw failure(file, "cannot open the state database", e);
        } catch (StateStoreException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** A drill id: UTC start time (sorts by time, readable) and 4 random hex digits, e.g. 20261122-054907-3fa2. */
    public static String newId(Instant started) {
        return ID_TIME.format(started) + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }

    public Path file() {
        return file;
    }

    /** Records a drill and its systems in one transaction; an id already recorded is refused. */
    public synchronized void save(DrillReport r) throws StateStoreException {
        if (r.id() == null || r.id().isBlank()) throw new IllegalArgumentException("a drill report needs an id");
        if (r.started() == null) throw new IllegalArgumentException("a drill report needs a start time");
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(DrillJson.toJson(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("drill report " + r.id() + " cannot be written as JSON", e);
        }
        try {
            retrying(() -> transaction(db, () -> insert(r, json)));
        } catch (SQLException e) {
            throw failure(file, "cannot record drill " + r.id(), e);
        }
    }

    private Void insert(DrillReport r, String json) throws SQLException, StateStoreException {
        try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM drills WHERE id = ?")) {
            q.setString(1, r.id());
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) throw new StateStoreException(file + ": drill " + r.id() + " is already recorded");
            }
        }
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO drills (id, plan_hash, plan_file, site, started, finished, result, report_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ins.setString(1, r.id());
            ins.setString(2, r.planHash());
            ins.setString(3, r.planFile());
            ins.setString(4, r.site());
            ins.setString(5, time(r.started()));
            ins.setString(6, time(r.finished()));
            ins.setString(7, r.passed() ? "passed" : "failed");
            ins.setString(8, json);
            ins.executeUpdate();
        }
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO drill_systems (drill_id, name, started, wave, result, snapshot, snapshot_time,
                    bytes_restored, rpo_target_s, rpo_achieved_s, worst_gap_s, rto_target_s, rto_measured_s,
                    restore_s, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (DrillSystem s : r.systems()) {
                ins.setString(1, r.id());
                ins.setString(2, s.name());
                ins.setString(3, time(r.started()));
                ins.setInt(4, s.wave());
                ins.setString(5, s.result().json());
                ins.setString(6, s.snapshot());
                ins.setString(7, time(s.snapshotTime()));
                ins.setLong(8, s.bytesRestored());
                seconds(ins, 9, s.rpoTarget());
                seconds(ins, 10, s.rpoAchieved());
                seconds(ins, 11, s.worstGap());
                seconds(ins, 12, s.rtoTarget());
                seconds(ins, 13, s.rtoMeasured());
                seconds(ins, 14, s.restoreTime());
                ins.setString(15, reasons(s.reasons()));
                ins.executeUpdate();
            }
        }
        return null;
    }

    /** The drill with this id, the only one whose id starts with it, or the newest for {@code latest}. */
    public synchronized DrillReport load(String idOrPrefix) throws StateStoreException {
        String key = idOrPrefix == null ? "" : idOrPrefix.strip();
        if (key.isEmpty()) throw new StateStoreException("name a drill: its id, a unique start of it, or 'latest'");
        try {
            return retrying(() -> find(key));
        } catch (SQLException e) {
            throw failure(file, "cannot read drill '" + key + "'", e);
        }
    }

    /** The newest drills first, at most {@code limit} of them (all when {@code limit <= 0}). */
    public synchronized List<DrillSummary> list(int limit) throws StateStoreException {
        try {
            return retrying(() -> summaries(limit));
        } catch (SQLException e) {
            throw failure(file, "cannot list drills", e);
        }
    }

    /**
     * Each system in each drill, oldest drill first: only {@code system} unless null, only drills
     * started at or after {@code since} unless null.
     */
    public synchronized List<SystemRun> history(String system, Instant since) throws StateStoreException {
        try {
            return retrying(() -> runs(system, since));
        } catch (SQLException e) {
            throw failure(file, "cannot read drill history", e);
        }
    }

    private DrillReport find(String key) throws SQLException, StateStoreException {
        String id;
        if (key.equals("latest")) {
            List<String> newest = strings("SELECT id FROM drills ORDER BY started DESC, id DESC LIMIT 1");
            if (newest.isEmpty()) throw new StateStoreException("no drills are recorded in " + file + " yet");
            id = newest.getFirst();
        } else if (!strings("SELECT id FROM drills WHERE id = ?", key).isEmpty()) {
            id = key;
        } else {
            // substr, not LIKE: % and _ in what the user typed are no wildcards
            List<String> found = strings("SELECT id FROM drills WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 6",
                    key.length(), key);
            if (found.isEmpty()) throw new StateStoreException("no drill '" + key + "' is recorded in " + file);
            if (found.size() > 1) {
                String some = String.join(", ", found.subList(0, Math.min(5, found.size())));
                throw new StateStoreException("'" + key + "' matches several drills in " + file + " (" + some
                        + (found.size() > 5 ? ", …" : "") + "); give more of the id");
            }
            id = found.getFirst();
        }
        String json = strings("SELECT report_json FROM drills WHERE id = ?", id).getFirst();
        try {
            return DrillJson.fromJson(json);
        } catch (IOException | RuntimeException e) {
            throw new StateStoreException(file + ": drill " + id + " is recorded but its report cannot be read ("
                    + e.getMessage() + ")", e);
        }
    }

    private List<DrillSummary> summaries(int limit) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("""
                SELECT d.id, d.started, d.finished, d.site, d.result,
                    (SELECT count(*) FROM drill_systems s WHERE s.drill_id = d.id),
                    (SELECT count(*) FROM drill_systems s WHERE s.drill_id = d.id AND s.result <> 'passed')
                FROM drills d ORDER BY d.started DESC, d.id DESC LIMIT ?""")) {
            q.setInt(1, limit <= 0 ? -1 : limit);
            List<DrillSummary> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Instant started = instant(rs.getString(2));
                    Instant finished = instant(rs.getString(3));
                    out.add(new DrillSummary(rs.getString(1), started, rs.getString(4), "passed".equals(rs.getString(5)),
                            rs.getInt(6), rs.getInt(7), finished == null ? null : Duration.between(started, finished)));
                }
            }
            return out;
        }
    }

    private List<SystemRun> runs(String system, Instant since) throws SQLException {
        StringBuilder sql = new StringBuilder("""
                SELECT drill_id, started, name, result, rto_target_s, rto_measured_s, rpo_target_s, rpo_achieved_s,
                    worst_gap_s, bytes_restored, restore_s
                FROM drill_systems WHERE 1 = 1""");
        List<String> args = new ArrayList<>();
        if (system != null) {
            sql.append(" AND name = ?");
            args.add(system);
        }
        if (since != null) {
            sql.append(" AND started >= ?");
            args.add(time(since));
        }
        sql.append(" ORDER BY started, drill_id, wave, name");
        try (PreparedStatement q = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) q.setString(i + 1, args.get(i));
            List<SystemRun> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new SystemRun(rs.getString(1), instant(rs.getString(2)), rs.getString(3),
                            DrillSystem.Outcome.parse(rs.getString(4)), duration(rs, 5), duration(rs, 6), duration(rs, 7),
                            duration(rs, 8), duration(rs, 9), rs.getLong(10), duration(rs, 11)));
                }
            }
            return out;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(db);
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

    private static void prepare(Connection c, Path file) throws SQLException, StateStoreException {
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

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException, StateStoreException;
    }

    /**
     * BEGIN IMMEDIATE takes the write lock up front, so a second process waits (busy timeout)
     * instead of failing when a read transaction cannot be upgraded. Explicit statements rather
     * than setAutoCommit(false), which makes the driver open the next transaction right after commit.
     */
    private static <T> T transaction(Connection c, Work<T> work) throws SQLException, StateStoreException {
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
     * as it closes, WAL recovery, a database switching to WAL): retry those within the busy timeout.
     * Every operation retried here is a read or one whole transaction, so a retry repeats nothing.
     */
    private static <T> T retrying(Work<T> op) throws SQLException, StateStoreException {
        long deadline = System.nanoTime() + BUSY_TIMEOUT.toNanos();
        long pauseMs = 5;
        while (true) {
            try {
                return op.run();
            } catch (SQLException e) {
                if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || System.nanoTime() - deadline > 0) throw e;
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
    static StateStoreException failure(Path file, String doing, SQLException e) {
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
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing left to do with a connection that will not close; SQLite has committed already
        }
    }

    // --- columns

    private List<String> strings(String sql, Object... args) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) q.setObject(i + 1, args[i]);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    /** Seconds with millisecond precision, as in the report's JSON. */
    private static void seconds(PreparedStatement p, int i, Duration d) throws SQLException {
        if (d == null) p.setNull(i, Types.REAL);
        else p.setDouble(i, d.toMillis() / 1000.0);
    }

    private static Duration duration(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : Duration.ofMillis(Math.round(v * 1000));
    }

    private static String reasons(List<String> reasons) {
        try {
            return Json.MAPPER.writeValueAsString(reasons);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
