package org.lifeboat.backup;

import java.io.IOException;
import java.util.List;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;

/**
 * Counts files and bytes ahead of the backup so progress can show a total and an ETA. Walks by
 * descriptor with raw names, as the backup does, so that it counts what the backup will read.
 */
public final class Scanner {
    private Scanner() {}

    /** Starts the count on a daemon thread; failures only leave the totals unknown. */
    public static void startInBackground(List<String> targets, Excludes excludes, Progress progress) {
        Thread t = new Thread(() -> {
            long[] n = new long[2];
            for (String target : targets) {
                try {
                    count(Targets.absolute(target), excludes, n);
                } catch (IOException | RuntimeException e) {
                    // the backup itself reports unreadable targets
                }
            }
            progress.totalFiles = n[0];
            progress.totalBytes = n[1];
            progress.scanFinished = true;
            Runnable done = progress.onScanFinished;
            if (done != null) done.run();
        }, "scanner");
        t.setDaemon(true);
        t.start();
    }

    private static void count(String abs, Excludes excludes, long[] n) throws IOException {
        FileMeta top = org.lifeboat.fs.Posix.lstat(abs);
        if (top.kind() != FileKind.DIRECTORY) {
            // only regular files count, as restic's total_files
            if (top.kind() == FileKind.REGULAR) {
                n[0]++;
                n[1] += top.size();
            }
            return;
        }
        try (Dir d = Dir.open(abs)) {
            countIn(d, excludes, n);
        }
    }

    /** Depth first, one descriptor per folder on the way down. */
    private static void countIn(Dir d, Excludes excludes, long[] n) {
        List<String> names;
        try {
            names = d.list();
        } catch (IOException e) {
            return; // unreadable folders are the backup's to report
        }
        for (String name : names) {
            if (excludes.excluded(d.display(name))) continue;
            FileMeta m;
            try {
                m = d.stat(name);
            } catch (IOException e) {
                continue;
            }
            if (m.kind() != FileKind.DIRECTORY) {
                if (m.kind() == FileKind.REGULAR) {
                    n[0]++;
                    n[1] += m.size();
                }
                continue;
            }
            try (Dir sub = d.openDir(name)) {
                countIn(sub, excludes, n);
            } catch (IOException e) {
                // unreadable folders are the backup's to report
            }
        }
    }
}
