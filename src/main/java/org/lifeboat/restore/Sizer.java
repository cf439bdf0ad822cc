package org.lifeboat.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;

/**
 * Counts what a restore will create before anything is written, and stops as soon as that passes
 * the free room of the target: a hostile tree that reuses one subtree at every level (2^40 paths
 * from a megabyte) is refused after a few dozen tree loads. Without include/exclude patterns the
 * totals of each subtree are remembered by tree ID, so a reused subtree is counted once; with
 * patterns every path is visited (the limit still stops the walk). Iterative, depth limited by
 * {@link TreeRules#MAX_DEPTH}; damaged trees count as empty (the restore reports them).
 */
final class Sizer {
    /** Each file, folder or other entry takes at least one block of this many bytes. */
    static final long BLOCK = 4096;

    private final TreeLoader trees;
    private final PathPatterns includes;
    private final PathPatterns excludes;
    private final long freeBytes;
    private final long freeInodes;
    private final Map<Id, long[]> memo = new HashMap<>();
    /** device:inode of the hard-linked files counted (only nodes with links > 1). */
    private final java.util.Set<String> inodes = new java.util.HashSet<>();
    /** files, dirs, others, bytes, disk bytes: the running total of the whole walk. */
    private final long[] acc = new long[5];

    /** Thrown when the totals pass the free room; holds the totals counted so far. */
    static final class TooBig extends Exception {
        final Restorer.Plan counted;

        TooBig(Restorer.Plan counted) {
            super(null, null, false, false);
            this.counted = counted;
        }
    }

    Sizer(TreeLoader trees, PathPatterns includes, PathPatterns excludes, long freeBytes, long freeInodes) {
        this.trees = trees;
        this.includes = includes;
        this.excludes = excludes;
        this.freeBytes = freeBytes;
        this.freeInodes = freeInodes;
    }

    private static final class Frame {
        final Id tree;
        final List<Node> nodes;
        final String sn;
        final boolean included;
        final int depth;
        final long[] sub = new long[5];
        int i;
        boolean truncated;

        Frame(Id tree, List<Node> nodes, String sn, boolean included, int depth) {
            this.tree = tree;
            this.nodes = nodes;
            this.sn = sn;
            this.included = included;
            this.depth = depth;
        }
    }

    /**
     * The totals of restoring tree {@code root} (at {@code prefix} in the snapshot).
     *
     * @throws TooBig                when they pass the free bytes or inodes
     * @throws InterruptedIOException when the thread is interrupted (Ctrl-C)
     */
    Restorer.Plan count(Id root, String prefix) throws IOException, TooBig {
        boolean useMemo = includes.isEmpty() && excludes.isEmpty();
        int prefixLength = prefix.length();
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root, load(root), prefix, includes.isEmpty(), 0));
        while (!stack.isEmpty()) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("restore interrupted");
            Frame f = stack.peek();
            if (f.i >= f.nodes.size()) {
                stack.pop();
                if (useMemo && !f.truncated) memo.put(f.tree, f.sub.clone());
                Frame parent = stack.peek();
                if (parent != null) {
                    add(parent.sub, f.sub);
                    parent.truncated |= f.truncated;
                    // a folder not chosen itself is still made when something inside it is (on the way to an --include match)
                    if (!f.included && f.sub[0] + f.sub[1] + f.sub[2] > 0) count(parent.sub, 1, 0, 0);
                }
                continue;
            }
            Node n = f.nodes.get(f.i++);
            String sn = f.sn + "/" + n.name();
            // Patterns match the path inside the folder restored (restic: "restore ID:/work --include /foo")
            String rel = sn.substring(prefixLength);
            if (!excludes.isEmpty() && excludes.matches(rel)) continue;
            boolean included = f.included || includes.matches(rel);
            if (n.type() == NodeType.DIR) {
                if (n.subtree() == null) continue;
                if (included) count(f.sub, 1, 0, 0);
                if (f.depth + 1 > TreeRules.MAX_DEPTH) {
                    f.truncated = true;
                    continue;
                }
                long[] known = useMemo ? memo.get(n.subtree()) : null;
                if (known != null) {
                    add(f.sub, known);
                    add(acc, known);
                    check();
                    continue;
                }
                stack.push(new Frame(n.subtree(), load(n.subtree()), sn, included, f.depth + 1));
                continue;
            }
            if (!included) continue;
            if (n.type() == NodeType.FILE) {
                // a further name of a hard-linked inode is an entry without bytes (restic: "a
                // hardlinked file does not increase the restore size")
                boolean further = n.links() > 1 && !inodes.add(n.deviceId() + ":" + n.inode());
                count(f.sub, 0, 1, further ? 0 : n.size());
            } else {
                count(f.sub, 0, 0, 0);
            }
        }
        return plan(acc);
    }

    /** Adds one entry: a folder (dir=1), a file (file=1, size bytes) or anything else (both 0). */
    private void count(long[] sub, int dir, int file, long size) throws TooBig {
        long[] one = new long[5];
        one[0] = file;
        one[1] = dir;
        one[2] = dir == 0 && file == 0 ? 1 : 0;
        one[3] = Math.max(0, size);
        long blocks = Math.max(BLOCK, ceilBlock(Math.max(0, size)));
        one[4] = blocks;
        add(sub, one);
        add(acc, one);
        check();
    }

    private static long ceilBlock(long size) {
        long b = size / BLOCK + (size % BLOCK == 0 ? 0 : 1);
        return b > Long.MAX_VALUE / BLOCK ? Long.MAX_VALUE : b * BLOCK;
    }

    private void check() throws TooBig {
        if (acc[4] > freeBytes || inodes(acc) > freeInodes) throw new TooBig(plan(acc));
    }

    private static long inodes(long[] t) {
        return sat(sat(t[0], t[1]), t[2]);
    }

    private static Restorer.Plan plan(long[] t) {
        return new Restorer.Plan(t[0], t[1], t[2], t[3], t[4]);
    }

    private static void add(long[] into, long[] v) {
        for (int i = 0; i < into.length; i++) into[i] = sat(into[i], v[i]);
    }

    private static long sat(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** The nodes of a tree, or none when it cannot be loaded or breaks the tree rules. */
    private List<Node> load(Id tree) throws InterruptedIOException {
        TreeLoader.Loaded t = trees.get(tree);
        return t.tree() != null && t.problems().isEmpty() ? t.tree().nodes() : List.of();
    }
}
