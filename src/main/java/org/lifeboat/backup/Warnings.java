package org.lifeboat.backup;

/** Receives non-fatal problems: unreadable or vanished files, files that changed while read. */
@FunctionalInterface
public interface Warnings {
    void warn(String path, String message);
}
