package org.lifeboat.backup;

/**
 * Hears what one backup does, entry by entry, while it runs: the CLI's verbose lines come from
 * it, and monitoring or ransomware detection (many files changed at once, a drop in compression
 * ratio) can build on it. Methods are called from the backup's threads, concurrently; they must
 * be quick and must not throw. To stop the backup, cancel its {@link org.lifeboat.backend.Cancel}.
 */
public interface BackupObserver {
    /** An observer that ignores everything. */
    BackupObserver NONE = new BackupObserver() {};

    /** A file or folder was stored (or found unchanged) in the snapshot being written. */
    default void onFile(FileEvent event) {}

    /**
     * A source entry could not be backed up (it is left out; the backup ends with exit code 3).
     *
     * @param path the entry's path
     * @param message one sentence naming the path and the reason, in restic's words
     */
    default void onError(String path, String message) {}
}
