package org.lifeboat.backup;

import java.time.OffsetDateTime;
import java.util.List;
import org.lifeboat.repository.Id;

/**
 * What to back up and how. {@code parent} is the snapshot whose unchanged files are reused without
 * reading (null: none); {@code force} re-reads everything. {@code ignoreCtime} and
 * {@code ignoreInode} leave the ctime and the inode out of the comparison with the parent (restic's
 * --ignore-ctime, --ignore-inode); {@code time} is the snapshot's time (null: the backup's start);
 * {@code withAtime} stores each entry's real atime instead of its mtime (restic's --with-atime).
 */
public record BackupOptions(List<String> targets, Excludes excludes, boolean oneFileSystem, List<String> tags,
                            String hostname, Id parent, boolean force, boolean dryRun, String stdinFilename,
                            int threads, List<StreamSource> streams, boolean ignoreCtime, boolean ignoreInode,
                            OffsetDateTime time, boolean withAtime) {

    public BackupOptions(List<String> targets, Excludes excludes, boolean oneFileSystem, List<String> tags,
                         String hostname, Id parent, boolean force, boolean dryRun, String stdinFilename, int threads) {
        this(targets, excludes, oneFileSystem, tags, hostname, parent, force, dryRun, stdinFilename, threads, List.of());
    }

    public BackupOptions(List<String> targets, Excludes excludes, boolean oneFileSystem, List<String> tags,
                         String hostname, Id parent, boolean force, boolean dryRun, String stdinFilename, int threads,
                         List<StreamSource> streams) {
        this(targets, excludes, oneFileSystem, tags, hostname, parent, force, dryRun, stdinFilename, threads, streams,
                false, false, null, false);
    }
}
