package org.lifeboat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeCodec;

/** How {@code ls -l}, {@code find -l} and {@code find --json} show one node, as restic does. */
final class NodeFormat {
    private NodeFormat() {}

    /**
     * The node's mode with its type bits taken from the node's type, not from the stored mode:
     * a folder whose stored mode lacks Go's ModeDir bit (Lifeboat before issue 9 stored such
     * folders around database dumps) still shows as a folder. Like restic's formatNode, which ORs
     * the type's bits into the mode.
     */
    static long typedMode(Node n) {
        if (n.type() == NodeType.UNKNOWN) return n.mode(); // restic ORs nothing into the stored mode
        long type = switch (n.type()) {
            case FILE -> 0;
            case DIR -> GoFileMode.MODE_DIR;
            case SYMLINK -> GoFileMode.MODE_SYMLINK;
            case DEV -> GoFileMode.MODE_DEVICE;
            case CHARDEV -> GoFileMode.MODE_DEVICE | GoFileMode.MODE_CHAR_DEVICE;
            case FIFO -> GoFileMode.MODE_NAMED_PIPE;
            case SOCKET -> GoFileMode.MODE_SOCKET;
            case IRREGULAR -> GoFileMode.MODE_IRREGULAR;
            case UNKNOWN -> 0;
        };
        return (n.mode() & ~GoFileMode.MODE_TYPE) | type;
    }

    /** Go's FileMode.String() of {@link #typedMode}, e.g. "drwxr-xr-x". */
    static String permissions(Node n) {
        return GoFileMode.format(typedMode(n));
    }

    /** A time in the local zone as restic prints it ("2006-01-02 15:04:05"); "" for none. */
    static String local(OffsetDateTime t) {
        return t == null ? "" : SnapshotsCommand.TIME.format(t.atZoneSameInstant(ZoneId.systemDefault()));
    }

    /**
     * restic's long line: mode, numeric uid and gid, size (files only, else 0), local mtime, path
     * and " -> target" for symlinks. {@code path} is raw; the line is printed with Names.println.
     */
    static String longLine(String path, Node n, boolean human) {
        long size = n.type() == NodeType.FILE ? n.size() : 0;
        String sz = human ? ProgressLine.bytes(size) : String.format(Locale.ROOT, "%6d", size);
        return String.format(Locale.ROOT, "%s %5d %5d %s %s %s%s", permissions(n), n.uid(), n.gid(), sz,
                local(n.mtime()), Names.display(path),
                n.type() == NodeType.SYMLINK ? " -> " + Names.display(n.linkTarget() == null ? "" : n.linkTarget()) : "");
    }

    /**
     * restic's find --json match: "path" and "permissions", then the node's fields as restic
     * stores them, without name, extended_attributes, generic_attributes, device, content and
     * subtree.
     */
    static ObjectNode findJson(String path, Node n) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("path", path).put("permissions", permissions(n));
        JsonNode stored;
        try {
            stored = Json.MAPPER.readTree(TreeCodec.encodeNode(n));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // our own encoder's output: cannot happen
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = stored.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "name", "extended_attributes", "generic_attributes", "device", "content", "subtree" -> { }
                default -> o.set(e.getKey(), e.getValue());
            }
        }
        return o;
    }
}
