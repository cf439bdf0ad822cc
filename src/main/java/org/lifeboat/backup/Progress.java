package org.lifeboat.backup;

import java.util.concurrent.atomic.LongAdder;

/** Live counters a face (CLI, server) can poll while a backup runs. */
public final class Progress {
    public final LongAdder filesDone = new LongAdder();
    public final LongAdder dirsDone = new LongAdder();
    public final LongAdder bytesDone = new LongAdder();
    public final LongAdder errors = new LongAdder();
    public volatile long totalFiles;
    public volatile long totalBytes;
    public volatile boolean scanFinished;
    public volatile String currentFile = "";
}
