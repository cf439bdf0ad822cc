package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.prune.Forget;
import org.lifeboat.prune.ForgetDecision;
import org.lifeboat.prune.ForgetGroup;
import org.lifeboat.prune.KeepPolicy;
import org.lifeboat.prune.SnapshotGroupKey;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code forget}: removes snapshots by a keep policy applied per group (restic's forget, as restic
 * 0.17+ decides), or exactly the snapshots named. Removes only snapshot files; {@code prune} then
 * removes the data no snapshot uses. A snapshot file the storage keeps under retention (S3 Object
 * Lock) is reported with the end of its retention and left; that alone is no failure (exit 0).
 */
@Command(name = "forget", description = "Remove snapshots by a keep policy (per host and paths), or the snapshots named.",
        footer = {"", "Examples:", "  lifeboat forget --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --dry-run",
                "  lifeboat forget --keep-within 30d --keep-tag important --host web1",
                "  lifeboat forget --keep-last 3 --group-by ''", "  lifeboat forget 1a2b3c4d",
                "", "Exit status: 0, also when snapshots under S3 Object Lock were left (named);",
                "1 on a fatal error (nothing removed); 3 when some could not be removed."})
final class ForgetCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-l", "--keep-last"}, paramLabel = "N", description = "keep the last N snapshots (unlimited: all)")
    String keepLast;
    @Option(names = {"-H", "--keep-hourly"}, paramLabel = "N", description = "keep the last N hourly snapshots (unlimited: all hourly snapshots)")
    String keepHourly;
    @Option(names = {"-d", "--keep-daily"}, paramLabel = "N", description = "keep the last N daily snapshots (unlimited: all daily snapshots)")
    String keepDaily;
    @Option(names = {"-w", "--keep-weekly"}, paramLabel = "N", description = "keep the last N weekly snapshots (unlimited: all weekly snapshots)")
    String keepWeekly;
    @Option(names = {"-m", "--keep-monthly"}, paramLabel = "N", description = "keep the last N monthly snapshots (unlimited: all monthly snapshots)")
    String keepMonthly;
    @Option(names = {"-y", "--keep-yearly"}, paramLabel = "N", description = "keep the last N yearly snapshots (unlimited: all yearly snapshots)")
    String keepYearly;
    @Option(names = "--keep-within", paramLabel = "DURATION", description = "keep snapshots newer than DURATION (e.g. 1y5m7d2h) before the newest snapshot")
    String within;
    @Option(names = "--keep-within-hourly", paramLabel = "DURATION", description = "keep hourly snapshots newer than DURATION before the newest snapshot")
    String withinHourly;
    @Option(names = "--keep-within-daily", paramLabel = "DURATION", description = "keep daily snapshots newer than DURATION before the newest snapshot")
    String withinDaily;
    @Option(names = "--keep-within-weekly", paramLabel = "DURATION", description = "keep weekly snapshots newer than DURATION before the newest snapshot")
    String withinWeekly;
    @Option(names = "--keep-within-monthly", paramLabel = "DURATION", description = "keep monthly snapshots newer than DURATION before the newest snapshot")
    String withinMonthly;
    @Option(names = "--keep-within-yearly", paramLabel = "DURATION", description = "keep yearly snapshots newer than DURATION before the newest snapshot")
    String withinYearly;
    @Option(names = "--keep-tag", paramLabel = "TAG[,TAG]", description = "keep snapshots with all these tags (repeatable: any list; '' keeps untagged snapshots)")
    List<String> keepTags = new ArrayList<>();
    @Option(names = "--unsafe-allow-remove-all", description = "allow removing every snapshot of a group (only with --host, --tag or --path)")
    boolean allowRemoveAll;

    // restic's forget has no -H for --host (it is --keep-hourly), so the shared SnapshotOptions do not fit.
    @Option(names = {"--host", "--hostname"}, paramLabel = "HOST", description = "only snapshots of this host (repeatable)")
    List<String> hosts = new ArrayList<>();
    @Option(names = "--tag", paramLabel = "TAG[,TAG]", description = "only snapshots with these tags (repeatable)")
    List<String> tags = new ArrayList<>();
    @Option(names = "--path", paramLabel = "PATH", description = "only snapshots including this path (repeatable)")
    List<String> paths = new ArrayList<>();

    @Option(names = {"-c", "--compact"}, description = "leave out the paths and reasons")
    boolean compact;
    @Option(names = {"-g", "--group-by"}, paramLabel = "GROUP[,GROUP]", description = "group by host, paths and/or tags ('' for one group; default: host,paths)")
    String groupBy = "host,paths";
    @Option(names = {"-n", "--dry-run"}, description = "remove nothing, print what would be removed")
    boolean dryRun;
    @Option(names = "--prune", description = "automatically run the 'prune' command if snapshots have been removed")
    boolean prune;
    @picocli.CommandLine.Mixin
    PruneFlags pruneFlags = new PruneFlags();

    @Parameters(paramLabel = "ID", arity = "0..*", description = "remove exactly these snapshots (no policy)")
    List<String> ids = new ArrayList<>();

    /** A snapshot the storage's retention kept: its ID and when the retention ends. */
    private record Retained(Id id, Instant until) {}

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        KeepPolicy policy = policy();
        SnapshotGroupKey.By by;
        try {
            by = SnapshotGroupKey.By.parse(groupBy);
        } catch (IllegalArgumentException e) {
            throw new UserException("--group-by: " + e.getMessage());
        }
        SnapshotFilter filter = new SnapshotFilter(hosts, tags, paths);
        boolean filtered = !hosts.isEmpty() || !tags.isEmpty() || !paths.isEmpty();
        if (main.noLock && !dryRun) throw new UserException("--no-lock is only allowed with forget --dry-run: forget removes snapshots and must lock the repository");
        if (!ids.isEmpty() && (!policy.isEmpty() || allowRemoveAll)) {
            throw new UserException("snapshot IDs and --keep-* options do not go together: give IDs to remove exactly those, or a policy");
        }
        if (ids.isEmpty() && policy.isEmpty()) {
            if (!allowRemoveAll) throw new UserException("no policy was specified, no snapshots will be removed (give --keep-* options, or snapshot IDs)");
            if (!filtered) throw new UserException("--unsafe-allow-remove-all is not allowed unless a snapshot filter option (--host, --tag, --path) is specified");
        }
        // restic checks prune's options before forget removes anything: a typo must not leave snapshots forgotten, unpruned
        org.lifeboat.prune.PruneOptions pruneOptions = prune ? pruneFlags.options(dryRun) : null;
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, !dryRun)) {
            if (pruneOptions != null) {
                try {
                    org.lifeboat.prune.Pruner.requireFits(repo, pruneOptions);
                } catch (org.lifeboat.prune.PruneException e) {
                    throw new UserException(e.getMessage() + "; nothing was removed");
                }
            }
            List<Id> unreadable = new ArrayList<>();
            List<Snapshot> all = repo.listSnapshotsNamingUnreadable((id, w) -> {
                ctx.warn(w);
                unreadable.add(id);
            });
            // A policy decides on the whole list; snapshot IDs need only their own files, as long
            // as none could also name an unreadable one ("latest", or a prefix of its ID).
            String clash = ids.stream().filter(a -> a.equalsIgnoreCase("latest")
                    || unreadable.stream().anyMatch(u -> u.hex().startsWith(a.toLowerCase(java.util.Locale.ROOT)))).findFirst().orElse(null);
            if (!unreadable.isEmpty() && (ids.isEmpty() || clash != null)) {
                throw new UserException(Plural.of(unreadable.size(), "snapshot file") + " could not be read (named above); forget decides"
                        + " nothing " + (clash == null ? "on an incomplete list" : "by '" + clash + "', which may name it")
                        + ", nothing was removed");
            }
            Set<Id> remove = new LinkedHashSet<>();
            Map<Id, Snapshot> byId = new LinkedHashMap<>();
            List<ForgetGroup> groups = List.of();
            if (!ids.isEmpty()) {
                for (String arg : ids) {
                    Snapshot s = filter.resolve(all, arg);
                    remove.add(s.id());
                    byId.put(s.id(), s);
                }
            } else {
                groups = Forget.plan(filter.apply(all), by, policy, Instant.now());
                if (!ctx.quiet()) ctx.out.println("Applying Policy: " + policy);
                for (ForgetGroup g : groups) {
                    if (!policy.isEmpty() && g.decision().keep().isEmpty()) {
                        throw new UserException("refusing to delete last snapshot of snapshot group \"" + g.key()
                                + "\" (no rule keeps any of its " + g.decision().remove().size() + " snapshots); nothing was removed");
                    }
                }
                for (ForgetGroup g : groups) {
                    print(ctx, g);
                    for (Snapshot s : g.decision().remove()) {
                        remove.add(s.id());
                        byId.put(s.id(), s);
                    }
                }
            }
            ctx.checkOutput();
            List<Retained> retained = new ArrayList<>();
            int failed = 0;
            int removed = 0;
            if (dryRun) {
                if (!remove.isEmpty() && !ctx.quiet()) {
                    List<String> shortIds = new ArrayList<>();
                    for (Id id : remove) shortIds.add(id.shortHex());
                    ctx.out.println("Would have removed the following snapshots:\n{" + String.join(" ", shortIds) + "}\n");
                }
            } else {
                for (Id id : remove) {
                    try {
                        repo.removeFile(Repository.FileKind.SNAPSHOT, id);
                        removed++;
                        ctx.verbose("removed snapshots/" + id.hex());
                    } catch (RetainedException e) {
                        retained.add(new Retained(id, e.until()));
                        ctx.err.println("snapshot " + id.shortHex() + " (" + NodeFormat.local(byId.get(id).time())
                                + ") is kept by the storage's retention (S3 Object Lock) until "
                                + e.until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                + "; it was left in place, forget it again after then");
                    } catch (AccessDeniedException e) {
                        if (removed == 0 && retained.isEmpty() && failed == 0) {
                            throw new UserException("the storage at " + repo.location() + " refuses to delete snapshots/" + id.hex()
                                    + " (" + (e.getReason() == null ? "permission denied" : e.getReason())
                                    + "), as an append-only REST server does; run forget with direct access to the storage;"
                                    + " nothing was removed");
                        }
                        failed++;
                        ctx.err.println("error: unable to remove snapshots/" + id.hex() + " from the repository: "
                                + (e.getReason() == null ? "permission denied" : e.getReason()));
                    } catch (java.io.InterruptedIOException e) {
                        throw e;
                    } catch (IOException e) {
                        failed++;
                        ctx.err.println("error: unable to remove snapshots/" + id.hex() + " from the repository: " + e.getMessage());
                    }
                }
            }
            if (ctx.json() && !groups.isEmpty()) ctx.printJson(json(groups, retained));
            if (!dryRun && !remove.isEmpty() && !ctx.quiet()) ctx.out.println(removed + " snapshots have been removed");
            if (!retained.isEmpty()) {
                Instant last = retained.stream().map(Retained::until).max(Comparator.naturalOrder()).orElseThrow();
                ctx.err.println(retained.size() + " snapshot" + (retained.size() == 1 ? " is" : "s are")
                        + " kept by the storage's retention (S3 Object Lock, listed above, the last until "
                        + last.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "); the policy removes "
                        + (retained.size() == 1 ? "it" : "them") + " when forget runs after then");
            }
            if (failed > 0) {
                ctx.err.println("Fatal: failed to remove " + failed + " of " + remove.size() + " snapshots (listed above)");
                return ExitCodes.PARTIAL;
            }
            if (prune && !remove.isEmpty()) {
                // restic: prune runs in the same lock; a dry run counts the snapshots it would remove as gone
                if (!ctx.quiet() && !ctx.json()) {
                    ctx.out.println(dryRun ? remove.size() + " snapshots would be removed, running prune dry run"
                            : "running prune");
                }
                return PruneCommand.run(ctx, repo, pruneFlags, dryRun, dryRun ? remove : Set.of(), ctx.out);
            }
            return ExitCodes.OK;
        }
    }

    /**
     * Applies a plan system's keep policy to its snapshots in its backup repository (those
     * {@link org.lifeboat.recovery.SystemSnapshots} counts as the system's, one group), under the
     * exclusive lock {@code repos} holds. Snapshots under Object Lock retention are left and reported.
     *
     * @return false when it could not be applied (said on stderr or as JSON): unreadable snapshot
     *     files, a policy that keeps none of them, a snapshot that could not be removed
     */
    static boolean forgetSystem(Context ctx, org.lifeboat.plan.SystemSpec s, org.lifeboat.recovery.Repositories repos) throws Exception {
        return render(ctx, s, org.lifeboat.recovery.SystemRetention.apply(s, repos, Instant.now(), ctx::warn));
    }

    /** Prints what a system's retention did, as {@code forget} prints it; true when nothing failed. */
    static boolean render(Context ctx, org.lifeboat.plan.SystemSpec s, org.lifeboat.recovery.SystemRetention.Result r) {
        String n = s.name();
        if (r.refused() != null) {
            ctx.err.println("error: " + n + ": " + (r.refused().startsWith("retention (") ? "" : "retention not applied: ") + r.refused());
            return false;
        }
        if (!ctx.json()) {
            for (org.lifeboat.recovery.SystemRetention.Retained x : r.retained()) {
                ctx.err.println(n + ": snapshot " + x.id().shortHex() + " is kept by the storage's retention (S3 Object Lock) until "
                        + x.until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "; it was left in place");
            }
        }
        for (String f : r.failed()) ctx.err.println("error: " + n + ": " + f);
        if (r.cleanPoint() != null && !ctx.json()) {
            ctx.err.println(n + ": snapshot " + r.cleanPoint().id().shortHex() + " is kept although the retention would remove it:"
                    + " it is the last clean point before the suspicious snapshots (remove their tag once they are judged)");
        }
        if (ctx.json()) {
            ObjectNode j = Json.MAPPER.createObjectNode().put("message_type", "forget").put("system", n)
                    .put("policy", s.retention().toString()).put("kept", r.kept()).put("removed", r.removed());
            if (r.cleanPoint() != null) j.put("clean_point_kept", r.cleanPoint().id().hex());
            ArrayNode ra = j.putArray("retained");
            for (org.lifeboat.recovery.SystemRetention.Retained x : r.retained()) {
                ra.addObject().put("id", x.id().hex()).put("until", x.until().toString());
            }
            ctx.printJson(j);
        } else {
            ctx.out.println(n + ": retention " + s.retention().toString().replaceFirst("^keep ", "") + ": kept " + r.kept()
                    + ", removed " + r.removed() + (r.retained().isEmpty() ? "" : ", " + r.retained().size() + " left under Object Lock"));
        }
        return r.failed().isEmpty();
    }

    /** The policy from the --keep-* options. */
    private KeepPolicy policy() {
        KeepPolicy p = KeepPolicy.NONE;
        String[][] counts = {{"last", keepLast, "--keep-last"}, {"hourly", keepHourly, "--keep-hourly"}, {"daily", keepDaily, "--keep-daily"},
                {"weekly", keepWeekly, "--keep-weekly"}, {"monthly", keepMonthly, "--keep-monthly"}, {"yearly", keepYearly, "--keep-yearly"}};
        for (String[] c : counts) if (c[1] != null) p = p.withCount(c[0], count(c[2], c[1]));
        String[][] spans = {{"", within, "--keep-within"}, {"hourly", withinHourly, "--keep-within-hourly"},
                {"daily", withinDaily, "--keep-within-daily"}, {"weekly", withinWeekly, "--keep-within-weekly"},
                {"monthly", withinMonthly, "--keep-within-monthly"}, {"yearly", withinYearly, "--keep-within-yearly"}};
        for (String[] s : spans) {
            if (s[1] == null) continue;
            try {
                p = p.withSpan(s[0], KeepPolicy.Span.parse(s[1]));
            } catch (IllegalArgumentException e) {
                throw new UserException(s[2] + ": " + e.getMessage());
            }
        }
        for (String t : keepTags) {
            List<String> l = new ArrayList<>();
            for (String x : t.split(",", -1)) l.add(x.strip());
            p = p.withTags(l);
        }
        return p;
    }

    /**
     * A count: a number 0 or more, or "unlimited" (restic 0.17+); -1 is taken as unlimited as
     * restic 0.16 did, other negative numbers are refused as by restic; a count above 2^31-1 is taken
     * as 2^31-1.
     */
    static int count(String option, String value) {
        String v = value.strip();
        if (v.equals("unlimited") || v.equals("-1")) return KeepPolicy.UNLIMITED;
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            // more than 2^31-1 snapshots is more than any group holds: as good as that many (restic takes it)
            if (v.matches("[0-9]+")) return Integer.MAX_VALUE;
            throw new UserException(option + ": '" + value + "' is not a number of snapshots (a whole number, or unlimited)");
        }
        if (n < 0) throw new UserException(option + ": negative values not allowed, use 'unlimited' instead (not " + n + ")");
        return n;
    }

    private void print(Context ctx, ForgetGroup g) {
        if (ctx.quiet()) return;
        String h = g.key().header();
        if (h != null) ctx.out.println(h);
        ForgetDecision d = g.decision();
        if (!d.keep().isEmpty()) {
            ctx.out.println("keep " + d.keep().size() + " snapshots:");
            Map<Id, List<String>> why = new LinkedHashMap<>();
            for (ForgetDecision.Reason r : d.reasons()) why.put(r.snapshot().id(), r.matches());
            table(ctx, d.keep(), why);
            ctx.out.println();
        }
        if (!d.remove().isEmpty()) {
            ctx.out.println("remove " + d.remove().size() + " snapshots:");
            table(ctx, d.remove(), null);
            ctx.out.println();
        }
    }

    /** restic's table, oldest first; with {@code why}, a Reasons column (not in --compact). */
    private void table(Context ctx, List<Snapshot> list, Map<Id, List<String>> why) {
        List<Snapshot> sorted = new ArrayList<>(list);
        sorted.sort(Forget.NEWEST_FIRST.reversed());
        Table t;
        if (compact) t = new Table("ID", "Time", "Host", "Tags");
        else if (why != null) t = new Table("ID", "Time", "Host", "Tags", "Reasons", "Paths");
        else t = new Table("ID", "Time", "Host", "Tags", "Paths");
        for (Snapshot s : sorted) {
            String host = s.hostname() == null ? "" : s.hostname();
            if (compact) {
                t.row(s.id().shortHex(), NodeFormat.local(s.time()), host, String.join("\n", s.tags()));
            } else if (why != null) {
                t.row(s.id().shortHex(), NodeFormat.local(s.time()), host, String.join(",", s.tags()),
                        String.join("\n", why.getOrDefault(s.id(), List.of())), String.join("\n", s.paths()));
            } else {
                t.row(s.id().shortHex(), NodeFormat.local(s.time()), host, String.join(",", s.tags()), String.join("\n", s.paths()));
            }
        }
        t.print(ctx.out);
        ctx.out.println(sorted.size() + " snapshots");
    }

    /**
     * restic's JSON: an array of {tags, host, paths, keep, remove, reasons} (empty lists as null, as
     * restic's), snapshots as {@code snapshots --json} prints them; each reason also has restic's
     * counters (non-zero ones). Lifeboat adds "retained": the removed snapshots the storage's
     * retention kept, with the end of it.
     */
    private static ArrayNode json(List<ForgetGroup> groups, List<Retained> retained) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (ForgetGroup g : groups) {
            ObjectNode o = a.addObject();
            strings(o, "tags", g.key().tags());
            o.put("host", g.key().hostname());
            strings(o, "paths", g.key().paths());
            snapshots(o, "keep", g.decision().keep());
            snapshots(o, "remove", g.decision().remove());
            if (g.decision().reasons().isEmpty()) {
                o.putNull("reasons");
            } else {
                ArrayNode rs = o.putArray("reasons");
                for (ForgetDecision.Reason r : g.decision().reasons()) {
                    ObjectNode ro = rs.addObject();
                    ro.set("snapshot", r.snapshot().toJsonNode(true));
                    ArrayNode m = ro.putArray("matches");
                    r.matches().forEach(m::add);
                    ObjectNode c = ro.putObject("counters");
                    ForgetDecision.Counters k = r.counters();
                    int[] v = {k.last(), k.hourly(), k.daily(), k.weekly(), k.monthly(), k.yearly()};
                    String[] n = {"last", "hourly", "daily", "weekly", "monthly", "yearly"};
                    for (int i = 0; i < v.length; i++) if (v[i] != 0) c.put(n[i], v[i]);
                }
            }
            Set<Id> mine = new java.util.HashSet<>();
            for (Snapshot s : g.decision().remove()) mine.add(s.id());
            ArrayNode ra = null;
            for (Retained r : retained) {
                if (!mine.contains(r.id())) continue;
                if (ra == null) ra = o.putArray("retained");
                ra.addObject().put("id", r.id().hex()).put("until", r.until().toString());
            }
        }
        return a;
    }

    private static void strings(ObjectNode o, String field, List<String> l) {
        if (l == null) {
            o.putNull(field);
            return;
        }
        ArrayNode a = o.putArray(field);
        l.forEach(a::add);
    }

    private static void snapshots(ObjectNode o, String field, List<Snapshot> l) {
        if (l.isEmpty()) {
            o.putNull(field);
            return;
        }
        ArrayNode a = o.putArray(field);
        for (Snapshot s : l) a.add(s.toJsonNode(true));
    }
}
