package org.lifeboat.restore;

import java.util.List;

/**
 * What a restore did. {@code damaged} names files whose content could not be fully read from the
 * repository; {@code verifyFailures} files whose re-read content did not match the snapshot.
 */
public record RestoreResult(long files, long dirs, long bytes, long skipped, List<String> damaged,
                            List<String> verifyFailures, List<String> warnings) {
    public boolean ok() {
        return damaged.isEmpty() && verifyFailures.isEmpty();
    }
}
