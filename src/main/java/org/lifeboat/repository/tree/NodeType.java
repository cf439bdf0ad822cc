package org.lifeboat.repository.tree;

import java.nio.charset.StandardCharsets;

/**
 * The "type" of a restic tree node, with the exact string restic stores. {@link #UNKNOWN} stands
 * for any other string (a newer restic's type, or a hostile repository's): such a node keeps its
 * stored name ({@link Node#typeName()}), is listed, and is skipped by whatever needs its kind, as
 * restic's commands skip (restore, mount) or report (check) a type they do not know.
 */
public enum NodeType {
    FILE("file"),
    DIR("dir"),
    SYMLINK("symlink"),
    DEV("dev"),
    CHARDEV("chardev"),
    FIFO("fifo"),
    SOCKET("socket"),
    /** Written by restic 0.17+ for Windows reparse points and the like; never by 0.14. */
    IRREGULAR("irregular"),
    /** Any other stored type string; the string itself is {@link Node#unknownType()}. */
    UNKNOWN(null);

    private final String jsonName;
    final byte[] jsonBytes; // pre-encoded `"file"` for the tree encoder

    NodeType(String jsonName) {
        this.jsonName = jsonName;
        this.jsonBytes = jsonName == null ? null : ('"' + jsonName + '"').getBytes(StandardCharsets.US_ASCII);
    }

    /** The stored string, e.g. "file"; null for {@link #UNKNOWN} (use {@link Node#typeName()}). */
    public String jsonName() {
        return jsonName;
    }

    /** The type for a stored name: {@link #UNKNOWN} for any name restic does not write. */
    public static NodeType fromJsonName(String name) {
        for (NodeType t : values()) {
            if (t.jsonName != null && t.jsonName.equals(name)) return t;
        }
        return UNKNOWN;
    }
}
