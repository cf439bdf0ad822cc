package org.lifeboat.repository.tree;

import java.io.IOException;
import java.util.List;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;

/** Depth-first walks over snapshot trees, in name order, with '/'-separated paths. */
public final class TreeWalker {
    private TreeWalker() {}

    /** Called for each node; return false from a folder to skip its contents. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(String path, Node node) throws IOException;
    }

    public static List<Node> load(Repository repo, Id tree) throws IOException {
        return TreeCodec.decode(repo.loadBlob(BlobType.TREE, tree)).nodes();
    }

    public static void walk(Repository repo, Id tree, String prefix, Visitor v) throws IOException {
        for (Node n : load(repo, tree)) {
            String p = prefix + "/" + n.name();
            boolean descend = v.visit(p, n);
            if (descend && n.type() == NodeType.DIR && n.subtree() != null) walk(repo, n.subtree(), p, v);
        }
    }

    /**
     * The tree ID of a folder inside a snapshot ("/" or "" for the root), or an exception naming
     * the first component that does not exist or is not a folder.
     */
    public static Id subtree(Repository repo, Id root, String path) throws IOException {
        Id cur = root;
        String walked = "";
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            Node found = null;
            for (Node n : load(repo, cur)) {
                if (n.name().equals(part)) {
                    found = n;
                    break;
                }
            }
            walked += "/" + part;
            if (found == null) throw new RepositoryException("path " + walked + " is not in the snapshot");
            if (found.type() != NodeType.DIR || found.subtree() == null) {
                throw new RepositoryException("path " + walked + " is not a folder in the snapshot");
            }
            cur = found.subtree();
        }
        return cur;
    }

    /** The node at a path (null for the root itself), or an exception if it does not exist. */
    public static Node find(Repository repo, Id root, String path) throws IOException {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        int slash = p.lastIndexOf('/');
        String parent = slash <= 0 ? "/" : p.substring(0, slash);
        String name = p.substring(slash + 1);
        if (name.isEmpty()) return null;
        for (Node n : load(repo, subtree(repo, root, parent))) {
            if (n.name().equals(name)) return n;
        }
        throw new RepositoryException("path " + p + " is not in the snapshot");
    }
}
