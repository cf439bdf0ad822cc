package org.lifeboat.backend;

/** The kinds of file a repository holds, with restic's folder names. */
public enum FileType {
    CONFIG("config"),
    DATA("data"),
    KEY("keys"),
    LOCK("locks"),
    SNAPSHOT("snapshots"),
    INDEX("index");

    private final String folder;

    FileType(String folder) {
        this.folder = folder;
    }

    /** The top-level folder (or, for CONFIG, the file) name. */
    public String folder() {
        return folder;
    }
}
