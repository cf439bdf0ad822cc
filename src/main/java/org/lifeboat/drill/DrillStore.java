package org.lifeboat.drill;

import static org.lifeboat.state.StateStore.duration;
import static org.lifeboat.state.StateStore.instant;
import static org.lifeboat.state.StateStore.seconds;
import static org.lifeboat.state.StateStore.time;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.lifeboat.repository.Json;
import org.lifeboat.state.StateStore;
import org.lifeboat.state.StateStoreException;

/**
 * The drill records in Lifeboat's state ({@link StateStore}): every drill's full report as JSON,
 * plus one row per system for history and forecasts.
 */
public final class DrillStore implements AutoCloseable {
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final StateStore store;
    private final boolean owned;

    /** The drill records of an open state; closing this leaves {@code store} open. */
    public DrillStore(StateStore store) {
        this(store, false);
    }

    private DrillStore(StateStore store, boolean owned) {
        this.store = store;
        this.owned = owned;
    }

    /**
     * Opens (creating when missing) the SQLite state in {@code stateDir}; closing the DrillStore closes it.
     *
     * @throws StateStoreException as {@link StateStore#open(Path)}
     */
    public static DrillStore open(Path stateDir) throws StateStoreException {
        return new DrillStore(StateStore.open(stateDir), true);
    }

    /**
     * Opens the state at {@code location} (a postgresql:// URL, or null for the SQLite state in
     * {@code stateDir}); closing the DrillStore closes it.
     *
     * @throws StateStoreException as {@link StateStore#open(String, Path)}
     */
    public static DrillStore open(String location, Path stateDir) throws StateStoreException {
        return new DrillStore(StateStore.open(location, stateDir), true);
    }

    /** A drill id: UTC start time (sorts by time, readable) and 4 random hex digits, e.g. 20261122-054907-3fa2. */
    public static String newId(Instant started) {
        return ID_TIME.format(started) + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }

    /** The SQLite file, or null for a PostgreSQL state. */
    public Path file() {
        return store.file();
    }

    /** The state database as messages name it. */
    public String where() {
        return store.where();
    }

    /** Records a drill and its systems in one transaction; an id already recorded is refused. */
    public void save(DrillReport r) throws StateStoreException {
        if (r.id() == null || r.id().isBlank()) throw new IllegalArgumentException("a drill report needs an id");
        if (r.started() == null) throw new IllegalArgumentException("a drill report needs a start time");
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(DrillJson.toJson(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("drill report " + r.id() + " cannot be written as JSON", e);
        }
        store.write("cannot record drill " + r.id(), db -> insert(db, r, json));
    }

    private Void insert(Connection db, DrillReport r, String json) throws SQLException, StateStoreException {
        try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM drills WHERE id = ?")) {
            q.setString(1, r.id());
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) throw new StateStoreException(store.where() + ": drill " + r.id() + " is already recorded");
            }
        }
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO drills (id, plan_hash, plan_file, site, started, finished, result, report_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ins.setString(1, r.id());
            ins.setString(2, r.planHash());
            ins.setString(3, r.planFile());
            ins.setString(4, r.site());
            ins.setString(5, StateStore.time(r.started()));
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
    public DrillReport load(String idOrPrefix) throws StateStoreException {
        String key = idOrPrefix == null ? "" : idOrPrefix.strip();
        if (key.isEmpty()) throw new StateStoreException("name a drill: its id, a unique start of it, or 'latest'");
        return store.read("cannot read drill '" + key + "'", db -> find(db, key));
    }

    /** The newest drills first, at most {@code limit} of them (all when {@code limit <= 0}). */
    public List<DrillSummary> list(int limit) throws StateStoreException {
        return store.read("cannot list drills", db -> summaries(db, limit));
    }

    /**
     * Each system in each drill, oldest drill first: only {@code system} unless null, only drills
     * started at or after {@code since} unless null.
     */
    public List<SystemRun> history(String system, Instant since) throws StateStoreException {
        return store.read("cannot read drill history", db -> runs(db, system, since));
    }

    private DrillReport find(Connection db, String key) throws SQLException, StateStoreException {
        String id;
        if (key.equals("latest")) {
            List<String> newest = strings(db, "SELECT id FROM drills ORDER BY started DESC, id DESC LIMIT 1");
            if (newest.isEmpty()) throw new StateStoreException("no drills are recorded in " + store.where() + " yet");
            id = newest.getFirst();
        } else if (!strings(db, "SELECT id FROM drills WHERE id = ?", key).isEmpty()) {
            id = key;
        } else {
            // substr, not LIKE: % and _ in what the user typed are no wildcards
            List<String> found = strings(db, "SELECT id FROM drills WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 6",
                    key.length(), key);
            if (found.isEmpty()) throw new StateStoreException("no drill '" + key + "' is recorded in " + store.where());
            if (found.size() > 1) {
                String some = String.join(", ", found.subList(0, Math.min(5, found.size())));
                throw new StateStoreException("'" + key + "' matches several drills in " + store.where() + " (" + some
                        + (found.size() > 5 ? ", …" : "") + "); give more of the id");
            }
            id = found.getFirst();
        }
        String json = strings(db, "SELECT report_json FROM drills WHERE id = ?", id).getFirst();
        try {
            return DrillJson.fromJson(json);
        } catch (IOException | RuntimeException e) {
            throw new StateStoreException(store.where() + ": drill " + id + " is recorded but its report cannot be read ("
                    + e.getMessage() + ")", e);
        }
    }

    private List<DrillSummary> summaries(Connection db, int limit) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("""
                SELECT d.id, d.started, d.finished, d.site, d.result,
                    (SELECT count(*) FROM drill_systems s WHERE s.drill_id = d.id),
                    (SELECT count(*) FROM drill_systems s WHERE s.drill_id = d.id AND s.result <> 'passed')
                FROM drills d ORDER BY d.started DESC, d.id DESC LIMIT ?""")) {
            q.setInt(1, limit <= 0 ? Integer.MAX_VALUE : limit);
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

    private List<SystemRun> runs(Connection db, String system, Instant since) throws SQLException {
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
    public void close() {
        if (owned) store.close();
    }

    private static List<String> strings(Connection db, String sql, Object... args) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) q.setObject(i + 1, args[i]);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static String reasons(List<String> reasons) {
        try {
            return Json.MAPPER.writeValueAsString(reasons);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
