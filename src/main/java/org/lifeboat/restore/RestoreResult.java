package org.lifeboat.restore;

import java.util.List;

/**
 * What a restore did.
 *
 * @param files              files written or updated, each name of a hard-linked inode counted
 * @param dirs               folders given the snapshot's metadata (below the folder restored)
 * @param others             symlinks and special files made
 * @param bytes              bytes of file content written
 * @param skipped            existing entries of any kind kept by --overwrite never/if-changed/if-newer
 * @param bytesSkipped       content bytes of the files kept
 * @param damaged            one line per file whose content could not be fully read from the
 *                           repository, and per folder whose tree is damaged (snapshot paths)
 * @param failed             entries that could not be written in the target (snapshot paths)
 * @param verifyFailures     differences found by --verify (at most 50 listed)
 * @param verifyFailureCount how many differences --verify found in all
 * @param warnings           metadata and other problems that do not make the restore fail
 * @param unknownTypes       entries skipped because their type is not one this version knows
 *                           (a newer restic's, see NodeType.UNKNOWN, or "irregular"): the restore is partial
 * @param unknownTypePaths   the snapshot paths of those entries, in the same order
 * @param rootDamage         null, or when the folder restored (the snapshot's root or the
 *                           {@code ID:folder}) could not be read or breaks the tree rules, that
 *                           folder and why ("folder /a is damaged in the repository: tree blob …"): nothing
 *                           below it was restored
 */
public record RestoreResult(long files, long dirs, long others, long bytes, long skipped, long bytesSkipped,
                            List<String> damaged,
                            List<String> failed, List<String> verifyFailures, long verifyFailureCount,
                            List<String> warnings, List<String> unknownTypes, List<String> unknownTypePaths,
                            String rootDamage) {
    /** True when every file was restored and, if asked, verified. */
    public boolean ok() {
        return damaged.isEmpty() && failed.isEmpty() && verifyFailureCount == 0;
    }

    /** True when {@link #ok()} but entries of an unknown type were left out (restic's exit code 3). */
    public boolean partial() {
        return ok() && !unknownTypes.isEmpty();
    }
}
