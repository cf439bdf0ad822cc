package org.lifeboat.recovery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lifeboat.anomaly.Scorer;
import org.lifeboat.anomaly.SignalReader;
import org.lifeboat.anomaly.Signals;
import org.lifeboat.anomaly.Verdict;
import org.lifeboat.backup.SnapshotReview;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.state.AnomalyLog;
import org.lifeboat.state.StateStoreException;

/**
 * Ransomware-like change in a system's backups: each plan backup is scored against the system's
 * baseline before its snapshot is written ({@link #review}) and tagged {@link #TAG} when the score
 * reaches the system's {@code anomaly-threshold}; scores and signals go to the state
 * ({@link AnomalyLog}); {@link #cleanPoint} finds the snapshot from before an attack.
 */
public final class Anomalies {
    /** The tag of a snapshot whose backup scored at or above its system's threshold. */
    public static final String TAG = "suspicious";
    /**
     * At most this many earlier snapshots are scored late (from the repository) when the state has
     * fewer than {@link Scorer#MIN_HISTORY} scores of a system: a first scored backup learns from
     * the history restic or an older Lifeboat left, at a bounded cost.
     */
    static final int LATE_PAIRS = 10;
    /**
     * Scores read from the state for a backup's baseline: the newest, four times the history a
     * baseline uses (scores of snapshots the retention has forgotten stay in the state).
     */
    static final int BASELINE_ROWS = 4 * Scorer.HISTORY;

    private Anomalies() {}

    /** A snapshot with its score (null when it could not be scored) and whether it carries {@link #TAG}. */
    public record Row(Snapshot snapshot, Verdict verdict, boolean tagged) {}

    /**
     * The review a backup of {@code sys} runs before its snapshot is written; its verdict, once the
     * snapshot is saved, comes from {@link Review#verdict}.
     *
     * @param prior the system's snapshots before this backup, oldest first (for the baseline)
     * @param log where scores are kept and the baseline is read; null: no state (the floors are the baseline)
     * @param warn told, in one sentence, when the check cannot run (the backup goes on untagged)
     */
    public static Review review(SystemSpec sys, Repository repo, List<Snapshot> prior, AnomalyLog log, Consumer<String> warn) {
        return new Review(sys, repo, prior, log, warn);
    }

    /** See {@link #review}. */
    public static final class Review implements SnapshotReview {
        private final SystemSpec sys;
        private final Repository repo;
        private final List<Snapshot> prior;
        private final AnomalyLog log;
        private final Consumer<String> warn;
        private Snapshot parent;
        private Signals signals;
        private Scorer.Score score;
        private long nanos;

        private Review(SystemSpec sys, Repository repo, List<Snapshot> prior, AnomalyLog log, Consumer<String> warn) {
            this.sys = sys;
            this.repo = repo;
            this.prior = prior;
            this.log = log;
            this.warn = warn;
        }

        @Override
        public List<String> tags(Snapshot parent, Id tree, Snapshot.Summary summary) throws IOException {
            long t0 = System.nanoTime();
            try {
                Signals s = SignalReader.read(repo, parent == null ? null : parent.tree(), tree,
                        summary == null ? -1 : summary.totalFilesProcessed(), summary == null ? -1 : summary.totalBytesProcessed());
                List<Signals> history = baseline(sys, repo, prior, log, warn);
                this.parent = parent;
                this.signals = s;
                this.score = Scorer.score(s, history, sys.anomalyThreshold());
                return score.suspicious() ? List.of(TAG) : List.of();
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                warn.accept("the ransomware check of system '" + sys.name() + "' could not run, so the snapshot is not scored: "
                        + e.getMessage());
                return List.of();
            } finally {
                nanos = System.nanoTime() - t0;
            }
        }

        /** How long the scoring took, in seconds (0 before it ran). */
        public double seconds() {
            return nanos / 1e9;
        }

        /**
         * The verdict on {@code saved} (the snapshot the backup wrote), recorded in the state when
         * there is one; null when the review did not run or failed.
         */
        public Verdict verdict(Snapshot saved) {
            if (score == null || saved == null) return null;
            Verdict v = new Verdict(sys.name(), saved.id().toString(), parent == null ? null : parent.id().toString(),
                    saved.time(), signals, score, false);
            record(log, v, warn);
            return v;
        }
    }

