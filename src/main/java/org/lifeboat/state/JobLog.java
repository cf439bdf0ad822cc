package org.lifeboat.state;

import static org.lifeboat.state.StateStore.instant;
import static org.lifeboat.state.StateStore.time;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** The job runs in Lifeboat's state (table {@code job_runs}): every run recorded as it starts and as it ends. */
public final class JobLog {
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final String COLUMNS =
            "id, host, system, kind, trigger_by, started, finished, result, files, bytes, bytes_added, snapshot, message";

    private final StateStore store;

    /** The job runs of {@code store}. */
    public JobLog(StateStore store) {
        this.store = store;
    }

    /** A new job id: UTC start, kind, system and 4 random hex digits; sorts by start. */
    public static String newId(Instant started, String kind, String system) {
        String safe = system.replaceAll("[^A-Za-z0-9_.-]", "_");
        return ID_TIME.format(started) + "-" + kind + "-" + safe + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }

    /**
     * Records a run that starts now (result running).
     *
     * @throws StateStoreException when the state cannot be written
     */
    public void started(JobRun run) throws StateStoreException {
        store.write("cannot record job " + run.id(), c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO job_runs (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(q, run);
                q.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Records how a run ended (its row replaced by {@code run}, matched by id).
     *
     * @throws StateStoreException when the state cannot be written
     */
    public void finished(JobRun run) throws StateStoreException {
        store.write("cannot record the end of job " + run.id(), c -> {
            if (end(c, run) == 0) throw new StateStoreException(store.where() + ": job " + run.id() + " was never recorded");
            return null;
        });
    }

    /** Writes how {@code run} ended into its row; returns how many rows there were (0: never recorded). */
    private static int end(java.sql.Connection c, JobRun run) throws java.sql.SQLException {
            try (PreparedStatement q = c.prepareStatement("UPDATE job_runs SET finished = ?, result = ?, files = ?,"
                    + " bytes = ?, bytes_added = ?, snapshot = ?, message = ? WHERE id = ?")) {
                q.setString(1, time(run.finished()));
                q.setString(2, run.result());
                q.setLong(3, run.files());
                q.setLong(4, run.bytes());
                q.setLong(5, run.bytesAdded());
                q.setString(6, run.snapshot());
                q.setString(7, run.message());
                q.setString(8, run.id());
            return q.executeUpdate();
        }
    }

    /**
     * Records {@code run} whole, whether or not its start was recorded (its row replaced, or
     * made): for a run whose records could not be written while the state was down.
     *
     * @throws StateStoreException when the state cannot be written
     */
    public void record(JobRun run) throws StateStoreException {
        store.write("cannot record job " + run.id(), c -> {
            if (end(c, run) > 0) return null;
            try (PreparedStatement q = c.prepareStatement("INSERT INTO job_runs (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(q, run);
                q.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Marks the runs of {@code host} still recorded as running as cancelled: a service that
     * stopped without finishing them (a crash, kill -9) starts by saying so.
     *
     * @return how many were marked
     * @throws StateStoreException when the state cannot be written
     */
    public int abandon(String host, Instant now, String why) throws StateStoreException {
        return store.write("cannot close the job runs left running", c -> {
            try (PreparedStatement q = c.prepareStatement("UPDATE job_runs SET finished = ?, result = ?, message = ?"
                    + " WHERE host = ? AND result = ?")) {
                q.setString(1, time(now));
                q.setString(2, JobRun.CANCELLED);
                q.setString(3, why);
                q.setString(4, host);
                q.setString(5, JobRun.RUNNING);
                return q.executeUpdate();
            }
        });
    }

    /**
     * The run with this id.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public Optional<JobRun> get(String id) throws StateStoreException {
        List<JobRun> r = query("SELECT " + COLUMNS + " FROM job_runs WHERE id = ?", id);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.getFirst());
    }

    /**
     * The newest runs first, at most {@code limit}; only {@code system}'s and {@code kind}'s unless null.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<JobRun> recent(String system, String kind, int limit) throws StateStoreException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM job_runs WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (system != null) {
            sql.append(" AND system = ?");
            args.add(system);
        }
        if (kind != null) {
            sql.append(" AND kind = ?");
            args.add(kind);
        }
        sql.append(" ORDER BY started DESC, id DESC LIMIT ?");
        args.add(limit <= 0 ? Integer.MAX_VALUE : limit);
        return query(sql.toString(), args.toArray());
    }

    /**
     * The newest run of {@code kind} for {@code system} on {@code host} that ended well, if any.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public Optional<JobRun> lastSuccess(String host, String system, String kind) throws StateStoreException {
        List<JobRun> r = query("SELECT " + COLUMNS + " FROM job_runs WHERE host = ? AND system = ? AND kind = ?"
                + " AND result IN ('succeeded', 'partial') ORDER BY started DESC LIMIT 1", host, system, kind);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.getFirst());
    }

    /**
     * The newest run that ended of each (system, kind) on {@code host}, in one query: what the
     * service's look needs of the log, once a minute, however many systems there are.
     *
     * @param host the service's host; other hosts' runs (a shared state) are not counted
     * @param succeededOnly only runs that ended well (succeeded or partial)
     * @return the runs, one per (system, kind) at most, in no particular order
     * @throws StateStoreException when the state cannot be read
     */
    public List<JobRun> newestFinished(String host, boolean succeededOnly) throws StateStoreException {
        return query("SELECT " + COLUMNS + " FROM (SELECT " + COLUMNS + ", ROW_NUMBER() OVER (PARTITION BY system, kind"
                + " ORDER BY started DESC, id DESC) AS newest FROM job_runs WHERE host = ? AND finished IS NOT NULL"
                + (succeededOnly ? " AND result IN ('succeeded', 'partial')" : "") + ") runs WHERE newest = 1", host);
    }

    /**
     * Deletes the runs that ended before {@code before}: a service running for months keeps its
     * log bounded.
     *
     * @return how many were deleted
     * @throws StateStoreException when the state cannot be written
     */
    public int deleteBefore(Instant before) throws StateStoreException {
        return store.write("cannot trim the job log", c -> {
            try (PreparedStatement q = c.prepareStatement("DELETE FROM job_runs WHERE finished IS NOT NULL AND finished < ?")) {
                q.setString(1, time(before));
                return q.executeUpdate();
            }
        });
    }

    private List<JobRun> query(String sql, Object... args) throws StateStoreException {
        return store.read("cannot read the job log", c -> {
            try (PreparedStatement q = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) q.setObject(i + 1, args[i]);
                List<JobRun> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) out.add(row(rs));
                }
                return out;
            }
        });
    }

    private static void bind(PreparedStatement q, JobRun r) throws SQLException {
        q.setString(1, r.id());
        q.setString(2, r.host());
        q.setString(3, r.system());
        q.setString(4, r.kind());
        q.setString(5, r.trigger());
        q.setString(6, time(r.started()));
        q.setString(7, time(r.finished()));
        q.setString(8, r.result());
        q.setLong(9, r.files());
        q.setLong(10, r.bytes());
        q.setLong(11, r.bytesAdded());
        if (r.snapshot() == null) q.setNull(12, Types.VARCHAR);
        else q.setString(12, r.snapshot());
        if (r.message() == null) q.setNull(13, Types.VARCHAR);
        else q.setString(13, r.message());
    }

    private static JobRun row(ResultSet rs) throws SQLException {
        return new JobRun(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                instant(rs.getString(6)), instant(rs.getString(7)), rs.getString(8), rs.getLong(9), rs.getLong(10),
                rs.getLong(11), rs.getString(12), rs.getString(13));
    }

}
