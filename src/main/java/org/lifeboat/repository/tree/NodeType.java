package org.lifeboat.repository.tree;

import java.nio.charset.StandardCharsets;

/** The "type" of a restic tree node, with the exact string restic stores. */
public enum NodeType {
    FILE("file"),
    DIR("dir"),
    SYMLINK("symlink"),
    DEV("dev"),
    CHARDEV("chardev"),
    FIFO("fifo"),
    SOCKET("socket"),
    /** Written by restic 0.17+ for Windows reparse points and the like; never by 0.14. */
    IRREGULAR("irregular");

    private final String jsonName;
    final byte[] jsonBytes; // pre-encoded `"file"` for the tree encoder

    NodeType(String jsonName) {
        this.jsonName = jsonName;
        this.jsonBytes = ('"' + jsonName + '"').getBytes(StandardCharsets.US_ASCII);
    }

    public String jsonName() {
        return jsonName;
    }

    /** The type for a stored name; IllegalArgumentException for names restic does not write. */
    public static NodeType fromJsonName(String name) {
        for (NodeType t : values()) {
            if (t.jsonName.equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown node type \"" + name + "\"");
    }
}
