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
 * order; folders whose tree IDs are equal are not read. Memory is bounded by the folder depth
 * (changes are never collected), so even a tree reusing one subtree at every level only costs
 * time, and Ctrl-C ends it.
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
            Id ta = TreeWalker.subtree(repo, sa.snapshot().tree(), sa.subfolder());
            Id tb = TreeWalker.subtree(repo, sb.snapshot().tree(), sb.subfolder());
            if (!ctx.json()) ctx.info("comparing snapshot " + sa.snapshot().id().shortHex() + " to " + sb.snapshot().id().shortHex() + ":");
            diff(repo, ta, tb, "", 0);
            if (ctx.json()) {
                ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "statistics")
                        .put("source_snapshot", sa.snapshot().id().shortHex())
                        .put("target_snapshot", sb.snapshot().id().shortHex()).put("changed_files", changed)
                        .put("added_files", added).put("removed_files", removed));
            } else {
                ctx.info("");
                ctx.info("Files: " + added + " new, " + removed + " removed, " + changed + " changed");
            }
        }
        return ExitCodes.OK;
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
            if (x == null) {
                record("+", p, y);
                added++;
                if (y.type() == NodeType.DIR) subB = y.subtree();
            } else if (y == null) {
                record("-", p, x);
                removed++;
                if (x.type() == NodeType.DIR) subA = x.subtree();
            } else if (x.type() != y.type()) {
                record("T", p, y);
                changed++;
            } else if (x.type() == NodeType.DIR) {
                if (metadata && !sameMeta(x, y)) record("U", p, y);
                subA = x.subtree();
                subB = y.subtree();
            } else if (!Objects.equals(x.content(), y.content()) || !Objects.equals(x.linkTarget(), y.linkTarget())) {
                record("M", p, y);
                changed++;
            } else if (metadata && !sameMeta(x, y)) {
                record("U", p, y);
            }
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

    private static boolean sameMeta(Node x, Node y) {
        return x.mode() == y.mode() && x.uid() == y.uid() && x.gid() == y.gid() && Objects.equals(x.mtime(), y.mtime());
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
