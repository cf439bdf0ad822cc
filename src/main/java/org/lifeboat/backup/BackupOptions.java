package org.lifeboat.backup;

import java.util.List;
import org.lifeboat.repository.Id;

/**
 * What to back up and how. {@code parent} is the snapshot whose unchanged files are reused without
 * reading (null: none); {@code force} re-reads everything.
 */
public record BackupOptions(List<String> targets, Excludes excludes, boolean oneFileSystem, List<String> tags,
                            String hostname, Id parent, boolean force, boolean dryRun, String stdinFilename,
                            int threads, List<StreamSource> streams) {

    public BackupOptions(List<String> targets, Excludes excludes, boolean oneFileSystem, List<String> tags,
                         String hostname, Id parent, boolean force, boolean dryRun, String stdinFilename, int threads) {
        this(targets, excludes, oneFileSystem, tags, hostname, parent, force, dryRun, stdinFilename, threads, List.of());
    }
}