    private static void record(AnomalyLog log, Verdict v, Consumer<String> warn) {
        if (log == null) return;
        try {
            log.record(Repository.hostname(), v);
        } catch (StateStoreException e) {
            warn.accept("the anomaly score of snapshot " + v.snapshot().substring(0, 8) + " was not recorded: " + e.getMessage());
        }
    }

    /**
     * The signals a new backup of {@code sys} is compared with: the state's scores of its snapshots
     * still in the repository and not tagged {@link #TAG} (a tag a person removed counts again).
     * With fewer than {@link Scorer#MIN_HISTORY} of those, up to {@link #LATE_PAIRS} unscored earlier
     * snapshots are scored now from the repository (and recorded) first.
     */
    static List<Signals> baseline(SystemSpec sys, Repository repo, List<Snapshot> prior, AnomalyLog log, Consumer<String> warn)
            throws IOException {
        // Only the newest snapshots make a baseline; older unscored ones are never scored here (a
        // history of thousands restic wrote must not cost every backup ten more comparisons).
        List<Row> rows = rows(sys, repo, prior, log, 0, BASELINE_ROWS, warn);
        List<Row> recent = rows.subList(Math.max(0, rows.size() - Scorer.HISTORY), rows.size());
        if (usable(recent) < Scorer.MIN_HISTORY && recent.stream().anyMatch(r -> r.verdict() == null)) {
            // the newest unscored ones, each against its real predecessor
            rows = rows(sys, repo, prior, log, LATE_PAIRS, BASELINE_ROWS, warn);
        }
        List<Signals> out = new ArrayList<>();
        for (Row r : rows) if (usable(r)) out.add(r.verdict().signals());
        return out;
    }

    /**
     * Whether a row may be part of a baseline: scored, not tagged, and not scored late over its
     * threshold (a snapshot restic wrote of an attacked tree was never tagged, but must not teach
     * the baseline that an attack is usual).
     */
    private static boolean usable(Row r) {
        return r.verdict() != null && !r.tagged() && !(r.verdict().late() && r.verdict().score().suspicious());
    }

    private static long usable(List<Row> rows) {
        return rows.stream().filter(Anomalies::usable).count();
    }

    /**
     * The system's snapshots (oldest first), each with its score: from the state, else scored now
     * against its predecessor (at most {@code lateLimit} of them, the newest; the others have none)
     * and recorded as late. A snapshot is matched to its score by ID or by {@code original} (a
     * snapshot whose tags changed is a new file).
     *
     * @param mine the system's snapshots, any order
     * @param log the state's scores; null: none (every score is computed)
     * @throws IOException when a late score's trees cannot be read
     */
    public static List<Row> rows(SystemSpec sys, Repository repo, List<Snapshot> mine, AnomalyLog log, int lateLimit,
                                 Consumer<String> warn) throws IOException {
        return rows(sys, repo, mine, log, lateLimit, 0, warn);
    }

