package org.lifeboat.status;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lifeboat.drill.Forecast;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SnapshotLayout;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.TreeTotals;

/**
 * What a system's recovery would restore today, for forecasts ({@code lifeboat forecast}, the
 * service's status): the bytes its restore steps take from its latest snapshot.
 */
public final class RestoreEstimate {
    private RestoreEstimate() {}

    /**
     * Estimates already made, by snapshot id and restore steps: a snapshot never changes (its id
     * is the hash of its content), so the service's look, every minute, walks a snapshot's trees
     * once, not once a look.
     */
    private static final Map<String, long[]> KNOWN = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > 4096;
        }
    };

    /**
     * The forecast input of {@code s}: its RTO, drill interval and the bytes its restore steps
     * would restore from its latest snapshot (the whole snapshot's size when a step names what the
     * snapshot does not hold; 0 without backups; -1 when the snapshot cannot be read, said to
     * {@code warn}).
     */
    public static Forecast.ForecastInput input(Plan plan, SystemSpec s, Repositories repos, Consumer<String> warn) {
        long bytes = -1;
        boolean whole = false;
        try {
            Snapshot snap = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
            if (snap != null) {
                String key = snap.id() + " " + s.restore();
                long[] known;
                synchronized (KNOWN) {
                    known = KNOWN.get(key);
                }
                if (known != null) {
                    bytes = known[0];
                    whole = known[1] != 0;
                } else {
                    Repository repo = repos.get(s.backup().repository());
                    bytes = stepBytes(repo, snap, s.restore());
                    if (bytes < 0) {
                        // A step names what the snapshot does not hold: the drill would say why; here the whole snapshot stands in.
                        whole = true;
                        bytes = snap.summary() != null ? snap.summary().totalBytesProcessed() : TreeTotals.restoreSize(repo, snap);
                    }
                    synchronized (KNOWN) {
                        KNOWN.put(key, new long[] {bytes, whole ? 1 : 0});
                    }
                }
            } else if (s.backup() == null) {
                bytes = 0;
            }
        } catch (Exception e) {
            warn.accept(s.name() + ": cannot read its latest snapshot: " + e.getMessage());
        }
        return new Forecast.ForecastInput(s.name(), s.rto(), s.drillEvery(), bytes, whole);
    }

    /**
     * The bytes the restore steps would restore from {@code snap}: a path step its folder's files
     * (each tree summed once, hard links once; include/exclude not applied, so an upper bound), a
     * PostgreSQL step its dumps (the named databases, else all, plus globals.sql when it loads
     * them), a MySQL/MariaDB step its dump files, a command step nothing. -1 when a step names what
     * the snapshot does not hold (a missing folder, no dumps).
     *
     * @throws IOException when the repository cannot be read (a damaged tree on the way)
     */
    public static long stepBytes(Repository repo, Snapshot snap, List<Step> steps) throws IOException {
        Map<Id, TreeTotals.Totals> memo = new HashMap<>();
        long sum = 0;
        for (Step step : steps) {
            long b = switch (step) {
                case Step.PathStep p -> {
                    Id tree;
                    try {
                        tree = TreeWalker.subtree(repo, snap.tree(), p.from());
                    } catch (RepositoryException e) {
                        yield -1;
                    }
                    yield TreeTotals.totals(repo, tree, memo, null, (shown, id, problems) -> { }).restoreSize();
                }
                case Step.DatabaseStep d when d.engine().equals("postgres") ->
                        dumps(repo, snap, SnapshotLayout.ROOT + "/postgres", ".pgdump", d.databases(), d.globals());
                case Step.DatabaseStep d -> dumps(repo, snap, SnapshotLayout.ROOT + "/mysql", ".sql", List.of(), false);
                case Step.CommandStep c -> 0;
            };
            if (b < 0) return -1;
            sum = Math.addExact(sum, b);
        }
        return sum;
    }

    /** Sizes of the dump files under dir/SERVER/ (only the named databases unless none are named); -1 when there are none. */
    private static long dumps(Repository repo, Snapshot snap, String dir, String suffix, List<String> databases, boolean globals)
            throws IOException {
        Node top;
        try {
            top = TreeWalker.find(repo, snap.tree(), dir);
        } catch (RepositoryException e) {
            return -1;
        }
        if (top == null || top.type() != NodeType.DIR || top.subtree() == null) return -1;
        long sum = 0;
        boolean any = false;
        for (Node server : TreeWalker.load(repo, top.subtree())) {
            if (server.type() != NodeType.DIR || server.subtree() == null) continue;
            for (Node f : TreeWalker.load(repo, server.subtree())) {
                if (f.type() != NodeType.FILE) continue;
                boolean dump;
                if (f.name().equals("globals.sql") && suffix.equals(".pgdump")) dump = globals;
                else if (f.name().endsWith(suffix)) {
                    String db = SnapshotLayout.decodeName(f.name().substring(0, f.name().length() - suffix.length()));
                    dump = databases.isEmpty() || databases.contains(db);
                    any = true;
                } else dump = false;
                if (dump) sum = Math.addExact(sum, f.size());
            }
        }
        return any ? sum : -1;
    }
}
