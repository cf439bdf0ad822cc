package org.lifeboat.cli;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code diff}: what changed between two snapshots (or sub-folders), printed as found in restic's
 * order. Memory is bounded by the folder depth plus the distinct blobs met (changes are never
 * collected), so even a tree reusing one subtree at every level only costs time, and Ctrl-C ends
 * it. {@code --json} ends with restic's statistics message (added/removed: files, dirs, others,
 * data_blobs, tree_blobs, bytes), for which folders both sides share are read once each.
 */
@Command(name = "diff", description = "Show what changed between two snapshots: + added, - removed, M content, T type, U metadata.",
        footer = {"", "Examples:", "  lifeboat diff 1a2b3c4d 5e6f7a8b", "  lifeboat diff --metadata 1a2b3c4d latest"})
final class DiffCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "SNAPSHOT-A", description = "the older snapshot: ID, prefix or latest")
    String a;

    @Parameters(index = "1", paramLabel = "SNAPSHOT-B", description = "the newer snapshot: ID, prefix or latest")
    String b;

    @Option(names = "--metadata", description = "also show files whose metadata (mode, owner, times) changed")
    boolean metadata;

    /** Where changes are printed as they are found (set by {@link #call}). */
    private Context ctx;
    private long added;
    private long removed;
    private long changed;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        this.ctx = ctx;
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Snapshots sa = Snapshots.resolve(ctx, repo, SnapshotFilter.ALL, a);
            Snapshots sb = Snapshots.resolve(ctx, repo, SnapshotFilter.ALL, b);
            Id ta = sa.root(repo);
            Id tb = sb.root(repo);
            if (!ctx.json()) {
                ctx.info("comparing snapshot " + sa.snapshot().id().shortHex() + " to " + sb.snapshot().id().shortHex() + ":");
                ctx.info(""); // as restic
            }
            before.add(ta);
            afterTrees.add(tb);
            beforeTrees.add(ta);
            after.add(tb);
            diff(repo, ta, tb, "", 0);
            if (ctx.json()) {
                var o = Json.MAPPER.createObjectNode().put("message_type", "statistics")
                        // the arguments as given, as restic
                        .put("source_snapshot", a).put("target_snapshot", b).put("changed_files", changed);
                // restic's "added"/"removed" objects (blobs only on one side, plaintext bytes);
                // added_files and removed_files are Lifeboat's: every node added or removed
                blobStats(repo, o.putObject("added"), addedStat, after, before, afterTrees);
                blobStats(repo, o.putObject("removed"), removedStat, before, after, beforeTrees);
                o.put("added_files", added).put("removed_files", removed);
                ctx.printJson(o);
            } else {
                // restic's statistics block, line for line
                var ad = Json.MAPPER.createObjectNode();
                var rm = Json.MAPPER.createObjectNode();
                blobStats(repo, ad, addedStat, after, before, afterTrees);
                blobStats(repo, rm, removedStat, before, after, beforeTrees);
                ctx.info("");
                ctx.info(String.format(java.util.Locale.ROOT, "Files:       %5d new, %5d removed, %5d changed",
                        ad.get("files").asLong(), rm.get("files").asLong(), changed));
                for (String[] l : new String[][] {{"Dirs:       ", "dirs"}, {"Others:     ", "others"},
                        {"Data Blobs: ", "data_blobs"}, {"Tree Blobs: ", "tree_blobs"}}) {
                    ctx.info(String.format(java.util.Locale.ROOT, "%s %5d new, %5d removed", l[0],
                            ad.get(l[1]).asLong(), rm.get(l[1]).asLong()));
                }
                ctx.info(String.format("  Added:   %-5s", goBytes(ad.get("bytes").asLong())));
                ctx.info(String.format("  Removed: %-5s", goBytes(rm.get("bytes").asLong())));
            }
        }
        return ExitCodes.OK;
    }

    /** files, dirs, others (restic's DiffStat counters) for added and removed nodes. */
    private final long[] addedStat = new long[3];
    private final long[] removedStat = new long[3];
    /** Blobs each side uses in the parts compared (data and trees), and trees in common subtrees. */
    private final java.util.Set<Id> before = new java.util.HashSet<>();
    private final java.util.Set<Id> after = new java.util.HashSet<>();
    private final java.util.Set<Id> beforeTrees = new java.util.HashSet<>();
    private final java.util.Set<Id> afterTrees = new java.util.HashSet<>();
    private final java.util.Set<Id> common = new java.util.HashSet<>();
    private final java.util.Set<Id> collected = new java.util.HashSet<>();

    private static void count(long[] stat, Node n) {
        stat[n.type() == NodeType.FILE ? 0 : n.type() == NodeType.DIR ? 1 : 2]++;
    }

    private static void addBlobs(java.util.Set<Id> blobs, java.util.Set<Id> trees, Node n) {
        if (n == null) return;
        if (n.type() == NodeType.FILE && n.content() != null) blobs.addAll(n.content());
        if (n.type() == NodeType.DIR && n.subtree() != null) {
            blobs.add(n.subtree());
            trees.add(n.subtree());
        }
    }

    /**
     * restic's collectDir: the blobs below a subtree both sides share. Each tree is read once
     * ({@code collected}), so a tree reusing one subtree at every level costs its distinct trees.
     */
    private void collect(Repository repo, Id tree) throws IOException {
        java.util.Deque<Id> todo = new java.util.ArrayDeque<>();
        if (collected.add(tree)) todo.push(tree);
        while (!todo.isEmpty()) {
            if (Thread.interrupted()) throw new java.io.InterruptedIOException("interrupted while comparing");
            for (Node n : TreeWalker.load(repo, todo.pop())) {
                addBlobs(common, new java.util.HashSet<>(), n);
                if (n.type() == NodeType.DIR && n.subtree() != null && collected.add(n.subtree())) todo.push(n.subtree());
            }
        }
    }

    /** One side's restic DiffStat: node counts, and the blobs only {@code mine} has (count and plaintext bytes). */
    private void blobStats(Repository repo, com.fasterxml.jackson.databind.node.ObjectNode o, long[] stat,
            java.util.Set<Id> mine, java.util.Set<Id> theirs, java.util.Set<Id> myTrees) {
        long data = 0;
        long trees = 0;
        long bytes = 0;
        for (Id id : mine) {
            if (theirs.contains(id) || common.contains(id)) continue;
            boolean tree = myTrees.contains(id);
            if (tree) trees++;
            else data++;
            var pb = repo.findBlob(tree ? org.lifeboat.repository.BlobType.TREE : org.lifeboat.repository.BlobType.DATA, id);
            if (pb.isPresent()) bytes += pb.get().plainLength();
        }
        o.put("files", stat[0]).put("dirs", stat[1]).put("others", stat[2]).put("data_blobs", data)
                .put("tree_blobs", trees).put("bytes", bytes);
    }

    /** Two folders being compared: their names still to visit, raw path and depth in folders. */
    private record Pair(Map<String, Node> a, Map<String, Node> b, java.util.Iterator<String> names, String prefix) {}

    /**
     * Compares two folders ({@code prefix} is their raw path) depth-first in name order, with
     * an explicit stack: no recursion, and folders nested deeper than {@link TreeRules#MAX_DEPTH}
     * are refused with {@link TreeWalker.TooDeepException}.
     */
    private void diff(Repository repo, Id ta, Id tb, String prefix, int depth) throws IOException {
        java.util.Deque<Pair> stack = new java.util.ArrayDeque<>();
        if (!Objects.equals(ta, tb)) stack.push(pair(repo, ta, tb, prefix));
        while (!stack.isEmpty()) {
            Pair f = stack.peek();
            if (!f.names().hasNext()) {
                stack.pop();
                continue;
            }
            String name = f.names().next();
            Node x = f.a().get(name);
            Node y = f.b().get(name);
            String p = f.prefix() + "/" + name; // raw: the output quotes it (Names.display)
            Id subA = null;
            Id subB = null;
            addBlobs(before, beforeTrees, x);
            addBlobs(after, afterTrees, y);
            if (x == null) {
                record("+", p, y);
                count(addedStat, y);
                added++;
                if (y.type() == NodeType.DIR) subB = y.subtree();
            } else if (y == null) {
                record("-", p, x);
                count(removedStat, x);
                removed++;
                if (x.type() == NodeType.DIR) subA = x.subtree();
            } else if (x.type() != y.type()) {
                // restic: T (and U with --metadata); only content changes count as changed files
                record(metadata && !sameMeta(x, y) ? "TU" : "T", p, y);
            } else if (x.type() == NodeType.DIR) {
                if (metadata && !sameMeta(x, y)) record("U", p, y);
                subA = x.subtree();
                subB = y.subtree();
            } else if (x.type() == NodeType.FILE && !Objects.equals(x.content(), y.content())) {
                // M is a file whose content changed (restic); a symlink's new target is metadata (U)
                record("M", p, y);
                changed++;
            } else if (metadata && !sameMeta(x, y)) {
                record("U", p, y);
            }
            if (subA != null && subA.equals(subB)) collect(repo, subA);
            if ((subA != null || subB != null) && !Objects.equals(subA, subB)) {
                if (depth + stack.size() > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(Names.display(p), depth + stack.size());
                if (Thread.interrupted()) throw new java.io.InterruptedIOException("interrupted while comparing " + p);
                stack.push(pair(repo, subA, subB, p));
            }
        }
    }

    private static Pair pair(Repository repo, Id ta, Id tb, String prefix) throws IOException {
        // restic's order: names compared as bytes (raw bytes in names included)
        Map<String, Node> ma = new TreeMap<>(Tree.NAME_ORDER);
        Map<String, Node> mb = new TreeMap<>(Tree.NAME_ORDER);
        if (ta != null) for (Node n : TreeWalker.load(repo, ta)) ma.put(n.name(), n);
        if (tb != null) for (Node n : TreeWalker.load(repo, tb)) mb.put(n.name(), n);
        java.util.TreeSet<String> names = new java.util.TreeSet<>(Tree.NAME_ORDER);
        names.addAll(ma.keySet());
        names.addAll(mb.keySet());
        return new Pair(ma, mb, names.iterator(), prefix);
    }

    /** Mode, owner, mtime, size, symlink target and extended attributes (restic's Node.Equals also compares ctime and inode). */
    private static boolean sameMeta(Node x, Node y) {
        return x.mode() == y.mode() && x.uid() == y.uid() && x.gid() == y.gid() && Objects.equals(x.mtime(), y.mtime())
                && x.size() == y.size() && Objects.equals(x.linkTarget(), y.linkTarget()) && sameXattrs(x, y);
    }

    private static boolean sameXattrs(Node x, Node y) {
        var a = x.extendedAttributes();
        var b = y.extendedAttributes();
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).name().equals(b.get(i).name()) || !java.util.Arrays.equals(a.get(i).value(), b.get(i).value())) return false;
        }
        return true;
    }

    /** restic's ui.FormatBytes: "12 B", "1.500 KiB", "3.000 MiB". */
    static String goBytes(long c) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (c >= 1L << shifts[i]) return String.format(java.util.Locale.ROOT, "%.3f %s", (double) c / (1L << shifts[i]), units[i]);
        }
        return c + " B";
    }

    /**
     * Prints one change at once (restic's order: depth first, names in byte order), so memory stays
     * bounded by the folder depth however many changes there are (a tree reusing one subtree at every
     * level has 2^60 of them); JSON is one object per line, as restic's diff --json.
     */
    private void record(String mod, String path, Node n) {
        String p = n.type() == NodeType.DIR ? path + "/" : path;
        if (ctx.json()) {
            Names.printJson(ctx.out, Json.MAPPER.createObjectNode().put("message_type", "change").put("path", p).put("modifier", mod));
        } else {
            Names.println(ctx.out, String.format("%-5s%s", mod, Names.display(p)));
        }
        ctx.checkOutput(); // a reader that went away (diff … | head) ends the command
    }
}
