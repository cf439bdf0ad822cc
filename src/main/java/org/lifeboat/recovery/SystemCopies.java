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
     * @param catchUp  true for an older snapshot the target lacked (an earlier copy failed or was
     *                 interrupted), copied along with the new one
     */
    public record Copy(String from, String to, String snapshot, String copy, boolean alreadyThere, String error, boolean catchUp) {
        /** A copy of the new snapshot (not a catch-up). */
        public Copy(String from, String to, String snapshot, String copy, boolean alreadyThere, String error) {
            this(from, to, snapshot, copy, alreadyThere, error, false);
        }

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
     * @return per target, in order: first one entry per older snapshot caught up (only those actually
     *     written, {@link Copy#catchUp()} true), then the entry of the new snapshot; empty when the
     *     repository copies nowhere
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
            // Every snapshot written is reported (a catch-up too: it tells a monitor that an earlier failed copy
            // is repaired); those the engine found already there are not news.
            List<Copy> caughtUp = new ArrayList<>();
            try {
                Repository source = repos.get(from);
                Repository target = repos.get(to);
                // Catch up first: the system's older snapshots the target lacks (an interrupted or failed
                // earlier copy); those already there are skipped cheaply by the copy engine.
                org.lifeboat.repository.Id newId = org.lifeboat.repository.Id.parse(src);
                for (Snapshot older : SystemSnapshots.of(sys, repos.snapshots(from, w -> {}))) {
                    cancel.check();
                    if (older.id().equals(newId)) continue;
                    SnapshotCopier.Copied c = copier.copy(source, target, older.id(), cancel);
                    if (!c.alreadyThere()) caughtUp.add(new Copy(from, to, older.id().hex(), c.id().hex(), false, null, true));
                }
                SnapshotCopier.Copied c = copier.copy(source, target, newId, cancel);
                repos.invalidate(to);
                idIn.put(to, c.id().hex());
                out.addAll(caughtUp);
                out.add(new Copy(from, to, src, c.id().hex(), c.alreadyThere(), null));
            } catch (Cancel.Cancelled e) {
                throw e;
            } catch (Exception e) {
                repos.invalidate(to);
                out.addAll(caughtUp);
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
        /**
         * The newest snapshot's age at {@code now}; never negative: a snapshot dated after {@code now}
         * (clock skew, {@code restic backup --time}) is 0 old, see {@link #inFuture}.
         */
        public Duration age(Instant now) {
            if (newest == null) return null;
            Duration d = Duration.between(newest.time().toInstant(), now);
            return d.isNegative() ? Duration.ZERO : d;
        }

        /** True when the newest snapshot is dated after {@code now}. */
        public boolean inFuture(Instant now) {
            return newest != null && newest.time().toInstant().isAfter(now);
        }
    }

    /**
     * A 3-2-1 gap: {@code code} for scripts (no_offsite, no_immutable, one_place, stale_copy: a planned copy
     * lacks a snapshot of the system's own repository that is newer than its newest snapshot dated no
     * later than now; future_snapshot: a repository holds a snapshot of the system dated in the future),
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
        return report(plan, sys, repos, Instant.now());
    }

    /**
     * {@link #report(Plan, SystemSpec, Repositories)} judged at {@code now}: a snapshot dated after it
     * is in the future (a gap), and does not count as the newest copy when a copy's lag is judged.
     */
    public static Report report(Plan plan, SystemSpec sys, Repositories repos, Instant now) {
        if (sys.backup() == null) return new Report(sys.name(), List.of(), List.of());
        String primary = sys.backup().repository();
        Set<String> planned = new java.util.LinkedHashSet<>();
        planned.add(primary);
        planned.addAll(plan.copyTargets(primary).keySet());
        Map<String, Place> places = new LinkedHashMap<>();
        Map<String, List<Snapshot>> held = new HashMap<>();
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
                    held.put(r, mine);
                } catch (Exception e) {
                    error = redact(Recovery.message(e));
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
        // A planned copy that could not be read is not a missing promise: the plan names it, so the gap says
        // which one could not be read and why, never advice to add what copy-to already has.
        List<Place> unreadPlanned = unread.stream().filter(p -> p.planned() && !p.primary()).toList();
        if (holding.stream().noneMatch(Place::offsite)) {
            // A planned off-site repository that holds nothing of it: the copy is missing (interrupted, or the
            // target was unreachable), not the plan's promise; say what fills it.
            Place missing = repos == null ? null : places.values().stream()
                    .filter(p -> p.planned() && p.offsite() && !p.primary() && p.newest() == null && p.error() == null)
                    .findFirst().orElse(null);
            Place unreadOffsite = unreadPlanned.stream().filter(Place::offsite).findFirst().orElse(null);
            if (unreadOffsite != null) {
                gaps.add(new Gap("no_offsite", "no off-site copy confirmed: " + where + " only on-site (" + names(holding)
                        + "); the planned off-site repository " + unreadable(plan, unreadOffsite)));
            } else if (missing != null) {
                gaps.add(new Gap("no_offsite", "no off-site copy: '" + missing.repository() + "' holds no copy of the system's"
                        + " newest snapshot (" + where + " only in " + names(holding) + "); 'lifeboat backup --system "
                        + sys.name() + "' copies every missing one there, or " + copyCommand(plan, missing.repository(), primary, sys.tag()) + unknown));
            } else {
                gaps.add(new Gap("no_offsite", "no off-site copy: " + where + " only on-site ("
                        + names(holding) + "); add an off-site repository to copy-to" + unknown));
            }
        }
        // A planned copy that lags (the copy of newer snapshots failed or never ran) is a gap too: Veeam and
        // kopia users expect a lagging copy job to be visible, and a recovery from it loses more than the RPO says.
        //
        // The rule: a copy is stale when the system's own repository holds a snapshot the copy lacks (matched as
        // copy matches them: by original ID) that is newer than the copy's newest snapshot dated no later than
        // now. A snapshot dated in the future says nothing about how fresh a copy is (a wrong clock, or
        // restic backup --time), so it never hides a later real backup whose copy failed.
        List<Snapshot> own = held.get(primary);
        Snapshot latest = own == null || own.isEmpty() ? null : own.getLast();
        if (repos != null && latest != null) {
            for (Place p : places.values()) {
                List<Snapshot> there = held.get(p.repository());
                if (!p.planned() || p.primary() || there == null || there.isEmpty()) continue;
                Set<org.lifeboat.repository.Id> copied = new java.util.HashSet<>();
                for (Snapshot c : there) copied.add(origin(c));
                Snapshot ref = null, future = null;
                for (Snapshot c : there) {
                    if (c.time().toInstant().isAfter(now)) future = c;
                    else ref = c; // oldest first: the last one dated no later than now
                }
                Snapshot lacking = null;
                for (Snapshot o : own) {
                    if (!copied.contains(origin(o)) && (ref == null || o.time().isAfter(ref.time()))) lacking = o;
                }
                if (lacking == null) continue;
                String which = (lacking == latest ? "the newest snapshot " : "snapshot ") + lacking.id().shortHex() + " of "
                        + stamp(lacking) + " in '" + primary + "'" + (lacking == latest ? "" : ", which it lacks");
                String head;
                if (ref == null) {
                    head = "'" + p.repository() + "'" + (p.offsite() ? " (off-site)" : "") + " holds only snapshots dated in the future ("
                            + future.id().shortHex() + " of " + stamp(future) + ") and lacks " + which;
                } else {
                    Duration lag = Duration.between(ref.time().toInstant(), lacking.time().toInstant());
                    head = "the newest copy in '" + p.repository() + "'" + (p.offsite() ? " (off-site)" : "") + " is snapshot "
                            + ref.id().shortHex() + " of " + stamp(ref) + ", " + Durations.format(lag) + " older than " + which
                            + (future == null ? "" : " (snapshot " + future.id().shortHex() + " there is dated in the future, "
                            + stamp(future) + ", and does not count)");
                }
                gaps.add(new Gap("stale_copy", "stale copy: " + head + "; 'lifeboat backup --system "
                        + sys.name() + "' copies every missing one there, or " + copyCommand(plan, p.repository(), primary, sys.tag())));
            }
        }
        // A snapshot dated in the future: its age is not real; recover and drill pass it over while a
        // snapshot dated no later than now exists (SystemSnapshots), so it is named here.
        for (Map.Entry<String, List<Snapshot>> e : held.entrySet()) {
            List<Snapshot> fut = e.getValue().stream().filter(x -> x.time().toInstant().isAfter(now)).toList();
            if (fut.isEmpty()) continue;
            Snapshot f = fut.getLast();
            gaps.add(new Gap("future_snapshot", "snapshot " + f.id().shortHex() + " in '" + e.getKey() + "' is dated " + stamp(f)
                    + ", " + Durations.format(Duration.between(now, f.time().toInstant())) + " in the future (clock skew?)"
                    + (fut.size() == 1 ? "" : ", and " + (fut.size() - 1) + " more there")
                    + ": its age cannot be judged; recover and drill pass it over while a snapshot dated no later than now exists"));
        }
        if (holding.stream().noneMatch(p -> p.retention() != null)) {
            gaps.add(new Gap("no_immutable", "no immutable copy: no repository with a retention holds it ("
                    + names(holding) + "); copy it to an s3: repository with retention" + unknown));
        }
        if (holding.size() < 2) {
            String in = holding.isEmpty() ? "no repository" : "'" + holding.get(0).repository() + "' only";
            if (!unreadPlanned.isEmpty()) {
                List<String> why = new ArrayList<>();
                for (Place p : unreadPlanned) why.add(unreadable(plan, p));
                gaps.add(new Gap("one_place", "fewer than 2 places confirmed: " + where + " in " + in + "; the planned "
                        + (unreadPlanned.size() == 1 ? "repository " : "repositories ") + String.join("; ", why)));
            } else {
                // copy-to already names other repositories that hold nothing yet (a failed or interrupted copy):
                // the plan is right, the copy is missing; advice to add to copy-to is only for a copy-to naming none.
                List<Place> empty = repos == null ? List.of() : places.values().stream()
                        .filter(p -> p.planned() && !p.primary() && p.newest() == null && p.error() == null).toList();
                gaps.add(new Gap("one_place", "fewer than 2 places: " + where + " in " + in + "; " + (empty.isEmpty()
                        ? "name another repository in copy-to"
                        : "copy-to names " + names(empty) + ", which " + (empty.size() == 1 ? "holds" : "hold") + " no copy yet:"
                        + " 'lifeboat backup --system " + sys.name() + "' copies the missing ones") + unknown));
            }
        }
        return new Report(sys.name(), List.copyOf(places.values()), List.copyOf(gaps));
    }

    /** What a planned repository that could not be read is: its name, location and the reason. */
    private static String unreadable(Plan plan, Place p) {
        String u = url(plan, p.repository());
        // The reason mostly names the location already: once is enough.
        return "'" + p.repository() + "'" + (p.error().contains(u) ? "" : " (" + u + ")") + " could not be read: " + p.error();
    }

    /** The first snapshot a snapshot was copied from (itself when it is no copy), as copy matches them. */
    private static org.lifeboat.repository.Id origin(Snapshot s) {
        return s.original() != null ? s.original() : s.id();
    }

    /** A message with any password in a URL replaced by ***. */
    private static String redact(String m) {
        return m == null ? null : m.replaceAll("://([^/@:\\s]+):[^/@\\s]*@", "://$1:***@");
    }

    /** A repository's location for a command line; a remote one's password is not shown. */
    private static String url(Plan plan, String repository) {
        String u = plan.repositories().get(repository).url();
        return u == null ? repository : org.lifeboat.repository.Locations.redact(u);
    }

    /**
     * The {@code lifeboat copy} that catches {@code target} up from {@code source}, with each
     * side's password as the plan gives it (a file, or the variable printed by a command) and every
     * value in single quotes where the shell would change it, so that it runs as pasted; a URL's
     * password is not shown, so the text then says to put it back in place of {@code ***}.
     *
     * @return the command in backquotes, and that note when needed
     */
    private static String copyCommand(Plan plan, String target, String source, String tag) {
        String t = url(plan, target), s = url(plan, source);
        String cmd = "lifeboat copy -r " + quote(t) + password(plan, target, "-p", "--password-command")
                + " --from-repo " + quote(s) + password(plan, source, "--from-password-file", "--from-password-command")
                + " --tag " + quote(tag);
        return "`" + cmd + "`" + (t.contains(":***@") || s.contains(":***@") ? " (with the password in place of ***)" : "");
    }

    private static String password(Plan plan, String repository, String fileFlag, String commandFlag) {
        Plan.RepositorySpec r = plan.repositories().get(repository);
        if (r == null) return "";
        if (r.passwordFile() != null) return " " + fileFlag + " " + quote(r.passwordFile());
        if (r.passwordEnv() != null) return " " + commandFlag + " " + quote("printenv " + r.passwordEnv());
        return "";
    }

    private static String quote(String s) {
        return Runbook.q(s);
    }

    /** A snapshot's time to the second, with its offset, as the runbook shows times. */
    private static String stamp(Snapshot s) {
        return s.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static String names(List<Place> l) {
        return l.isEmpty() ? "none" : String.join(", ", l.stream().map(p -> "'" + p.repository() + "'").toList());
    }
}
