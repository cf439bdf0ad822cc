package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.Times;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code find}: files and folders matching patterns ({@link FindPattern}: restic's filter.Match,
 * so {@code docs/*.pdf} matches PDFs in any folder named docs), or, with --blob, --tree or --pack,
 * where IDs are used. Snapshots are searched newest first (--reverse: oldest first), as restic.
 * Output is printed as found (a hostile snapshot may hold 2^60 paths: memory stays flat), in
 * restic's text and JSON shapes; a reader that went away ends the command.
 */
@Command(name = "find", description = "Find files by pattern (restic's: a glob per path component), or blobs, trees and packs by ID, in snapshots.",
        footer = {"", "Examples:", "  lifeboat find \"*.pdf\"", "  lifeboat find \"docs/*.pdf\" -l", "  lifeboat find -i \"report*\" --host web1 --newest 2024-06-01", "  lifeboat find --blob 5e6f7a8b"})
final class FindCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "PATTERN", arity = "1..*", description = "glob (*, ?, [a-z]) matched against names, or against whole paths when it holds a /")
    List<String> patterns;

    @Option(names = {"-s", "--snapshot"}, paramLabel = "ID", description = "only these snapshots (repeatable)")
    List<String> snapshots = new ArrayList<>();

    @Option(names = {"-i", "--ignore-case"}, description = "match names ignoring case")
    boolean ignoreCase;

    @Option(names = {"-l", "--long"}, description = "long listing: mode, uid, gid, size, time")
    boolean longFormat;

    @Option(names = "--human-readable", description = "sizes in KiB, MiB… (with --long)")
    boolean human;

    @Option(names = {"-O", "--oldest"}, paramLabel = "TIME", description = "only entries modified at or after TIME (local: 2006-01-02[ 15:04[:05]])")
    String oldest;

    @Option(names = {"-N", "--newest"}, paramLabel = "TIME", description = "only entries modified at or before TIME")
    String newest;

    @Option(names = "--blob", description = "the patterns are data blob IDs")
    boolean blobIds;

    @Option(names = "--tree", description = "the patterns are tree IDs")
    boolean treeIds;

    @Option(names = "--pack", description = "the patterns are pack IDs: find where their blobs are used")
    boolean packIds;

    @Option(names = "--show-pack-id", description = "with --blob, --tree or --pack: name the pack holding each object found")
    boolean showPackId;

    @Option(names = {"-R", "--reverse"}, description = "search oldest snapshots first")
    boolean reverse;

    private Context ctx;
    private long unreadableTrees;

    @Override
    public Integer call() throws Exception {
        ctx = new Context(main);
        if ((blobIds ? 1 : 0) + (treeIds ? 1 : 0) + (packIds ? 1 : 0) > 1) {
            throw new UserException("cannot have several ID types: use only one of --blob, --tree and --pack");
        }
        OffsetDateTime old = oldest == null ? null : parseTime("--oldest", oldest);
        OffsetDateTime young = newest == null ? null : parseTime("--newest", newest);
        if (old != null && young != null && old.isAfter(young)) {
            throw new UserException("--oldest must specify a time before --newest");
        }
        // Names in snapshots are RawNames strings: a pattern's raw bytes must be matched as such.
        List<String> raw = RawArgs.raw(this.patterns);
        boolean ids = blobIds || treeIds || packIds;
        List<FindPattern> ps = new ArrayList<>();
        if (!ids) for (String p : raw) ps.add(new FindPattern(p, ignoreCase));
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Set<String> blobs = new LinkedHashSet<>();
            Set<String> trees = new LinkedHashSet<>();
            if (blobIds) blobs.addAll(hexIds("--blob", raw));
            if (treeIds) trees.addAll(hexIds("--tree", raw));
            if (packIds) packsToBlobs(repo, hexIds("--pack", raw), blobs, trees);
            List<Snapshot> all = repo.listSnapshots(ctx::warn);
            List<Snapshot> chosen = new ArrayList<>();
            if (snapshots.isEmpty()) chosen.addAll(filter.filter().apply(all));
            else for (String id : snapshots) chosen.add(filter.filter().resolve(all, id));
            // restic's order: newest first, --reverse oldest first (a stable sort keeps ties as listed)
            Comparator<Snapshot> byTime = Comparator.comparing(s -> s.time().toInstant());
            chosen.sort(reverse ? byTime : byTime.reversed());
            int unreadable = ids ? findIds(repo, chosen, blobs, trees) : findPatterns(repo, chosen, ps, old, young);
            if (ids && showPackId) showPacks(repo);
            if (unreadableTrees > 0) {
                ctx.err.println("Fatal: " + Plural.of(unreadableTrees, "damaged folder") + (unreadableTrees == 1 ? " was" : " were") + " not searched");
                return ExitCodes.FATAL;
            }
            if (unreadable > 0) {
                ctx.err.println("Fatal: " + Plural.of(unreadable, "snapshot") + " could not be read completely; the others were searched");
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }

    /** Pattern search; returns the number of snapshots that could not be read completely. */
    private int findPatterns(Repository repo, List<Snapshot> chosen, List<FindPattern> ps, OffsetDateTime old,
            OffsetDateTime young) throws IOException {
        long found = 0;
        int unreadable = 0;
        boolean[] anySnapshot = {false};
        if (ctx.json()) raw("[");
        for (Snapshot s : chosen) {
            long[] hits = {0};
            try {
                walk(repo, s, (path, shown, n) -> {
                    boolean match = false;
                    for (FindPattern p : ps) {
                        if (p.matches(path)) {
                            match = true;
                            break;
                        }
                    }
                    boolean descend = true;
                    if (n.type() == NodeType.DIR) {
                        descend = false;
                        for (FindPattern p : ps) descend |= p.childMayMatch(path);
                    }
                    if (!match) return descend;
                    // a node without mtime counts as the zero time, as in restic
                    Instant mtime = n.mtime() == null ? Instant.MIN : n.mtime().toInstant();
                    if (old != null && mtime.isBefore(old.toInstant())) return descend;
                    if (young != null && mtime.isAfter(young.toInstant())) return descend;
                    if (ctx.json()) {
                        if (hits[0] == 0) raw((anySnapshot[0] ? "," : "") + "{\"matches\":[");
                        else raw(",");
                        byte[] b = Names.json(NodeFormat.findJson(path, n));
                        ctx.out.write(b, 0, b.length);
                    } else {
                        if (hits[0] == 0) {
                            if (anySnapshot[0]) ctx.out.println();
                            ctx.out.println("Found matching entries in snapshot " + s.id().shortHex() + " from "
                                    + NodeFormat.local(s.time()));
                        }
                        Names.println(ctx.out, longFormat ? NodeFormat.longLine(path, n, human) : Names.display(path));
                    }
                    hits[0]++;
                    ctx.checkOutput();
                    return descend;
                });
            } catch (org.lifeboat.repository.RepositoryException | java.io.UncheckedIOException e) {
                // One damaged snapshot does not hide the others: named, skipped, exit 1 at the end.
                ctx.warn(e.getMessage() + " (the rest of this snapshot was not searched; entries found before are listed above)");
                unreadable++;
            }
            if (hits[0] > 0) {
                if (ctx.json()) raw("],\"hits\":" + hits[0] + ",\"snapshot\":\"" + s.id().hex() + "\"}");
                anySnapshot[0] = true;
            }
            found += hits[0];
        }
        if (ctx.json()) raw("]\n");
        // No match prints nothing, as restic: scripts count the lines of stdout.
        ctx.out.flush();
        return unreadable;
    }

    /** The full IDs of objects found by an ID search, with their type, for --show-pack-id. */
    private final Map<Id, BlobType> foundObjects = new LinkedHashMap<>();

    /** --blob/--tree/--pack search: every use of the IDs, restic's "Found blob …" lines or JSON objects. */
    private int findIds(Repository repo, List<Snapshot> chosen, Set<String> blobs, Set<String> trees) throws IOException {
        int unreadable = 0;
        boolean[] any = {false};
        if (ctx.json()) raw("[");
        for (Snapshot s : chosen) {
            try {
                if (matchesAny(trees, s.tree())) object(any, "tree", s.tree(), "/", null, s, BlobType.TREE);
                String[] parent = {""};
                walkWithParent(repo, s, (path, parentTree, n) -> {
                    if (n.type() == NodeType.DIR && n.subtree() != null && matchesAny(trees, n.subtree())) {
                        object(any, "tree", n.subtree(), path, null, s, BlobType.TREE);
                    }
                    if (n.type() == NodeType.FILE && n.content() != null && !blobs.isEmpty()) {
                        for (Id b : n.content()) {
                            if (matchesAny(blobs, b)) object(any, "blob", b, path, parentTree, s, BlobType.DATA);
                        }
                    }
                });
            } catch (org.lifeboat.repository.RepositoryException | java.io.UncheckedIOException e) {
                ctx.warn(e.getMessage() + " (the rest of this snapshot was not searched; objects found before are listed above)");
                unreadable++;
            }
        }
        if (ctx.json()) raw("]\n");
        ctx.out.flush();
        return unreadable;
    }

    private void object(boolean[] any, String kind, Id id, String path, Id parentTree, Snapshot s, BlobType t) {
        foundObjects.putIfAbsent(id, t);
        if (ctx.json()) {
            var o = Json.MAPPER.createObjectNode().put("object_type", kind).put("id", id.hex()).put("path", path);
            if (parentTree != null) o.put("parent_tree", parentTree.hex());
            o.put("snapshot", s.id().hex()).put("time", Times.format(s.time()));
            byte[] b = Names.json(o);
            if (any[0]) raw(",");
            ctx.out.write(b, 0, b.length);
        } else {
            ctx.out.println("Found " + kind + " " + id.hex());
            if (kind.equals("blob")) {
                Names.println(ctx.out, " ... in file " + Names.display(path));
                ctx.out.println("     (tree " + parentTree.hex() + ")");
            } else {
                Names.println(ctx.out, " ... path " + Names.display(path));
            }
            ctx.out.println(" ... in snapshot " + s.id().shortHex() + " (" + NodeFormat.local(s.time()) + ")");
        }
        any[0] = true;
        ctx.checkOutput();
    }

    /** --show-pack-id: the pack holding each object found, restic's two lines per object. */
    private void showPacks(Repository repo) {
        for (Map.Entry<Id, BlobType> e : foundObjects.entrySet()) {
            PackedBlob pb = repo.findBlob(e.getValue(), e.getKey()).orElse(null);
            if (pb == null) {
                ctx.out.println("Object " + e.getKey().shortHex() + " not found in the index");
                continue;
            }
            // restic's lines: the pack's full then short ID, and its Blob.String() (type, short ID,
            // offset and stored length in the pack, uncompressed length: 0 when stored uncompressed)
            ctx.out.println("Object belongs to pack " + pb.pack().hex());
            ctx.out.println(" ... Pack " + pb.pack().shortHex() + ": <Blob (" + e.getValue().json() + ") "
                    + e.getKey().shortHex() + ", offset " + pb.offset() + ", length " + pb.length()
                    + ", uncompressed length " + pb.uncompressedLength() + ">");
        }
    }

    private static boolean matchesAny(Set<String> prefixes, Id id) {
        if (prefixes.isEmpty()) return false;
        String hex = id.hex();
        if (prefixes.contains(hex)) return true;
        for (String p : prefixes) if (hex.startsWith(p)) return true;
        return false;
    }

    /** IDs given as patterns: full or abbreviated hex, lower-cased. */
    private static List<String> hexIds(String option, List<String> raw) {
        List<String> out = new ArrayList<>();
        for (String p : raw) {
            String h = p.toLowerCase(Locale.ROOT);
            if (h.isEmpty() || h.length() > 64 || !h.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw new UserException(option + ": '" + Names.display(p) + "' is not an ID (1 to 64 hex digits)");
            }
            out.add(h);
        }
        return out;
    }

    /** --pack: the blobs stored in the packs (from the pack files' headers, else from the index). */
    private void packsToBlobs(Repository repo, List<String> packs, Set<String> blobs, Set<String> trees) throws IOException {
        Set<Id> known = new LinkedHashSet<>(repo.listFiles(Repository.FileKind.PACK));
        known.addAll(repo.indexedPacks());
        Map<Id, List<PackedBlob>> byPack = null;
        List<String> missing = new ArrayList<>();
        for (String p : packs) {
            List<Id> hits = known.stream().filter(id -> id.hex().startsWith(p)).toList();
            if (hits.isEmpty()) {
                missing.add(p);
                continue;
            }
            if (hits.size() > 1) throw new UserException("--pack: ID prefix '" + p + "' is ambiguous");
            Id pack = hits.get(0);
            try {
                for (Pack.Entry e : repo.loadPackHeader(pack)) {
                    (e.type() == BlobType.TREE ? trees : blobs).add(e.id().hex());
                }
            } catch (IOException | RuntimeException e) {
                // a pack file that cannot be read: its index entries still say what it held
                if (byPack == null) byPack = repo.blobsByPack();
                for (PackedBlob b : byPack.getOrDefault(pack, List.of())) {
                    (b.type() == BlobType.TREE ? trees : blobs).add(b.id().hex());
                }
            }
        }
        if (!missing.isEmpty()) throw new UserException("unable to find pack(s): " + missing);
    }

    private void raw(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ctx.out.write(b, 0, b.length);
    }

    private static final List<DateTimeFormatter> TIME_FORMATS = List.of(
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx", Locale.ROOT),
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT),
            DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss xx", Locale.ROOT),
            DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss z", Locale.ROOT),
            DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss xx z yyyy", Locale.ROOT));
    private static final List<DateTimeFormatter> LOCAL_FORMATS = List.of(
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT),
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT),
            DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm", Locale.ROOT),
            DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss", Locale.ROOT));
    private static final List<DateTimeFormatter> DATE_FORMATS = List.of(
            DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT),
            DateTimeFormatter.ofPattern("dd.MM.yyyy", Locale.ROOT));

    /**
     * restic's find time formats ("2006-01-02", "2006-01-02 15:04[:05][ -0700|MST]",
     * "02.01.2006…"), local time unless a zone is given.
     *
     * @throws UserException naming the option when no format fits
     */
    static OffsetDateTime parseTime(String option, String s) {
        for (DateTimeFormatter f : TIME_FORMATS) {
            try {
                return ZonedDateTime.parse(s, f).toOffsetDateTime();
            } catch (DateTimeParseException e) {
                // next format
            }
        }
        ZoneId local = ZoneId.systemDefault();
        for (DateTimeFormatter f : LOCAL_FORMATS) {
            try {
                return LocalDateTime.parse(s, f).atZone(local).toOffsetDateTime();
            } catch (DateTimeParseException e) {
                // next format
            }
        }
        for (DateTimeFormatter f : DATE_FORMATS) {
            try {
                return LocalDate.parse(s, f).atStartOfDay(local).toOffsetDateTime();
            } catch (DateTimeParseException e) {
                // next format
            }
        }
        throw new UserException(option + ": unable to parse time \"" + s + "\" (use 2006-01-02, 2006-01-02 15:04 or 2006-01-02 15:04:05)");
    }

    /** One name glob as a regex over code points (raw bytes are one character each), as {@link FindPattern} reads a part. */
    static String globRegex(String glob) {
        return FindPattern.globRegex(glob, glob);
    }

    /**
     * Walks a snapshot's tree, depth first in stored order, iteratively (a hostile tree may nest
     * thousands of folders). A folder whose tree cannot be read (missing or damaged blob) or breaks
     * {@link TreeRules} is reported once by its path and its content is skipped; the walk goes on with the rest of the snapshot, as restic's find
     * ("Unable to load tree …") and as restore, which restores everything else.
     *
     * @throws TreeWalker.TooDeepException    below {@link TreeRules#MAX_DEPTH} folders (the snapshot is
     *                                        named by the caller)
     * @throws java.io.InterruptedIOException when the thread is interrupted (Ctrl-C)
     * @throws IOException                    from the visitor (e.g. a reader that went away)
     */
    private void walk(Repository repo, Snapshot s, TreeWalker.ShownVisitor v) throws IOException {
        try {
            walkTrees(repo, s, v);
        } catch (org.lifeboat.repository.RepositoryException e) {
            throw new org.lifeboat.repository.RepositoryException("snapshot " + s.id().shortHex() + ": " + e.getMessage(), e);
        }
    }

    private void walkTrees(Repository repo, Snapshot s, TreeWalker.ShownVisitor v) throws IOException {
        // Searched as restore would restore it: a damaged or unreadable folder's content is not
        // (named once), the rest of the snapshot is (as restic's find); a tree deeper than
        // TreeRules.MAX_DEPTH refuses the snapshot, as ls and stats do.
        TreeWalker.walk(repo, s.tree(), "", v,
                (shown, tree, problems) -> damaged(s, shown, problems, "is damaged: "),
                (shown, tree, why) -> damaged(s, shown, List.of(why.getMessage()), "cannot be read: "));
    }

    /** One warning per damaged folder: its snapshot, its path and its first problem. */
    private void damaged(Snapshot s, String shown, List<String> problems, String how) {
        String m = how.equals("is damaged: ") ? TreeWalker.damagedMessage(shown, problems)
                : "folder " + TreeWalker.abbreviate(shown) + " " + how + problems.getFirst();
        ctx.warn("not searched in snapshot " + s.id().shortHex() + ": the content of " + m);
        unreadableTrees++;
    }

    /** A node and the ID of the tree holding it. */
    @FunctionalInterface
    private interface ParentVisitor {
        void visit(String path, Id parentTree, Node n) throws IOException;
    }

    /** {@link #walk}, telling the visitor the tree each node is in (restic's "(tree …)"). */
    private void walkWithParent(Repository repo, Snapshot s, ParentVisitor v) throws IOException {
        // parents by path depth: the walk is depth first, so the folder at depth d is the last one seen there
        List<Id> parents = new ArrayList<>();
        parents.add(s.tree());
        walk(repo, s, (path, shown, n) -> {
            int depth = (int) path.chars().filter(c -> c == '/').count(); // 1 for "/a"
            Id parent = parents.get(depth - 1);
            v.visit(path, parent, n);
            if (n.type() == NodeType.DIR && n.subtree() != null) {
                while (parents.size() > depth) parents.remove(parents.size() - 1);
                parents.add(n.subtree());
            }
            return true;
        });
    }
}
