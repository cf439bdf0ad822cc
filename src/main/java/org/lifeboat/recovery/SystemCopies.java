package org.lifeboat.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * A system's copies (3-2-1: three copies, on two kinds of storage, one off-site; here also one
 * immutable): copying a new snapshot along the plan's {@code copy-to} after a backup, and where a
 * system's snapshots are and which of the rule's promises are missing.
 */
public final class SystemCopies {
    private SystemCopies() {}

    /** The copier {@code backup --system/--all} uses: the copy engine ({@code org.lifeboat.copy}). */
    public static final SnapshotCopier DEFAULT = EngineSnapshotCopier.INSTANCE;

    /**
     * One copy after a backup.
     *
     * @param from     the repository it was copied from
     * @param to       the repository it was copied to
     * @param snapshot the snapshot copied (its ID in {@code from})
     * @param copy     its ID in {@code to}; null when it failed
     * @param error    why it failed (one sentence); null when it worked
     */
    public record Copy(String from, String to, String snapshot, String copy, boolean alreadyThere, String error) {
        public boolean failed() {
            return error != null;
        }
    }

    /**
     * Copies a system's new snapshot {@code snap} (in the system's repository) to every repository
     * its {@code copy-to} reaches: breadth first, each from the repository that names it; with it,
     * every other snapshot of the system there that the target lacks (a copy that was interrupted or
     * failed earlier is caught up), oldest first. A failed
     * copy is reported and does not stop the others; the repositories reached only through it are
     * reported as not copied. Stops (throws) when {@code cancel} is cancelled.
     *
     * @return one entry per target, in order; empty when the repository copies nowhere
     * @throws Cancel.Cancelled when cancelled
     */
    public static List<Copy> afterBackup(Plan plan, SystemSpec sys, Repositories repos, Snapshot snap, SnapshotCopier copier,
                                         Cancel cancel) throws Cancel.Cancelled {
        String start = sys.backup().repository();
        Map<String, String> targets = plan.copyTargets(start);
        Map<String, String> idIn = new HashMap<>();
        idIn.put(start, snap.id().hex());
        List<Copy> out = new ArrayList<>();
        for (Map.Entry<String, String> t : targets.entrySet()) {
            cancel.check();
            String to = t.getKey(), from = t.getValue();
            String src = idIn.get(from);
            if (src == null) {
                // the snapshot ID is the system repository's: name that repository as its origin, the route in the error
                out.add(new Copy(start, to, snap.id().hex(), null, false, "not copied: it goes through '" + from
                        + "', and the copy to '" + from + "' failed"));
                continue;
            }
            try {
                Repository source = repos.get(from);
                Repository target = repos.get(to);
                // Catch up first: the system's older snapshots the target lacks (an interrupted or failed
                // earlier copy); those already there are skipped cheaply by the copy engine.
                org.lifeboat.repository.Id newId = org.lifeboat.repository.Id.parse(src);
                for (Snapshot older : SystemSnapshots.of(sys, repos.snapshots(from, w -> {}))) {
                    cancel.check();
                    if (!older.id().equals(newId)) copier.copy(source, target, older.id(), cancel);
                }
                SnapshotCopier.Copied c = copier.copy(source, target, newId, cancel);
                repos.invalidate(to);
                idIn.put(to, c.id().hex());
                out.add(new Copy(from, to, src, c.id().hex(), c.alreadyThere(), null));
            } catch (Cancel.Cancelled e) {
                throw e;
            } catch (Exception e) {
                repos.invalidate(to);
                out.add(new Copy(from, to, src, null, false, Recovery.message(e)));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------ the 3-2-1 report

    /**
     * One repository of a system's report.
     *
     * @param planned   the system's own repository or one its copy-to reaches
     * @param primary   the system's own repository (where its backups go)
     * @param newest    the system's newest snapshot there (the one rule, {@link SystemSnapshots}); null: none or not read
     * @param error     why the repository could not be read; null when it was (or was not opened)
     */
    public record Place(String repository, boolean planned, boolean primary, boolean offsite, Plan.Retention retention,
                        Snapshot newest, String error) {
        public Duration age(Instant now) {
            return newest == null ? null : Duration.between(newest.time().toInstant(), now);
        }
    }

    /**
     * A 3-2-1 gap: {@code code} for scripts (no_offsite, no_immutable, one_place, stale_copy: a planned copy
     * whose newest snapshot of the system is older than the newest in the system's own repository),
     * {@code message} for people.
     */
    public record Gap(String code, String message) {}

    /** Where a system's snapshots are, and what the 3-2-1 rule misses. */
    public record Report(String system, List<Place> places, List<Gap> gaps) {}

    /**
     * The report of one system. With {@code repos} null (offline), the places are the planned
     * ones and the gaps say what the plan promises; otherwise every repository of the plan is
     * read (once per run) and a place counts only when it holds a snapshot of the system.
     */
    public static Report report(Plan plan, SystemSpec sys, Repositories repos) {
        if (sys.backup() == null) return new Report(sys.name(), List.of(), List.of());
        String primary = sys.backup().repository();
        Set<String> planned = new java.util.LinkedHashSet<>();
        planned.add(primary);
        planned.addAll(plan.copyTargets(primary).keySet());
        Map<String, Place> places = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(planned);
        for (String r : plan.repositories().keySet()) if (!planned.contains(r)) order.add(r);
        for (String r : order) {
            Plan.RepositorySpec spec = plan.repositories().get(r);
            boolean isPlanned = planned.contains(r);
            Snapshot newest = null;
            String error = null;
            if (repos == null && !isPlanned) continue; // offline: what the plan promises
            if (repos != null) {
                try {
                    List<Snapshot> mine = SystemSnapshots.of(sys, repos.snapshots(r, w -> {}));
                    newest = mine.isEmpty() ? null : mine.getLast();
                } catch (Exception e) {
                    error = Recovery.message(e);
                }
                // Other repositories are listed only when they hold the system: copies made by hand count too.
                if (!isPlanned && newest == null) continue;
            }
            places.put(r, new Place(r, isPlanned, r.equals(primary), spec.offsite(), spec.retention(), newest, error));
        }
        List<Place> holding = places.values().stream().filter(p -> repos == null || p.newest() != null).toList();
        List<Gap> gaps = new ArrayList<>();
        String where = repos == null ? "the plan keeps it" : "its snapshots are";
        List<Place> unread = places.values().stream().filter(p -> p.error() != null).toList();
        // A repository that could not be read may hold a copy: the gap is then not proven, and says so.
        String unknown = unread.isEmpty() ? "" : " (" + names(unread) + (unread.size() == 1 ? " was" : " were") + " not readable)";
        if (holding.stream().noneMatch(Place::offsite)) {
            // A planned off-site repository that holds nothing of it: the copy is missing (interrupted, or the
            // target was unreachable), not the plan's promise; say what fills it.
            Place missing = repos == null ? null : places.values().stream()
                    .filter(p -> p.planned() && p.offsite() && !p.primary() && p.newest() == null && p.error() == null)
                    .findFirst().orElse(null);
            if (missing != null) {
                gaps.add(new Gap("no_offsite", "no off-site copy: '" + missing.repository() + "' holds no copy of the system's"
                        + " newest snapshot (" + where + " only in " + names(holding) + "); 'lifeboat backup --system "
                        + sys.name() + "' copies every missing one there, or 'lifeboat copy -r " + url(plan, missing.repository())
                        + " --from-repo " + url(plan, primary) + " --tag " + sys.tag() + "'" + unknown));
            } else {
                gaps.add(new Gap("no_offsite", "no off-site copy: " + where + " only on-site ("
                        + names(holding) + "); add an off-site repository to copy-to" + unknown));
            }
        }
        // A planned copy that lags (the copy of newer snapshots failed or never ran) is a gap too: Veeam and
        // kopia users expect a lagging copy job to be visible, and a recovery from it loses more than the RPO says.
        Place own = places.get(primary);
        Snapshot latest = own == null ? null : own.newest();
        if (repos != null && latest != null) {
            for (Place p : places.values()) {
                if (!p.planned() || p.primary() || p.newest() == null || !p.newest().time().isBefore(latest.time())) continue;
                Duration lag = Duration.between(p.newest().time().toInstant(), latest.time().toInstant());
                gaps.add(new Gap("stale_copy", "stale copy: the newest copy in '" + p.repository() + "'"
                        + (p.offsite() ? " (off-site)" : "") + " is snapshot " + p.newest().id().shortHex() + " of "
                        + stamp(p.newest()) + ", " + Durations.format(lag) + " older than the newest snapshot "
                        + latest.id().shortHex() + " of " + stamp(latest) + " in '" + primary + "'; 'lifeboat backup --system "
                        + sys.name() + "' copies every missing one there, or 'lifeboat copy -r " + url(plan, p.repository())
                        + " --from-repo " + url(plan, primary) + " --tag " + sys.tag() + "'"));
            }
        }
        if (holding.stream().noneMatch(p -> p.retention() != null)) {
            gaps.add(new Gap("no_immutable", "no immutable copy: no repository with a retention holds it ("
                    + names(holding) + "); copy it to an s3: repository with retention" + unknown));
        }
        if (holding.size() < 2) {
            gaps.add(new Gap("one_place", "fewer than 2 places: " + where + " in " + (holding.isEmpty() ? "no repository"
                    : "'" + holding.get(0).repository() + "' only") + "; name another repository in copy-to" + unknown));
        }
        return new Report(sys.name(), List.copyOf(places.values()), List.copyOf(gaps));
    }

    /** A repository's location for a command line; a remote one's password is not shown. */
    private static String url(Plan plan, String repository) {
        String u = plan.repositories().get(repository).url();
        return u == null ? repository : u.replaceAll("://([^/@:]+):[^/@]*@", "://$1:***@");
    }

    /** A snapshot's time to the second, with its offset, as the runbook shows times. */
    private static String stamp(Snapshot s) {
        return s.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static String names(List<Place> l) {
        return l.isEmpty() ? "none" : String.join(", ", l.stream().map(p -> "'" + p.repository() + "'").toList());
    }
}
