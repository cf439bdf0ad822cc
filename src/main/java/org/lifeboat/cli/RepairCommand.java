package org.lifeboat.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.lifeboat.repair.IndexRepair;
import org.lifeboat.repair.PackRepair;
import org.lifeboat.repair.SnapshotRepair;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** restic's {@code repair index|snapshots|packs} (0.16 and later); {@code rebuild-index} is {@code repair index}. */
@Command(name = "repair", description = "Repair a damaged repository: its index, its snapshots, or damaged packs.",
        subcommands = {RepairCommand.Index.class, RepairCommand.Snapshots.class, RepairCommand.Packs.class},
        footer = {"", "Examples:", "  lifeboat repair index", "  lifeboat repair packs 5a1b2c3d…    # then: repair snapshots --forget",
                "  lifeboat repair snapshots --forget", "  lifeboat repair snapshots --dry-run latest"})
final class RepairCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        throw new UserException("repair needs a subcommand: index, snapshots or packs (see 'lifeboat help repair')");
    }

    /** Lines from the engines: warnings to standard error, the rest as status lines. */
    static Consumer<String> printer(Context ctx) {
        return line -> {
            if (line.startsWith("warning: ")) ctx.err.println(line);
            else ctx.info(line);
        };
    }

    /** Runs the index repair (also for {@code rebuild-index}). */
    static int repairIndex(Main main, boolean readAllPacks) throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            ctx.refuseWithoutRemovals(repo, Repository.FileKind.INDEX, "'repair index' replaces the index files");
            IndexRepair.Result r = new IndexRepair(repo, printer(ctx), ctx.cancel(), () -> { }).run(readAllPacks);
            if (ctx.json()) {
                var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("packs", r.packs())
                        .put("packs_read", r.packsRead());
                var m = o.putArray("missing_packs");
                r.missingPacks().forEach(p -> m.add(p.hex()));
                var u = o.putObject("unreadable_packs");
                r.unreadablePacks().forEach((p, why) -> u.put(p.hex(), why));
                var d = o.putObject("damaged_packs");
                r.damagedPacks().forEach((p, why) -> d.put(p.hex(), why));
                var ni = o.putArray("new_indexes");
                r.newIndexes().forEach(i -> ni.add(i.hex()));
                var ri = o.putArray("removed_indexes");
                r.removedIndexes().forEach(i -> ri.add(i.hex()));
                var ki = o.putArray("kept_indexes");
                r.keptIndexes().forEach(i -> ki.add(i.hex()));
                var mp = o.putObject("misplaced_packs");
                r.misplacedPacks().forEach(s -> mp.put(s.id().hex(), s.path()));
                ctx.printJson(o);
            } else {
                ctx.info("index rebuilt: " + Plural.of(r.packs(), "pack") + ", " + r.missingPacks().size() + " missing, "
                        + r.damagedPacks().size() + " damaged, " + r.unreadablePacks().size() + " unreadable");
                java.util.TreeSet<String> salvage = new java.util.TreeSet<>();
                r.damagedPacks().keySet().forEach(p -> salvage.add(p.hex()));
                r.unreadablePacks().keySet().forEach(p -> salvage.add(p.hex()));
                if (!r.misplacedPacks().isEmpty()) {
                    // no repair can read them where they are: moved back, the index describes them again
                    ctx.info("next step: " + org.lifeboat.repository.UnindexedPacks.moveFirst(r.misplacedPacks())
                            + ", then 'lifeboat check'");
                } else if (!salvage.isEmpty()) {
                    // their blobs may be intact: forgetting them first would throw that data away
                    ctx.info("next step: run 'lifeboat repair packs " + String.join(" ", salvage) + "' (it salvages"
                            + " their readable blobs), then 'lifeboat check'");
                } else if (!r.missingPacks().isEmpty()) {
                    ctx.info("next step: run 'lifeboat check'; snapshots that used the missing packs' data are"
                            + " repaired with 'lifeboat repair snapshots --forget'");
                }
            }
        }
        return ExitCodes.OK;
    }

    @Command(name = "index", description = "Build a new index from the packs (restic's repair index; formerly rebuild-index).",
            footer = {"", "Examples:", "  lifeboat repair index", "  lifeboat repair index --read-all-packs"})
    static final class Index implements Callable<Integer> {
        @ParentCommand
        RepairCommand parent;

        @Option(names = "--read-all-packs", description = "read the header of every pack, not only of those the index does not describe")
        boolean readAllPacks;

        @Override
        public Integer call() throws Exception {
            return repairIndex(parent.main, readAllPacks);
        }
    }

    @Command(name = "snapshots", description = {"Rewrite snapshots whose trees or file contents are missing (run 'repair index' first).",
            "Files lose their missing parts, unreadable folders become empty; the new snapshot records its original."},
            footer = {"", "Examples:", "  lifeboat repair snapshots --dry-run", "  lifeboat repair snapshots --forget",
                    "  lifeboat repair snapshots --host web1 --forget"})
    static final class Snapshots implements Callable<Integer> {
        @ParentCommand
        RepairCommand parent;

        @Option(names = {"-n", "--dry-run"}, description = "do not change anything, only print what would be done")
        boolean dryRun;

        @Option(names = "--forget", description = "remove the original snapshots after saving the repaired ones")
        boolean forget;

        @Mixin
        SnapshotOptions filter;

        @Parameters(arity = "0..*", paramLabel = "SNAPSHOT", description = "snapshot IDs or latest (default: all that match the filters)")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Context ctx = new Context(parent.main);
            try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
                if (forget && !dryRun) {
                    ctx.refuseWithoutRemovals(repo, Repository.FileKind.SNAPSHOT,
                            "'repair snapshots --forget' removes each original snapshot");
                }
                ctx.loadIndex(repo);
                // why to wait for another repair first, if the snapshots lose data (see below)
                String wait = org.lifeboat.repository.UnindexedPacks.find(repo).refusal();
                List<Snapshot> all = new ArrayList<>();
                java.util.Map<Id, String> broken = new java.util.TreeMap<>();
                for (Id id : repo.listFiles(Repository.FileKind.SNAPSHOT)) {
                    try {
                        all.add(repo.loadSnapshot(id));
                    } catch (org.lifeboat.repository.RepositoryException e) {
                        broken.put(id, unreadable(id, e));
                    }
                }
                all.sort((a, b) -> a.time().compareTo(b.time()));
                List<Snapshot> chosen = new ArrayList<>();
                // unreadable snapshot files named on the command line (restic 0.17: removed with --forget)
                List<Id> brokenNamed = new ArrayList<>();
                if (ids.isEmpty()) {
                    chosen.addAll(filter.filter().apply(all));
                } else {
                    for (String id : ids) {
                        Id b = brokenMatch(broken, all, id);
                        if (b != null) {
                            if (!forget) {
                                throw new UserException(broken.get(b) + "; remove it with 'lifeboat repair snapshots --forget "
                                        + b.hex() + "' (nothing was changed)");
                            }
                            if (!brokenNamed.contains(b)) brokenNamed.add(b);
                            continue;
                        }
                        Snapshot s = filter.filter().resolve(all, id);
                        if (!chosen.contains(s)) chosen.add(s);
                    }
                }
                refuseIfDataWouldGo(ctx, repo, wait, chosen);
                for (Id b : brokenNamed) {
                    if (dryRun) {
                        ctx.info("would remove unreadable snapshot file snapshots/" + b.hex());
                    } else {
                        try {
                            repo.removeFile(Repository.FileKind.SNAPSHOT, b);
                        } catch (java.nio.file.DirectoryNotEmptyException e) {
                            // a folder in its place: what is inside is not Lifeboat's to delete
                            throw new UserException("snapshots/" + b.hex() + " is a folder with files in it, not a"
                                    + " snapshot file; remove it by hand");
                        }
                        ctx.info("removed unreadable snapshot file snapshots/" + b.hex());
                    }
                    broken.remove(b);
                }
                if (!ids.isEmpty()) broken.clear(); // the others were not asked about
                List<SnapshotRepair.SnapshotResult> results = new SnapshotRepair(repo, printer(ctx), ctx.cancel(), dryRun, forget)
                        .run(chosen);
                long changed = results.stream().filter(r -> r.outcome() != SnapshotRepair.Outcome.UNCHANGED).count();
                if (ctx.json()) {
                    var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("dry_run", dryRun)
                            .put("modified", changed);
                    var a = o.putArray("snapshots");
                    for (SnapshotRepair.SnapshotResult r : results) {
                        var s = a.addObject().put("id", r.snapshot().id().hex())
                                .put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT))
                                .put("lost_bytes", r.lostBytes());
                        if (r.newId() != null) s.put("new_id", r.newId().hex());
                        if (r.kept() != null) s.put("original_kept", r.kept());
                        var c = s.putArray("changes");
                        r.changes().forEach(line -> c.add(line.strip()));
                    }
                    ctx.printJson(o);
                } else {
                    ctx.info("");
                    if (changed == 0) {
                        ctx.info(dryRun ? "no snapshots would be modified" : "no snapshots were modified");
                    } else {
                        ctx.info((dryRun ? "would modify " : "modified ") + changed + " snapshot" + (changed == 1 ? "" : "s"));
                        if (!forget && !dryRun) {
                            ctx.info("the originals are kept; remove them with --forget (or 'forget'), then 'prune'");
                        }
                    }
                }
                if (!broken.isEmpty()) {
                    // an unreadable snapshot file that stays keeps check failing: not a success
                    for (String why : broken.values()) ctx.err.println(why);
                    throw new UserException(broken.size() + " snapshot file" + (broken.size() == 1 ? " is" : "s are")
                            + " unreadable and stay" + (broken.size() == 1 ? "s" : "") + "; remove "
                            + (broken.size() == 1 ? "it" : "them") + " with 'lifeboat repair snapshots --forget "
                            + String.join(" ", broken.keySet().stream().map(Id::hex).toList()) + "'");
                }
            }
            return ExitCodes.OK;
        }
    }

    /**
     * Refuses repair snapshots while a pack no index names may hold what the snapshots lack (the
     * rule is {@link org.lifeboat.repository.UnindexedPacks#refusal}, here {@code wait}) and the
     * repair would cut data out of a snapshot (a dry run of it says): cutting that data would let
     * prune delete it. Snapshots that lose nothing are no reason to wait (a leftover empty pack).
     *
     * @throws UserException naming a pack and the command to run first (nothing was changed)
     */
    static void refuseIfDataWouldGo(Context ctx, Repository repo, String wait, List<Snapshot> chosen) throws java.io.IOException {
        if (wait == null) return;
        boolean changes = new SnapshotRepair(repo, line -> { }, ctx.cancel(), true, false).run(chosen).stream()
                .anyMatch(r -> r.outcome() != SnapshotRepair.Outcome.UNCHANGED);
        if (changes) throw new UserException(wait);
    }

    /** One sentence on an unreadable snapshot file: its path and what is wrong (the field, for a malformed time). */
    static String unreadable(Id id, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.time.format.DateTimeParseException d) {
                return "snapshot file snapshots/" + id.hex() + " is unreadable: its \"time\" field '" + d.getParsedString()
                        + "' is not a time";
            }
        }
        return "snapshot file snapshots/" + id.hex() + " is unreadable: " + e.getMessage();
    }

    /** The unreadable snapshot file an argument names by ID prefix, or null when it names a readable one or none. */
    static Id brokenMatch(java.util.Map<Id, String> broken, List<Snapshot> readable, String arg) {
        if (arg.isEmpty() || !arg.matches("[0-9a-fA-F]+")) return null;
        String a = arg.toLowerCase(java.util.Locale.ROOT);
        for (Snapshot s : readable) if (s.id().hex().startsWith(a)) return null;
        Id found = null;
        for (Id b : broken.keySet()) {
            if (b.hex().startsWith(a)) {
                if (found != null) return null; // ambiguous: resolve says so
                found = b;
            }
        }
        return found;
    }

    @Command(name = "packs", description = {"Salvage the readable blobs of damaged packs into new packs and remove the damaged ones.",
            "A copy of each pack is first saved as pack-ID in the current folder, as restic does; the pack is",
            "removed even when some blobs could not be read (the copy keeps them)."},
            footer = {"", "Examples:", "  lifeboat repair packs 5a1b2c3d4e5f…", "  lifeboat repair snapshots --forget    # if blobs were lost"})
    static final class Packs implements Callable<Integer> {
        @ParentCommand
        RepairCommand parent;

        @Parameters(arity = "0..*", paramLabel = "PACK", description = "IDs of the damaged packs (the full 64 hex digits, as check names them)")
        List<String> packs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (packs.isEmpty()) {
                throw new UserException("repair packs needs the IDs of the damaged packs (as 'check --read-data' names them)");
            }
            Context ctx = new Context(parent.main);
            List<Id> ids = new ArrayList<>();
            for (String p : packs) {
                Id id;
                try {
                    id = Id.parse(p);
                } catch (IllegalArgumentException e) {
                    throw new UserException("'" + p + "' is not a pack ID (64 hex digits, as 'check' names damaged packs)");
                }
                if (!ids.contains(id)) ids.add(id);
            }
            PackRepair.Result r;
            Path here = Path.of("").toAbsolutePath();
            try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
                ctx.refuseWithoutRemovals(repo, Repository.FileKind.INDEX,
                        "'repair packs' replaces the index files and removes the damaged packs");
                // an existing pack-ID copy (a link included) is PackRepair's to judge before anything changes
                r = new PackRepair(repo, printer(ctx), ctx.cancel(), () -> { }).run(ids, here);
                if (ctx.json()) {
                    var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("salvaged", r.salvaged());
                    var lost = o.putObject("lost");
                    r.lost().forEach(lost::put);
                    var rm = o.putArray("removed_packs");
                    r.removedPacks().forEach(p -> rm.add(p.hex()));
                    var kept = o.putObject("kept_packs");
                    r.keptPacks().forEach((p, why) -> kept.put(p.hex(), why));
                    var unread = o.putObject("unread_packs");
                    r.unreadPacks().forEach((p, why) -> unread.put(p.hex(), why));
                    ctx.printJson(o);
                } else {
                    if (r.lostData()) {
                        boolean one = r.lost().size() == 1;
                        ctx.err.println(r.lost().size() + (one ? " blob was" : " blobs were")
                                + " lost: run 'lifeboat repair snapshots --forget' to remove " + (one ? "it" : "them")
                                + " from the snapshots that use " + (one ? "it" : "them"));
                    }
                    if (!r.unreadPacks().isEmpty()) {
                        ctx.err.println("nothing was salvaged from " + r.unreadPacks().size() + " pack"
                                + (r.unreadPacks().size() == 1 ? "" : "s") + " whose header cannot be read and that no index"
                                + " describes (" + String.join(", ", r.unreadPacks().keySet().stream().map(Id::hex).toList())
                                + "); backup copies are in " + here + ": run 'lifeboat repair snapshots --forget'"
                                + " to remove what the snapshots lose");
                    }
                    List<Id> gone = r.removedPacks().stream().filter(r.backups()::containsKey).toList();
                    if (!gone.isEmpty()) {
                        ctx.info(gone.size() == 1
                                ? "the damaged pack was removed; its backup copy (pack-ID) is in " + here
                                : "the damaged packs were removed; their backup copies (pack-ID) are in " + here);
                    }
                    if (r.complete()) ctx.info("all blobs of the damaged packs were salvaged");
                }
            }
            // a damaged pack the storage refused to remove (not retention) would be indexed again by the next
            // repair index, damaged blobs and all: the way on is deleting it by hand, its copy being kept
            if (!r.refusedPacks().isEmpty()) {
                List<String> where = r.refusedPacks().stream().map(p -> "data/" + p.hex().substring(0, 2) + "/" + p.hex()).toList();
                throw new UserException((where.size() == 1 ? "the damaged pack " : "the damaged packs ") + String.join(", ", where)
                        + " could not be removed (" + r.keptPacks().get(r.refusedPacks().iterator().next()) + "): delete "
                        + (where.size() == 1 ? "it" : "them") + " by hand (the backup copies pack-ID are in " + here
                        + "), then run 'lifeboat check'");
            }
            // a pack nothing could be read from and that stays is a failure, not a repair; one the storage keeps
            // under retention is not: its lock keeps its bytes, and repair snapshots does not wait for it
            return r.keptPacks().keySet().stream().anyMatch(p -> r.unreadPacks().containsKey(p) && !r.retainedPacks().contains(p))
                    ? ExitCodes.FATAL : ExitCodes.OK;
        }
    }
}
