package org.lifeboat.restore;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * What trees hold below them as restic's {@code stats --mode restore-size} counts it: the bytes a
 * restore writes. Used by {@code stats}, {@code forecast} and the service's status.
 */
public final class TreeTotals {
    private TreeTotals() {}

    /**
     * The bytes a restore of {@code s} writes (snapshots without a summary, written by restic before
     * 0.17): each tree summed once per tree ID; damaged folders count as empty.
     *
     * @throws IOException when a tree cannot be read
     */
    public static long restoreSize(Repository repo, Snapshot s) throws IOException {
        return totals(repo, s.tree(), new HashMap<>(), null, (shown, id, problems) -> { }).restoreSize();
    }

    /**
     * What one tree holds below it, as restic's restore-size mode counts it: {@code nodes} (every
     * node, folders included), {@code size} (bytes of files that are not hard links),
     * {@code inodes} (hard-linked files' sizes by device and inode, first name seen first: a hard
     * link's size counts once per snapshot) and {@code height} (folders below, for the depth limit).
     */
    public record Totals(long nodes, long size, Map<String, Long> inodes, int height) {
        public static final Totals EMPTY = new Totals(0, 0, Map.of(), 0);

        /** Bytes a restore writes: plain files plus each hard-linked inode once. */
        public long restoreSize() {
            long t = size;
            for (long v : inodes.values()) t = Math.addExact(t, v);
            return t;
        }
    }

    /** A tree whose totals are being summed: its nodes, the next one, and the sums so far. */
    private static final class Frame {
        final Id id;
        final List<Node> nodes;
        final String shown;
        final int depth;
        int next;
        long count;
        long size;
        Map<String, Long> inodes = Map.of();
        int height;

        /** false in raw-data mode: sums then saturate at Long.MAX_VALUE (they are not printed) */
        final boolean exact;

        Frame(Id id, List<Node> nodes, String shown, int depth, boolean exact) {
            this.exact = exact;
            this.id = id;
            this.nodes = nodes;
            this.shown = shown;
            this.depth = depth;
        }

        long sum(long a, long b) {
            if (exact) return Math.addExact(a, b);
            long r = a + b;
            return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
        }

        void add(Totals t) {
            count = sum(count, t.nodes());
            size = sum(size, t.size());
            height = Math.max(height, t.height() + 1);
            if (!t.inodes().isEmpty()) {
                if (inodes.isEmpty()) inodes = new LinkedHashMap<>();
                t.inodes().forEach(inodes::putIfAbsent);
            }
        }
    }

    /**
     * Sums a tree once per tree ID ({@code memo}), so a tree that reuses one subtree at every level
     * (2^60 paths from a few KB) takes time and memory proportional to its distinct trees, not to
     * its paths. A tree breaking {@link TreeRules} is given to {@code damaged} once (at the first
     * path it is met) and counts as empty. When {@code blobs} is not null, the IDs of the data
     * blobs and trees met are added to it (raw-data mode), and the sums, which that mode does not
     * use, saturate at {@link Long#MAX_VALUE} instead of failing.
     *
     * @throws TreeWalker.TooDeepException for folders nested deeper than {@link TreeRules#MAX_DEPTH}
     * @throws ArithmeticException when a total exceeds {@link Long#MAX_VALUE} (restore-size mode)
     * @throws IOException when a tree cannot be read (RepositoryException naming the folder)
     */
    public static Totals totals(Repository repo, Id root, Map<Id, Totals> memo, Set<Id> blobs, TreeWalker.Damaged damaged)
            throws IOException {
        Totals known = memo.get(root);
        if (known != null) return known;
        Deque<Frame> stack = new ArrayDeque<>();
        List<Node> first = checked(repo, root, "", memo, damaged);
        if (first == null) return Totals.EMPTY;
        stack.push(new Frame(root, first, "", 0, blobs == null));
        while (true) {
            Frame f = stack.peek();
            if (f.next >= f.nodes.size()) {
                stack.pop();
                Totals t = new Totals(f.count, f.size, f.inodes, f.height);
                memo.put(f.id, t);
                if (stack.isEmpty()) return t;
                stack.peek().add(t);
                continue;
            }
            Node n = f.nodes.get(f.next++);
            f.count = f.sum(f.count, 1);
            if (blobs != null && n.content() != null) blobs.addAll(n.content());
            if (n.type() == NodeType.FILE) {
                if (n.links() <= 1) f.size = f.sum(f.size, n.size());
                else {
                    if (f.inodes.isEmpty()) f.inodes = new LinkedHashMap<>();
                    f.inodes.putIfAbsent(n.deviceId() + ":" + n.inode(), n.size());
                }
            }
            if (n.type() != NodeType.DIR || n.subtree() == null) continue;
            String shown = f.shown + "/" + TreeWalker.shownName(n.name());
            int depth = f.depth + 1;
            if (depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(shown, depth);
            Totals sub = memo.get(n.subtree());
            if (sub != null) {
                if (depth + sub.height() > TreeRules.MAX_DEPTH) {
                    throw new TreeWalker.TooDeepException(shown + "/…", depth + sub.height());
                }
                f.add(sub);
                continue;
            }
            if (Thread.interrupted()) throw new java.io.InterruptedIOException("interrupted while reading " + shown);
            if (blobs != null) blobs.add(n.subtree());
            List<Node> nodes = checked(repo, n.subtree(), shown, memo, damaged);
            if (nodes == null) {
                f.add(Totals.EMPTY);
                continue;
            }
            stack.push(new Frame(n.subtree(), nodes, shown, depth, blobs == null));
        }
    }

    /** A tree's nodes, or null when it breaks {@link TreeRules} (then reported and remembered as empty). */
    private static List<Node> checked(Repository repo, Id id, String shown, Map<Id, Totals> memo, TreeWalker.Damaged damaged)
            throws IOException {
        List<Node> nodes;
        try {
            nodes = TreeWalker.load(repo, id);
        } catch (RepositoryException e) {
            throw e;
        } catch (IOException e) {
            throw new RepositoryException("tree " + id.shortHex() + " of folder " + (shown.isEmpty() ? "/" : shown)
                    + " is damaged: " + e.getMessage(), e);
        }
        List<String> problems = TreeRules.problems(new Tree(nodes));
        if (problems.isEmpty()) return nodes;
        damaged.damaged(shown.isEmpty() ? "/" : shown, id, problems);
        memo.put(id, Totals.EMPTY);
        return null;
    }
}
