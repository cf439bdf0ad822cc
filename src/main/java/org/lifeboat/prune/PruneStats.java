package org.lifeboat.prune;

/**
 * restic's prune statistics (its {@code PruneStats}, the JSON summary and the printed table): blob
 * counts and sizes in bytes (stored sizes: encrypted, maybe compressed, pack headers counted as used),
 * and pack counts. {@code lockedPacks} (Lifeboat's): packs kept because the storage's retention (S3
 * Object Lock) forbids removing them, or an index file that cannot be removed names them.
 */
public record PruneStats(
        long usedBlobs, long duplicateBlobs, long unusedBlobs, long totalBlobs, long repackBlobs, long repackRemoveBlobs,
        long removeBlobs, long removeTotalBlobs, long remainingBlobs,
        long usedSize, long duplicateSize, long unusedSize, long unreferencedSize, long uncompressedSize, long totalSize,
        long repackSize, long repackRemoveSize, long removeSize, long removeTotalSize, long remainingSize, long remainingUnusedSize,
        long usedPacks, long unusedPacks, long partlyUsedPacks, long unreferencedPacks, long totalPacks, long keepPacks,
        long repackPacks, long removePacks, long removeTotalPacks, long lockedPacks) {

    /** Mutable counters while planning (restic's struct, filled as its PlanPrune fills it). */
    static final class Builder {
        long usedBlobs, duplicateBlobs, unusedBlobs, repackBlobs, repackRemoveBlobs, removeBlobs;
        long usedSize, duplicateSize, unusedSize, unreferencedSize, uncompressedSize, repackSize, repackRemoveSize, removeSize;
        long usedPacks, unusedPacks, partlyUsedPacks, unreferencedPacks, keepPacks, repackPacks, removePacks, lockedPacks;

        PruneStats build() {
            long totalBlobs = usedBlobs + unusedBlobs + duplicateBlobs;
            long removeTotalBlobs = removeBlobs + repackRemoveBlobs;
            long totalSize = usedSize + duplicateSize + unusedSize + unreferencedSize;
            long removeTotalSize = removeSize + repackRemoveSize + unreferencedSize;
            long remainingUnused = duplicateSize + unusedSize - removeSize - repackRemoveSize;
            return new PruneStats(usedBlobs, duplicateBlobs, unusedBlobs, totalBlobs, repackBlobs, repackRemoveBlobs,
                    removeBlobs, removeTotalBlobs, totalBlobs - removeTotalBlobs,
                    usedSize, duplicateSize, unusedSize, unreferencedSize, uncompressedSize, totalSize,
                    repackSize, repackRemoveSize, removeSize, removeTotalSize, totalSize - removeTotalSize, remainingUnused,
                    usedPacks, unusedPacks, partlyUsedPacks, unreferencedPacks,
                    usedPacks + partlyUsedPacks + unusedPacks + unreferencedPacks, keepPacks, repackPacks, removePacks,
                    unreferencedPacks + removePacks, lockedPacks);
        }
    }
}
