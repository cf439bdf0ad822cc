package org.lifeboat.backup;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/** Counts files and bytes ahead of the backup so progress can show a total and an ETA. */
public final class Scanner {
    private Scanner() {}

    public static void startInBackground(List<String> targets, Excludes excludes, Progress progress) {
        Thread t = new Thread(() -> {
            long[] n = new long[2];
            for (String target : targets) {
                try {
                    Files.walkFileTree(Path.of(target).toAbsolutePath().normalize(), new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            return excludes.excluded(dir.toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (!excludes.excluded(file.toString())) {
                                n[0]++;
                                if (attrs.isRegularFile()) n[1] += attrs.size();
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException exc) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
                } catch (IOException e) {
                    // the backup itself reports unreadable targets
                }
            }
            progress.totalFiles = n[0];
            progress.totalBytes = n[1];
            progress.scanFinished = true;
        }, "scanner");
        t.setDaemon(true);
        t.start();
    }
}