    /**
     * {@link #rows(SystemSpec, Repository, List, AnomalyLog, int, Consumer)} reading at most the
     * newest {@code stateLimit} scores from the state (0: all): a backup needs only its baseline's,
     * not the years of scores a system gathers.
     */
    static List<Row> rows(SystemSpec sys, Repository repo, List<Snapshot> mine, AnomalyLog log, int lateLimit, int stateLimit,
                          Consumer<String> warn) throws IOException {
        List<Snapshot> sorted = new ArrayList<>(mine);
        sorted.sort(Comparator.comparing(Snapshot::time));
        Map<String, Verdict> stored = new HashMap<>();
        if (log != null) {
            try {
                for (Verdict v : log.of(sys.name(), stateLimit)) stored.put(v.snapshot(), v);
            } catch (StateStoreException e) {
                warn.accept("the anomaly scores of system '" + sys.name() + "' could not be read, so its baseline is"
                        + " relearnt from the repository: " + e.getMessage());
            }
        }
        Verdict[] found = new Verdict[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            Snapshot s = sorted.get(i);
            Verdict v = stored.get(s.id().toString());
            if (v == null && s.original() != null) v = stored.get(s.original().toString());
            found[i] = v;
        }
        // Late scores, oldest first among the newest unscored, each against what came before it.
        List<Integer> todo = new ArrayList<>();
        for (int i = sorted.size() - 1; i >= 0 && todo.size() < lateLimit; i--) if (found[i] == null) todo.add(i);
        todo.sort(null);
        for (int i : todo) {
            Snapshot s = sorted.get(i);
            Snapshot before = i == 0 ? null : sorted.get(i - 1);
            Signals sig = SignalReader.read(repo, before == null ? null : before.tree(), s.tree(), -1, -1);
            List<Signals> history = new ArrayList<>();
            for (int j = 0; j < i; j++) if (found[j] != null && !sorted.get(j).hasTag(TAG)) history.add(found[j].signals());
            Verdict v = new Verdict(sys.name(), s.id().toString(), before == null ? null : before.id().toString(), s.time(), sig,
                    Scorer.score(sig, history, sys.anomalyThreshold()), true);
            found[i] = v;
            record(log, v, warn);
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) out.add(new Row(sorted.get(i), found[i], sorted.get(i).hasTag(TAG)));
        return out;
    }

    /**
     * The clean point of a system (issue 14's rule): the newest snapshot older than the first
     * snapshot of the latest run of snapshots tagged {@link #TAG} (the run that holds the newest
     * tagged one). Untagged snapshots after it are not clean either: files an attack encrypted stay
     * encrypted, unchanged, in every later backup until they are restored. An earlier run is named
     * ({@code earlier}): the clean point is after it, clean only if that attack was cleaned up.
     *
     * @param mine the system's snapshots, any order
     * @return the choice; {@code snapshot} null when the oldest snapshot is already in the run (no clean point)
     */
    public static Clean cleanPoint(List<Snapshot> mine) {
        List<Snapshot> sorted = new ArrayList<>(mine);
        sorted.sort(Comparator.comparing(Snapshot::time));
        int last = -1;
        for (int i = sorted.size() - 1; i >= 0; i--) {
            if (sorted.get(i).hasTag(TAG)) {
                last = i;
                break;
            }
        }
        if (last < 0) return new Clean(sorted.isEmpty() ? null : sorted.getLast(), null, 0, null);
        int first = last;
        while (first > 0 && sorted.get(first - 1).hasTag(TAG)) first--;
        Snapshot earlier = null;
        for (int i = first - 1; i >= 0; i--) {
            if (sorted.get(i).hasTag(TAG)) {
                earlier = sorted.get(i);
                break;
            }
        }
        return new Clean(first == 0 ? null : sorted.get(first - 1), sorted.get(first), last - first + 1, earlier);
    }

    /**
     * The snapshots a keep policy must not remove while tags say there was an attack: for every run
     * of snapshots tagged {@link #TAG}, its first one (the evidence, which keeps what came before
     * it a clean point) and the snapshot just before it (that clean point). A second wave must not
     * push the first wave's clean point out: whether the first was ever cleaned up, only people know.
     *
     * @param mine the system's snapshots, any order
     */
    public static List<Snapshot> kept(List<Snapshot> mine) {
        List<Snapshot> sorted = new ArrayList<>(mine);
        sorted.sort(Comparator.comparing(Snapshot::time));
        List<Snapshot> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            if (!sorted.get(i).hasTag(TAG) || i > 0 && sorted.get(i - 1).hasTag(TAG)) continue;
            if (i > 0) out.add(sorted.get(i - 1));
            out.add(sorted.get(i));
        }
        return out;
    }

    /**
     * A clean point.
     *
     * @param snapshot the newest snapshot before the attack (null: none); the newest of all when
     *     {@code firstSuspicious} is null
     * @param firstSuspicious the first snapshot of the latest run of suspicious ones; null when no
     *     snapshot is suspicious
     * @param run how many snapshots that run has
     * @param earlier the newest suspicious snapshot of an earlier run, or null: the clean point
     *     comes after it, and is clean only if that attack was cleaned up (people must say)
     */
    public record Clean(Snapshot snapshot, Snapshot firstSuspicious, int run, Snapshot earlier) {}
}
