package org.lifeboat.backup;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of ONE backup that a face (CLI, server) can poll while it runs; a new instance per
 * backup. {@code items}, when set before the run, hears of every file and folder as it is done.
 */
public final class Progress {
    public final LongAdder filesDone = new LongAdder();
    public final LongAdder dirsDone = new LongAdder();
    public final LongAdder bytesDone = new LongAdder();
    public final LongAdder errors = new LongAdder();
    public volatile long totalFiles;
    public volatile long totalBytes;
    public volatile boolean scanFinished;
    public volatile String currentFile = "";
    public volatile Items items;
    /** Called once by the scanner right after {@link #scanFinished} is set (null: nobody listens). */
    public volatile Runnable onScanFinished;

    /** What happened to one entry, in restic's words: "new", "modified" or "unchanged". */
    @FunctionalInterface
    public interface Items {
        /**
         * Called from the backup's threads (concurrently) once an entry is stored.
         *
         * @param path the entry's path as the snapshot names it
         * @param dir  true for a folder
         * @param action "new", "modified" or "unchanged"
         * @param size the bytes of content a file has in the snapshot (0 for a folder)
         * @param added bytes of new data this entry added to the repository (plain; in a dry run: would add)
         * @param addedPacked the same bytes as stored (compressed and encrypted; 0 in a dry run)
         * @param seconds how long reading and storing it took (0 when it was not read)
         */
        void done(String path, boolean dir, String action, long size, long added, long addedPacked, double seconds);
    }
}
