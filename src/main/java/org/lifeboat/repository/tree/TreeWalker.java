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

    /**
     * Told about a folder whose tree breaks {@link TreeRules} (unsafe, duplicate or unsorted
     * names); the walk then skips that folder's content, as restore does.
     */
    @FunctionalInterface
    public interface Damaged {
        /**
         * @param shownPath the folder's printable path ("/" for the walk's root folder)
         * @param tree the damaged tree's ID
         * @param problems what is wrong, as {@link TreeRules#problems} says (never empty)
         * @throws IOException to end the walk
         */
        void damaged(String shownPath, Id tree, List<String> problems) throws IOException;
    }

    /** Told about a folder whose tree cannot be read (missing, damaged blob): the walk goes on without its content. */
    @FunctionalInterface
    public interface Unreadable {
        /**
         * @param shownPath the folder's printable path ("/" for the walk's root folder)
         * @param tree the tree's ID
         * @param why why it could not be read (names the blob and pack)
         * @throws IOException to end the walk
         */
        void unreadable(String shownPath, Id tree, IOException why) throws IOException;
    }

    /**
     * A folder nested deeper than {@link TreeRules#MAX_DEPTH}. The message is one readable sentence:
     * a very long path is shortened to its first ~60 characters, "…" and its last component.
     */
    public static final class TooDeepException extends RepositoryException {
        /** {@code shownPath} is the printable path of the too-deep folder; its depth is counted from its slashes. */
        public TooDeepException(String shownPath) {
            this(shownPath, levels(shownPath));
        }

        /** {@code levels} is how many folders deep {@code shownPath} lies. */
        public TooDeepException(String shownPath, int levels) {
            super("folder " + abbreviate(shownPath) + " (" + levels + " levels) is nested more than "
                    + TreeRules.MAX_DEPTH + " folders deep; refusing to go deeper");
        }

        private static int levels(String path) {
            int d = 0;
            for (int i = 0; i < path.length(); i++) if (path.charAt(i) == '/') d++;
            return d;
        }
    }

    /**
     * A path short enough for a message: unchanged up to 100 characters, else its first ~60
     * characters (cut at a '/'), "…" and its last component (itself cut to its last 40 characters).
     */
    public static String abbreviate(String path) {
        if (path.length() <= 100) return path;
        String head = path.substring(0, 60);
        int cut = path.charAt(60) == '/' ? 60 : head.lastIndexOf('/');
        if (cut > 0) head = head.substring(0, cut);
        String tail = path.substring(path.lastIndexOf('/') + 1);
        if (tail.length() > 40) tail = "…" + tail.substring(tail.length() - 40);
        return head + "/…/" + tail;
    }

    /**
     * One sentence for a damaged folder: its path and its first problem (with how many more there
     * are, so a tree of 10,000 duplicates does not make a 10,000-part line).
     */
    public static String damagedMessage(String shownPath, List<String> problems) {
        String more = problems.size() > 1 ? " and " + (problems.size() - 1) + " more problem" + (problems.size() > 2 ? "s" : "") : "";
        return "folder " + abbreviate(shownPath.isEmpty() ? "/" : shownPath) + " is damaged: " + problems.getFirst() + more;
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

    /**
     * Walks the tree below {@code prefix} ("" for the snapshot's root); see {@link ShownVisitor}.
     * Trees are taken as stored: callers that need {@link TreeRules} use the walk with {@link Damaged}.
     */
    public static void walk(Repository repo, Id tree, String prefix, Visitor v) throws IOException {
        walk(repo, tree, prefix, (p, shown, n) -> v.visit(p, n), null);
    }

    /**
     * Walks the tree below {@code prefix} ("" for the root, else "/a/b"), visiting each node
     * before its folder's contents, trees taken as stored (no {@link TreeRules} check; see the
     * walk with {@link Damaged}). TooDeepException below {@link TreeRules#MAX_DEPTH} folders;
     * RepositoryException (naming the folder) for a tree that cannot be read.
     */
    public static void walk(Repository repo, Id tree, String prefix, ShownVisitor v) throws IOException {
        walk(repo, tree, prefix, v, null);
    }

    /**
     * Like {@link #walk(Repository, Id, String, ShownVisitor)}, and every tree (the first one
     * included) is checked against {@link TreeRules#problems}: a tree that breaks them is given to
     * {@code damaged} (when not null) and its folder's content is not visited. Memory is bounded by
     * the depth (at most {@link TreeRules#MAX_DEPTH} trees are held); time is proportional to the
     * paths visited, so a tree reusing one subtree at every level takes as long as its logical size
     * (callers that only need totals memoise by tree ID instead). The walk stops early when the
     * thread is interrupted (InterruptedIOException), so Ctrl-C ends it.
     */
    public static void walk(Repository repo, Id tree, String prefix, ShownVisitor v, Damaged damaged) throws IOException {
        walk(repo, tree, prefix, v, damaged, null);
    }

    /**
     * Like {@link #walk(Repository, Id, String, ShownVisitor, Damaged)}, and a tree that cannot be
     * read is given to {@code unreadable} (when not null) and its folder's content skipped, so the
     * walk goes on with the rest (restic's find), instead of ending with a RepositoryException.
     */
    public static void walk(Repository repo, Id tree, String prefix, ShownVisitor v, Damaged damaged, Unreadable unreadable)
            throws IOException {
        String shownPrefix = shownPath(prefix);
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(checked(repo, tree, shownPrefix, damaged, unreadable), prefix, shownPrefix, depth(prefix)));
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
                if (f.depth + 1 > TreeRules.MAX_DEPTH) throw new TooDeepException(shown, f.depth + 1);
                if (Thread.interrupted()) throw new java.io.InterruptedIOException("interrupted while reading " + shown);
                stack.push(new Frame(checked(repo, n.subtree(), shown, damaged, unreadable), p, shown, f.depth + 1));
            }
        }
    }

    /** The nodes of a tree, or none (after telling {@code damaged}) when it breaks {@link TreeRules}. */
    private static List<Node> checked(Repository repo, Id tree, String shownPath, Damaged damaged, Unreadable unreadable)
            throws IOException {
        List<Node> nodes;
        if (unreadable == null) {
            nodes = load(repo, tree, shownPath);
        } else {
            try {
                nodes = load(repo, tree);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                unreadable.unreadable(shownPath.isEmpty() ? "/" : shownPath, tree, e);
                return List.of();
            }
        }
        if (damaged == null) return nodes;
        List<String> problems = TreeRules.problems(new Tree(nodes));
        if (problems.isEmpty()) return nodes;
        damaged.damaged(shownPath.isEmpty() ? "/" : shownPath, tree, problems);
        return List.of();
    }

    /** {@link #load} for path resolution: a tree on the way that breaks {@link TreeRules} is refused. */
    private static List<Node> loadOnTheWay(Repository repo, Id tree, String shownWalked, String wanted) throws IOException {
        List<Node> nodes;
        try {
            nodes = load(repo, tree);
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // missing or damaged: named as the folder the path cannot be resolved through
            throw new RepositoryException("folder " + abbreviate(shownWalked.isEmpty() ? "/" : shownWalked) + " cannot be read ("
                    + e.getMessage() + "), so path " + abbreviate(shownPath(wanted)) + " cannot be resolved through it", e);
        }
        List<String> problems = TreeRules.problems(new Tree(nodes));
        if (!problems.isEmpty()) {
            throw new RepositoryException(damagedMessage(shownWalked, problems) + ", so path " + abbreviate(shownPath(wanted))
                    + " cannot be resolved through it");
        }
        return nodes;
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
     * The tree ID of a folder inside a snapshot ("/" or "" for the root), or a RepositoryException
     * naming the first component that does not exist or is not a folder, or the first folder on the
     * way whose tree breaks {@link TreeRules} (duplicate names would make the path ambiguous).
     */
    public static Id subtree(Repository repo, Id root, String path) throws IOException {
        return subtree(repo, root, path, path);
    }

    /** {@link #subtree}; a damaged tree on the way is named as the reason {@code wanted} cannot be resolved. */
    private static Id subtree(Repository repo, Id root, String path, String wanted) throws IOException {
        Id cur = root;
        String walked = "";
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            Node found = null;
            for (Node n : loadOnTheWay(repo, cur, walked, wanted)) {
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

    /**
     * The node at a path (null for the root itself), or a RepositoryException if it does not
     * exist or a folder on the way (its parent included) breaks {@link TreeRules}.
     */
    public static Node find(Repository repo, Id root, String path) throws IOException {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        int slash = p.lastIndexOf('/');
        String parent = slash <= 0 ? "/" : p.substring(0, slash);
        String name = p.substring(slash + 1);
        if (name.isEmpty()) return null;
        for (Node n : loadOnTheWay(repo, subtree(repo, root, parent, p), parent.equals("/") ? "" : shownPath(parent), p)) {
            if (n.name().equals(name)) return n;
        }
        throw new RepositoryException("path " + shownPath(p) + " is not in the snapshot");
    }
}
