package org.lifeboat.state;

import static org.lifeboat.state.StateStore.instant;
import static org.lifeboat.state.StateStore.time;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The alert incidents in Lifeboat's state (table {@code alerts}). Raising and resolving are each
 * one transaction that looks for the open incident first, so a condition seen by every check
 * (and by a restarted service) is one incident: the caller alerts only when {@link #raise} says
 * the incident is new, and sends a recovery notice only when {@link #resolve} closed one.
 */
public final class Incidents {
    private static final String COLUMNS = "id, host, system, kind, since, message, details_json, resolved";

    private final StateStore store;

    /** The incidents of {@code store}. */
    public Incidents(StateStore store) {
        this.store = store;
    }

    /**
     * Opens an incident of {@code kind} for {@code system} on {@code host} unless one is open.
     *
     * @return the new incident, or empty when one was open already (nothing to send)
     * @throws StateStoreException when the state cannot be written
     */
    public Optional<Incident> raise(String host, String system, String kind, String message, String detailsJson,
                                    Instant now) throws StateStoreException {
        return store.write("cannot record an alert for " + system, c -> {
            if (!openRows(c, host, system, kind).isEmpty()) return Optional.empty();
            Incident i = new Incident(time(now).replaceAll("[^0-9]", "") + "-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), host, system, kind, now, message,
                    detailsJson, null);
            try (PreparedStatement q = c.prepareStatement("INSERT INTO alerts (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                q.setString(1, i.id());
                q.setString(2, host);
                q.setString(3, system);
                q.setString(4, kind);
                q.setString(5, time(now));
                q.setString(6, message);
                q.setString(7, detailsJson);
                q.setString(8, null);
                q.executeUpdate();
            }
            return Optional.of(i);
        });
    }

    /**
     * Closes the open incident of {@code kind} for {@code system} on {@code host}, if any.
     *
     * @return the incident as it was open (for the recovery notice), or empty when none was open
     * @throws StateStoreException when the state cannot be written
     */
    public Optional<Incident> resolve(String host, String system, String kind, Instant now) throws StateStoreException {
        return store.write("cannot record the end of an alert for " + system, c -> {
            List<Incident> open = openRows(c, host, system, kind);
            if (open.isEmpty()) return Optional.empty();
            try (PreparedStatement q = c.prepareStatement("UPDATE alerts SET resolved = ? WHERE host = ? AND system = ?"
                    + " AND kind = ? AND resolved IS NULL")) {
                q.setString(1, time(now));
                q.setString(2, host);
                q.setString(3, system);
                q.setString(4, kind);
                q.executeUpdate();
            }
            return Optional.of(open.getFirst());
        });
    }

    /**
     * The open incidents, oldest first: {@code host}'s only unless null.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<Incident> open(String host) throws StateStoreException {
        String sql = "SELECT " + COLUMNS + " FROM alerts WHERE resolved IS NULL";
        return host == null ? query(sql + " ORDER BY since, id") : query(sql + " AND host = ? ORDER BY since, id", host);
    }

    /**
     * The newest incidents first, open or resolved, at most {@code limit}.
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<Incident> recent(int limit) throws StateStoreException {
        return query("SELECT " + COLUMNS + " FROM alerts ORDER BY since DESC, id DESC LIMIT ?",
                limit <= 0 ? Integer.MAX_VALUE : limit);
    }

    private List<Incident> query(String sql, Object... args) throws StateStoreException {
        return store.read("cannot read the alerts", c -> {
            try (PreparedStatement q = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) q.setObject(i + 1, args[i]);
                return rows(q);
            }
        });
    }

    private static List<Incident> openRows(java.sql.Connection c, String host, String system, String kind) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM alerts WHERE host = ? AND system = ?"
                + " AND kind = ? AND resolved IS NULL ORDER BY since")) {
            q.setString(1, host);
            q.setString(2, system);
            q.setString(3, kind);
            return rows(q);
        }
    }

    private static List<Incident> rows(PreparedStatement q) throws SQLException {
        List<Incident> out = new ArrayList<>();
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                out.add(new Incident(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        instant(rs.getString(5)), rs.getString(6), rs.getString(7), instant(rs.getString(8))));
            }
        }
        return out;
    }
}
