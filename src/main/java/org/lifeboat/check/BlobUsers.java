package org.lifeboat.check;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
    private BlobUsers() {}

    /**
     * One line per snapshot path that uses one of {@code blobs}: a folder whose listing is one of
     * the tree blobs, or a file that needs one of the data blobs. A key's type matters: a tree blob
     * never makes a file that names the same ID as data damaged, nor the other way round.
     */
    static List<String> find(Repository repo, List<Snapshot> snaps, Set<BlobKey> blobs) {
        List<String> out = new ArrayList<>();
        for (Snapshot s : snaps) {
            Set<String> paths = new java.util.TreeSet<>();
            walk(repo, s.tree(), "", 0, blobs, paths);
            for (String p : paths) out.add("snapshot " + s.id().shortHex() + " (" + s.time().toLocalDate() + "): " + p
                    + " is damaged");
        }
        return out;
    }

    /**
     * Depth-first with an explicit stack (a hostile tree may nest thousands of folders); stops at
     * {@link TreeRules#MAX_DEPTH} folders, as check reports deeper trees itself.
     */
    private static void walk(Repository repo, Id root, String rootPrefix, int rootDepth, Set<BlobKey> blobs, Set<String> out) {
        record Folder(Id tree, String prefix, int depth) {}
        java.util.ArrayDeque<Folder> stack = new java.util.ArrayDeque<>();
        stack.push(new Folder(root, rootPrefix, rootDepth));
        while (!stack.isEmpty()) {
            Folder f = stack.pop();
            if (f.depth() > TreeRules.MAX_DEPTH) continue;
            if (blobs.contains(BlobKey.tree(f.tree()))) {
                out.add((f.prefix().isEmpty() ? "/" : f.prefix()) + " (folder listing)");
                continue;
            }
            List<Node> nodes;
            try {
                nodes = TreeCodec.decode(repo.loadBlob(BlobType.TREE, f.tree())).nodes();
            } catch (IOException e) {
                continue;
            }
            for (Node n : nodes) {
                String p = f.prefix() + "/" + TreeWalker.shownName(n.name());
                if (n.type() == NodeType.DIR && n.subtree() != null) {
                    stack.push(new Folder(n.subtree(), p, f.depth() + 1));
                } else if (n.content() != null) {
                    for (Id b : n.content()) {
                        if (blobs.contains(BlobKey.data(b))) {
                            out.add(p);
                            break;
                        }
                    }
                }
            }
        }
    }
}
