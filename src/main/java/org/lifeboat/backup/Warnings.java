package org.lifeboat.backup;

/**
 * Receives non-fatal problems. {@link #warn} is for what is counted as an error (an unreadable or
 * vanished file: the snapshot lacks it, exit code 3); {@link #notice} for what is not (a file that
 * changed while it was read: the snapshot holds a consistent copy of what was read).
 */
@FunctionalInterface
public interface Warnings {
    /** A source that could not be backed up; counted in the backup's errors. */
    void warn(String path, String message);

    /** A remark about a source that was backed up; not an error. Defaults to {@link #warn}'s sink. */
    default void notice(String path, String message) {
        warn(path, message);
    }
}
