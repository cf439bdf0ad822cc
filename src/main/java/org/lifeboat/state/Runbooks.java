package org.lifeboat.state;

import static org.lifeboat.state.StateStore.instant;
import static org.lifeboat.state.StateStore.time;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The runbooks generated from the plan (table {@code runbooks}): which version of the plan (its
 * hash) each was written from and when, so an assessment can tell whether the procedure people
 * hold matches the plan as it is now.
 */
public final class Runbooks {
    private static final String COLUMNS = "id, plan_hash, plan_file, site, format, output, host, generated";

    /**
     * One runbook generation.
     *
     * @param planHash  the plan file's hash ({@code Plan.hash()}) it was written from
     * @param planFile  the plan file, or null
     * @param site      the site it recovers into, or null for a plan without sites
     * @param format    md or html
     * @param output    the file it was written to, or null for standard output
     * @param host      the machine that generated it
     * @param generated when it was generated
     */
    public record Generated(String id, String planHash, String planFile, String site, String format, String output,
                            String host, Instant generated) {}

    private final StateStore store;

    /** The runbook records of {@code store}. */
    public Runbooks(StateStore store) {
        this.store = store;
    }

    /**
     * Records a runbook generated now; its id is made here.
     *
     * @return the record as written
     * @throws StateStoreException when the state cannot be written
     */
    public Generated record(String planHash, String planFile, String site, String format, String output, String host,
                            Instant generated) throws StateStoreException {
        Generated g = new Generated(time(generated).replaceAll("[^0-9]", "") + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt()), planHash, planFile, site, format,
                output, host, generated);
        store.write("cannot record the runbook", c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO runbooks (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                q.setString(1, g.id());
                q.setString(2, g.planHash());
                q.setString(3, g.planFile());
                q.setString(4, g.site());
                q.setString(5, g.format());
                q.setString(6, g.output());
                q.setString(7, g.host());
                q.setString(8, time(g.generated()));
                q.executeUpdate();
            }
            return null;
        });
        return g;
    }

    /**
     * The newest generations first, at most {@code limit} (all when 0 or less).
     *
     * @throws StateStoreException when the state cannot be read
     */
    public List<Generated> recent(int limit) throws StateStoreException {
        return store.read("cannot read the runbook records", c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM runbooks ORDER BY generated DESC, id DESC LIMIT ?")) {
                q.setInt(1, limit <= 0 ? Integer.MAX_VALUE : limit);
                List<Generated> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Generated(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getString(7), instant(rs.getString(8))));
                    }
                }
                return out;
            }
        });
    }
}
