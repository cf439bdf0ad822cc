package org.lifeboat.check;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;

/** Finds which snapshots and file paths use given blobs, to tell users what a damage costs them. */
final class BlobUsers {
    /** Paths named per snapshot at most; more are counted in one line. */
    static final int MAX_PATHS_PER_SNAPSHOT = 1000;

    private final Repository repo;
    private final Set<BlobKey> blobs;
    /** Per tree walked: whether it uses one of the blobs, itself or below (each tree is decided once). */
    private final Map<Id, Boolean> uses = new HashMap<>();

    private BlobUsers(Repository repo, Set<BlobKey> blobs) {
        this.repo = repo;
        this.blobs = blobs;
    }

    /**
     * One line per snapshot path that uses one of {@code blobs}: a folder whose listing is one of
     * the tree blobs, or a file that needs one of the data blobs; at most
     * {@link #MAX_PATHS_PER_SNAPSHOT} per snapshot, then one line with how many more. A key's type
     * matters: a tree blob never makes a file that names the same ID as data damaged, nor the other
     * way round.
     *
     * <p>Each tree is read once to decide whether anything below it is damaged, and only those are
     * walked path by path: snapshots share most of their trees, and a hostile snapshot whose trees
     * name one subtree twice at every level has 2^depth paths through a few dozen trees.
     */
    static List<String> find(Repository repo, List<Snapshot> snaps, Set<BlobKey> blobs) {
        BlobUsers u = new BlobUsers(repo, blobs);
        List<String> out = new ArrayList<>();
        for (Snapshot s : snaps) {
            if (!u.uses(s.tree())) continue;
            TreeSet<String> paths = new TreeSet<>();
            long more = u.paths(s.tree(), paths);
            String head = "snapshot " + s.id().shortHex() + " (" + s.time().toLocalDate() + "): ";
            for (String p : paths) out.add(head + p + " is damaged");
            if (more == Long.MAX_VALUE) out.add(head + "and more damaged paths");
            else if (more > 0) out.add(head + "and " + more + " more damaged paths");
        }
        return out;
    }

    private List<Node> nodes(Id tree) {
        try {
            return TreeCodec.decode(repo.loadBlob(BlobType.TREE, tree)).nodes();
        } catch (IOException e) {
            return null; // named elsewhere by check, as a missing or damaged tree
        }
    }

    /**
     * Whether tree {@code root} or anything below it uses a blob: decided bottom-up with an explicit
     * stack (a hostile tree may nest thousands of folders), below {@link TreeRules#MAX_DEPTH} folders
     * nothing is looked at (check reports deeper trees itself). A tree that cannot be read uses
     * nothing here.
     */
    private boolean uses(Id root) {
        Boolean known = uses.get(root);
        if (known != null) return known;
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        if (!enter(root, stack)) return uses.get(root);
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            boolean found = false;
            while (f.next()[0] < f.nodes().size() && !found) {
                Node n = f.nodes().get(f.next()[0]);
                if (n.type() == NodeType.DIR && n.subtree() != null) {
                    Boolean sub = uses.get(n.subtree());
                    if (sub == null) {
                        if (stack.size() > TreeRules.MAX_DEPTH) {
                            f.next()[0]++;
                            continue;
                        }
                        // decide the subtree first, then look at this node again
                        if (enter(n.subtree(), stack)) break;
                        sub = uses.get(n.subtree());
                    }
                    found = sub;
                } else if (n.content() != null) {
                    for (Id b : n.content()) {
                        if (blobs.contains(BlobKey.data(b))) {
                            found = true;
                            break;
                        }
                    }
                }
                if (!found) f.next()[0]++;
            }
            if (stack.peek() != f) continue; // a subtree was entered
            uses.put(f.tree(), found);
            stack.pop();
        }
        return uses.get(root);
    }

    /** A tree being decided: its entries and the index of the next one to look at. */
    private record Frame(Id tree, List<Node> nodes, int[] next) {}

    /**
     * Pushes a frame for {@code tree} and returns true, or decides it at once (its listing is one of
     * the blobs, or it cannot be read) and returns false.
     */
    private boolean enter(Id tree, ArrayDeque<Frame> stack) {
        if (blobs.contains(BlobKey.tree(tree))) {
            uses.put(tree, true);
            return false;
        }
        List<Node> nodes = nodes(tree);
        if (nodes == null) {
            uses.put(tree, false);
            return false;
        }
        stack.push(new Frame(tree, nodes, new int[1]));
        return true;
    }

    /**
     * Adds the paths below {@code root} that use a blob to {@code out}, walking only into trees that
     * {@link #uses} them; returns how many more there are than {@link #MAX_PATHS_PER_SNAPSHOT}
     * ({@code Long.MAX_VALUE} when too many to count).
     */
    private long paths(Id root, Set<String> out) {
        record Folder(Id tree, String prefix, int depth) {}
        ArrayDeque<Folder> stack = new ArrayDeque<>();
        stack.push(new Folder(root, "", 0));
        long more = 0;
        while (!stack.isEmpty()) {
            Folder f = stack.pop();
            if (f.depth() > TreeRules.MAX_DEPTH) continue;
            if (blobs.contains(BlobKey.tree(f.tree()))) {
                more += add(out, (f.prefix().isEmpty() ? "/" : f.prefix()) + " (folder listing)");
                continue;
            }
            List<Node> nodes = nodes(f.tree());
            if (nodes == null) continue;
            for (Node n : nodes) {
                String p = f.prefix() + "/" + TreeWalker.shownName(n.name());
                if (n.type() == NodeType.DIR && n.subtree() != null) {
                    // decided here when the first walk stopped short of it (it stops at the first use found)
                    if (uses(n.subtree())) {
                        // every folder walked holds a path to name: the walk ends soon after the cap
                        if (out.size() >= MAX_PATHS_PER_SNAPSHOT && more > 0) return Long.MAX_VALUE;
                        stack.push(new Folder(n.subtree(), p, f.depth() + 1));
                    }
                } else if (n.content() != null) {
                    for (Id b : n.content()) {
                        if (blobs.contains(BlobKey.data(b))) {
                            more += add(out, p);
                            break;
                        }
                    }
                }
            }
        }
        return more;
    }

    private static long add(Set<String> out, String path) {
        if (out.size() < MAX_PATHS_PER_SNAPSHOT) {
            out.add(path);
            return 0;
        }
        return 1;
    }
}
