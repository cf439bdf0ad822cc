package org.lifeboat.repository.tree;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.lifeboat.fs.RawNames;
import org.lifeboat.repository.Id;

/**
 * The nodes of one directory. restic keeps them sorted by name in Go string order, i.e. by the
 * raw bytes of the UTF-8 name, which differs from String.compareTo for characters outside the
 * BMP (and for escaped raw bytes). The constructor keeps the given order, so a decoded tree
 * re-encodes as stored; use {@link #sorted} to build a new one.
 */
public record Tree(List<Node> nodes) {
    public static final Tree EMPTY = new Tree(List.of());

    /** Go's byte-wise string order on the UTF-8 (raw) bytes of names. */
    public static final Comparator<String> NAME_ORDER = Tree::compareNames;

    public Tree {
        nodes = List.copyOf(nodes);
    }

    /** A tree of the nodes in restic's order; duplicate names are rejected like restic's tree builder does. */
    public static Tree sorted(Collection<Node> nodes) {
        List<Node> list = new ArrayList<>(nodes);
        list.sort(Comparator.comparing(Node::name, NAME_ORDER));
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i - 1).name().equals(list.get(i).name())) {
                throw new IllegalArgumentException("duplicate node name \"" + list.get(i).name() + "\"");
            }
        }
        return new Tree(list);
    }

    /** True if the names are strictly increasing in {@link #NAME_ORDER}. */
    public boolean isSorted() {
        for (int i = 1; i < nodes.size(); i++) {
            if (compareNames(nodes.get(i - 1).name(), nodes.get(i).name()) >= 0) return false;
        }
        return true;
    }

    /** The node with this name, or null; binary search, so the tree must be sorted. */
    public Node find(String name) {
        int lo = 0;
        int hi = nodes.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compareNames(nodes.get(mid).name(), name);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return nodes.get(mid);
            }
        }
        return null;
    }

    /** The subtree IDs of the directory nodes, in node order. */
    public List<Id> subtrees() {
        List<Id> ids = new ArrayList<>();
        for (Node n : nodes) {
            if (n.type() == NodeType.DIR && n.subtree() != null) ids.add(n.subtree());
        }
        return ids;
    }

    /**
     * Compares names like Go compares strings: by unsigned UTF-8 bytes. For BMP characters that
     * order equals char order, so only names with surrogates (supplementary characters or escaped
     * raw bytes) need the byte encoding.
     */
    public static int compareNames(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x == y) continue;
            if (Character.isSurrogate(x) || Character.isSurrogate(y)) return compareBytes(a, b);
            return Character.compare(x, y);
        }
        if (n > 0 && Character.isSurrogate(a.charAt(n - 1)) && a.length() != b.length()) return compareBytes(a, b);
        return Integer.compare(a.length(), b.length());
    }

    private static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(RawNames.encode(a), RawNames.encode(b));
    }
}
