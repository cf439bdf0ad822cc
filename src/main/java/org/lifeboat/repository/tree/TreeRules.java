package org.lifeboat.repository.tree;

import java.util.ArrayList;
import java.util.List;

/**
 * What makes a decoded tree damaged or hostile, whoever wrote it. restic's archiver only ever
 * writes trees whose node names are non-empty single path components, strictly increasing in
 * Go string order (restic's {@code TreeJSONBuilder} rejects duplicates and out-of-order names;
 * restic's restorer and later {@code check} refuse such trees). A tree breaking any rule is
 * treated as damaged: readers report it by path and skip that subtree, so no name can climb out
 * of a restore target or make one path mean two files.
 */
public final class TreeRules {
    private TreeRules() {}

    /** Deeper trees are refused: Linux paths stop at 4096 bytes (PATH_MAX), so restic cannot have backed up more levels. */
    public static final int MAX_DEPTH = 2048;

    /**
     * Why a node name cannot be a file name inside a folder, or null when it can: empty,
     * {@code .}, {@code ..}, containing {@code /} or a NUL byte.
     */
    public static String nameProblem(String name) {
        if (name == null || name.isEmpty()) return "empty name";
        if (name.equals(".") || name.equals("..")) return "name \"" + name + "\" is not a file name";
        if (name.indexOf('/') >= 0) return "name " + quote(name) + " contains '/'";
        if (name.indexOf('\0') >= 0) return "name " + quote(name) + " contains a NUL byte";
        return null;
    }

    /**
     * Every rule the tree breaks, as sentences naming the node: unsafe names (see
     * {@link #nameProblem}), duplicate names and names out of restic's order. Empty when the tree is sound.
     */
    public static List<String> problems(Tree tree) {
        List<String> out = new ArrayList<>();
        List<Node> nodes = tree.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            String name = nodes.get(i).name();
            String p = nameProblem(name);
            if (p != null) out.add(p);
            if (i > 0 && p == null && nameProblem(nodes.get(i - 1).name()) == null) {
                int c = Tree.compareNames(nodes.get(i - 1).name(), name);
                if (c == 0) {
                    out.add("name " + quote(name) + " appears more than once");
                } else if (c > 0) {
                    out.add("names are not sorted (" + quote(nodes.get(i - 1).name()) + " before " + quote(name) + ")");
                }
            }
        }
        return out;
    }

    /**
     * The node's stored type for messages, e.g. {@code "whiteout"}: quoted, escaped and cut after
     * about 100 characters like a name, since an unknown type is any string a repository holds.
     */
    public static String shownType(Node n) {
        return TreeCodec.quoteForMessage(n.typeName());
    }

    /**
     * What restic's check says of a node whose type it does not know (restic 0.14 to 0.17:
     * {@code node "x" with invalid type "whiteout"}), or null for a known type. Only check reports
     * it: every other reader lists such a node and skips what needs its kind.
     */
    public static String typeProblem(Node n) {
        if (n.type() != NodeType.UNKNOWN) return null;
        return "node " + TreeCodec.quoteForMessage(n.name()) + " has type " + shownType(n)
                + ", which this version does not know";
    }

    /** A name for messages: control characters and NUL escaped, so a hostile name cannot forge output lines. */
    public static String quote(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
