package org.lifeboat.repository.tree;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;

/**
 * Depth-first walks over snapshot trees, in stored order, with '/'-separated paths. Walks are
 * iterative (a hostile 20,000-level tree cannot overflow the stack) and stop with
 * {@link TooDeepException} below {@link TreeRules#MAX_DEPTH} folders.
 */
public final class TreeWalker {
    private TreeWalker() {}

    /** Called for each node; return false from a folder to skip its contents. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(String path, Node node) throws IOException;
    }

    /**
     * Like {@link Visitor}, also given the path as it may be printed: names that are unsafe or hold
     * control characters appear quoted and escaped (see {@link #shownName}), so a name cannot forge
     * an output line or pass for two path components.
     */
    @FunctionalInterface
    public interface ShownVisitor {
        boolean visit(String path, String shownPath, Node node) throws IOException;
    }

    /** A folder nested deeper than {@link TreeRules#MAX_DEPTH}; the message names its (printable) path. */
    public static final class TooDeepException extends RepositoryException {
        public TooDeepException(String shownPath) {
            super("folder " + shownPath + " is nested more than " + TreeRules.MAX_DEPTH
                    + " folders deep, deeper than any file system allows; refusing to read below it");
        }
    }

    /** The nodes of a tree blob. IOException when the blob is missing, damaged or not a tree. */
    public static List<Node> load(Repository repo, Id tree) throws IOException {
        return TreeCodec.decode(repo.loadBlob(BlobType.TREE, tree)).nodes();
    }

    /** {@link #load}, with a tree that does not decode named by its ID and path. */
    static List<Node> load(Repository repo, Id tree, String shownPath) throws IOException {
        try {
            return load(repo, tree);
        } catch (RepositoryException e) {
            throw e;
        } catch (IOException e) {
            throw new RepositoryException("tree " + tree.shortHex() + " of folder " + (shownPath.isEmpty() ? "/" : shownPath)
                    + " is damaged: " + e.getMessage(), e);
        }
    }

    /** Walks the tree below {@code prefix} ("" for the snapshot's root); see {@link ShownVisitor}. */
    public static void walk(Repository repo, Id tree, String prefix, Visitor v) throws IOException {
        walk(repo, tree, prefix, (p, shown, n) -> v.visit(p, n));
    }

    /**
     * Walks the tree below {@code prefix} ("" for the root, else "/a/b"), visiting each node
     * before its folder's contents. TooDeepException below {@link TreeRules#MAX_DEPTH} folders;
     * RepositoryException (naming the folder) for a tree that cannot be read.
     */
    public static void walk(Repository repo, Id tree, String prefix, ShownVisitor v) throws IOException {
        String shownPrefix = shownPath(prefix);
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(load(repo, tree, shownPrefix), prefix, shownPrefix, depth(prefix)));
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (f.next >= f.nodes.size()) {
                stack.pop();
                continue;
            }
            Node n = f.nodes.get(f.next++);
            String p = f.prefix + "/" + n.name();
            String shown = f.shownPrefix + "/" + shownName(n.name());
            boolean descend = v.visit(p, shown, n);
            if (descend && n.type() == NodeType.DIR && n.subtree() != null) {
                if (f.depth + 1 > TreeRules.MAX_DEPTH) throw new TooDeepException(shown);
                stack.push(new Frame(load(repo, n.subtree(), shown), p, shown, f.depth + 1));
            }
        }
    }

    /** One folder being walked: its nodes, the next to visit, and its path and depth in folders. */
    private static final class Frame {
        final List<Node> nodes;
        final String prefix;
        final String shownPrefix;
        final int depth;
        int next;

        Frame(List<Node> nodes, String prefix, String shownPrefix, int depth) {
            this.nodes = nodes;
            this.prefix = prefix;
            this.shownPrefix = shownPrefix;
            this.depth = depth;
        }
    }

    private static int depth(String path) {
        int d = 0;
        for (String part : path.split("/")) if (!part.isEmpty()) d++;
        return d;
    }

    /**
     * A node name as it may be printed: unchanged when it is a safe name of printable characters,
     * otherwise quoted with control characters escaped ({@link TreeRules#quote}), so a name holding
     * a newline, NUL or '/' (or being empty, "." or "..") cannot forge output or pass for a path.
     */
    public static String shownName(String name) {
        if (name == null) return "\"\"";
        boolean plain = TreeRules.nameProblem(name) == null && !name.startsWith("\"");
        for (int i = 0; plain && i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') plain = false;
        }
        return plain ? name : TreeRules.quote(name);
    }

    /** A user-given path as it may be printed (only control characters need care there). */
    private static String shownPath(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) return TreeRules.quote(path);
        }
        return path;
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
            for (Node n : load(repo, cur, walked)) {
                if (n.name().equals(part)) {
                    found = n;
                    break;
                }
            }
            walked += "/" + shownName(part);
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
        for (Node n : load(repo, subtree(repo, root, parent), parent)) {
            if (n.name().equals(name)) return n;
        }
        throw new RepositoryException("path " + shownPath(p) + " is not in the snapshot");
    }
}
