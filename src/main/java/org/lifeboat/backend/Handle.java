package org.lifeboat.backend;

/** Names one file in a backend: its type and its name (the hex ID; empty for config). */
public record Handle(FileType type, String name) {
    public static final Handle CONFIG = new Handle(FileType.CONFIG, "");

    public Handle {
        if (type == null || name == null) throw new IllegalArgumentException("handle needs a type and name");
    }

    @Override
    public String toString() {
        return type == FileType.CONFIG ? "config" : type.folder() + "/" + name;
    }
}
