package org.lifeboat.prune;

import java.util.List;

/**
 * What a prune did.
 *
 * @param plan               what it planned (with restic's statistics)
 * @param packsWritten       new packs written by repacking
 * @param blobsRepacked      blobs copied into them
 * @param indexFilesWritten  index files written (the new index)
 * @param indexFilesRemoved  old index files removed
 * @param packsRemoved       packs removed
 * @param skipped            files left in place: kept by the storage's retention, or named by an
 *                           index file that could not be removed ("data/… (locked until …)")
 * @param failed             packs that could not be removed for another reason (harmless: the next
 *                           prune removes them as unreferenced), with the reason
 */
public record PruneResult(PrunePlan plan, long packsWritten, long blobsRepacked, int indexFilesWritten,
                          int indexFilesRemoved, int packsRemoved, List<String> skipped, List<String> failed) {}
