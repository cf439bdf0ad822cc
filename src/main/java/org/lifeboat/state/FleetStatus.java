package org.lifeboat.state;

import static org.lifeboat.state.StateStore.instant;
import static org.lifeboat.state.StateStore.time;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What each host's service last saw of its systems (table {@code system_status}): every service
 * publishes its own rows after each look, and a dashboard on a shared (PostgreSQL) state shows the
 * rows of every host: the whole fleet on one page.
 */
public final class FleetStatus {
    /**
     * One published row.
     *
     * @param statusJson the system's status as the API's {@code /api/systems} gives it (a JSON object)
     */
    public record Row(String host, String system, Instant updated, String statusJson) {}

    private final StateStore store;

    /** The published rows of {@code store}. */
    public FleetStatus(StateStore store) {
        this.store = store;
    }

    /**
     * Replaces {@code host}'s rows by {@code rows} in one transaction (systems gone from its plan
     * disappear with the next publication).
     *
     * @throws StateStoreException when the state cannot be written
     */
    public void publish(String host, List<Row> rows) throws StateStoreException {
        store.write("cannot publish the status of " + host, c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM system_status WHERE host = ?")) {
                d.setString(1, host);
                d.executeUpdate();
            }
            try (PreparedStatement q = c.prepareStatement(
                    "INSERT INTO system_status (host, system, updated, status_json) VALUES (?, ?, ?, ?)")) {
                for (Row r : rows) {
                    q.setString(1, host);
                    q.setString(2, r.system());
                    q.setString(3, time(r.updated()));
                    q.setString(4, r.statusJson());
                    q.executeUpdate();
                }
            }
            return null;
        });
    }

    /**
     * Every host's rows, by host and system.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<Row> all() throws StateStoreException {
        return store.read("cannot read the fleet's status", c -> {
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT host, system, updated, status_json FROM system_status ORDER BY host, system");
                 ResultSet rs = q.executeQuery()) {
                List<Row> out = new ArrayList<>();
                while (rs.next()) out.add(new Row(rs.getString(1), rs.getString(2), instant(rs.getString(3)), rs.getString(4)));
                return out;
            }
        });
    }
}
