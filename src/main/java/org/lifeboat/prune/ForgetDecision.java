package org.lifeboat.prune;

import java.util.List;
import org.lifeboat.repository.Snapshot;

/**
 * What {@link Forget#apply} decided for one group of snapshots: which to keep and why, which to
 * remove. Both lists are newest first (ties by ID).
 *
 * @param keep    the snapshots kept
 * @param remove  the snapshots to remove
 * @param reasons one per kept snapshot, in the order of {@code keep}
 */
public record ForgetDecision(List<Snapshot> keep, List<Snapshot> remove, List<Reason> reasons) {
    public ForgetDecision {
        keep = List.copyOf(keep);
        remove = List.copyOf(remove);
        reasons = List.copyOf(reasons);
    }

    /**
     * Why a snapshot is kept (restic's {@code KeepReason}).
     *
     * @param snapshot the snapshot
     * @param matches  restic's texts of the rules that keep it, in restic's order: "has tags [a]",
     *                 "within 1y", "last snapshot", "hourly snapshot" … "yearly snapshot",
     *                 "hourly within 2d" … "yearly within 5y"; "oldest " in front when only the
     *                 group running out of snapshots kept it (see {@link Forget#apply})
     * @param counters what is left of each count after this snapshot (-1 unlimited)
     */
    public record Reason(Snapshot snapshot, List<String> matches, Counters counters) {
        public Reason {
            matches = List.copyOf(matches);
        }
    }

    /** The counts left: last, hourly, daily, weekly, monthly, yearly (restic's counters; -1 unlimited). */
    public record Counters(int last, int hourly, int daily, int weekly, int monthly, int yearly) {}
}
