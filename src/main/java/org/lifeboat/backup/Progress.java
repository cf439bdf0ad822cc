package org.lifeboat.backup;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of ONE backup that a face (CLI, server) can poll while it runs; a new instance per
 * backup. Per-entry events go to a {@link BackupObserver}.
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
    /** Called once by the scanner right after {@link #scanFinished} is set (null: nobody listens). */
    public volatile Runnable onScanFinished;

}
