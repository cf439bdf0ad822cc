package org.lifeboat.state;

import static org.lifeboat.state.StateStore.time;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.anomaly.Verdict;
import org.lifeboat.repository.Json;

/**
 * The anomaly scores of snapshots in Lifeboat's state (table {@code anomalies}): one row per
 * (system, snapshot), written when a plan backup scores its snapshot, or when
 * {@code lifeboat anomalies} scores one that never was. The baseline of a system is read from here.
 */
public final class AnomalyLog {
    private static final String COLUMNS = "system, snapshot, parent, snapshot_time, scored, host, score, threshold,"
            + " suspicious, late, signals_json, score_json";

    private final StateStore store;

    /** The anomaly scores of {@code store}. */
    public AnomalyLog(StateStore store) {
        this.store = store;
    }

    /**
     * Records {@code v} (replacing an earlier score of the same snapshot).
     *
     * @param host the host that scored it
     * @throws StateStoreException when the state cannot be written
     */
    public void record(String host, Verdict v) throws StateStoreException {
        store.write("cannot record the anomaly score of snapshot " + v.snapshot().substring(0, Math.min(8, v.snapshot().length())), c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO anomalies (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (system, snapshot) DO UPDATE SET parent = excluded.parent, snapshot_time = excluded.snapshot_time,"
                    + " scored = excluded.scored, host = excluded.host, score = excluded.score, threshold = excluded.threshold,"
                    + " suspicious = excluded.suspicious, late = excluded.late, signals_json = excluded.signals_json,"
                    + " score_json = excluded.score_json")) {
                q.setString(1, v.system());
                q.setString(2, v.snapshot());
                q.setString(3, v.parent());
                q.setString(4, time(v.time().toInstant()));
                q.setString(5, time(java.time.Instant.now()));
                q.setString(6, host);
                q.setInt(7, v.score().score());
                q.setInt(8, v.score().threshold());
                q.setInt(9, v.score().suspicious() ? 1 : 0);
                q.setInt(10, v.late() ? 1 : 0);
                q.setString(11, Verdict.signalsJson(v.signals()).toString());
                q.setString(12, Verdict.scoreJson(v.score()).toString());
                q.executeUpdate();
            }
            return null;
        });
    }

    /**
     * The scores of {@code system}'s snapshots, oldest first (by snapshot time), at most the newest
     * {@code limit} (0: all). A row whose JSON does not read is left out.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<Verdict> of(String system, int limit) throws StateStoreException {
        return store.read("cannot read the anomaly scores of system '" + system + "'", c -> {
            List<Verdict> out = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM anomalies WHERE system = ?"
                    + " ORDER BY snapshot_time DESC, snapshot DESC LIMIT ?")) {
                q.setString(1, system);
                q.setInt(2, limit <= 0 ? Integer.MAX_VALUE : limit);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        Verdict v = verdict(rs);
                        if (v != null) out.add(v);
                    }
                }
            }
            return out.reversed();
        });
    }

    private static Verdict verdict(ResultSet rs) throws java.sql.SQLException {
        try {
            JsonNode sig = Json.MAPPER.readTree(rs.getString("signals_json"));
            JsonNode sc = Json.MAPPER.readTree(rs.getString("score_json"));
            return new Verdict(rs.getString("system"), rs.getString("snapshot"), rs.getString("parent"),
                    OffsetDateTime.ofInstant(StateStore.instant(rs.getString("snapshot_time")), ZoneOffset.UTC),
                    Verdict.signalsFromJson(sig), Verdict.scoreFromJson(sc), rs.getInt("late") != 0);
        } catch (java.io.IOException | IllegalArgumentException | java.time.DateTimeException e) {
            return null; // a damaged row is not a score: the baseline and the listing skip it
        }
    }
}
