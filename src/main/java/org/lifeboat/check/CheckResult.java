package org.lifeboat.check;

import java.util.List;

/**
 * What a check found. Errors make the repository unhealthy; warnings (e.g. unreferenced packs) do not.
 *
 * @param packsRead packs read whole (read-data)
 * @param packsAvailable packs present and indexed, the pool a read-data subset is chosen from
 * @param brokenPacks full hex IDs of packs missing, truncated or damaged (restic's "broken_packs")
 * @param suggestRepairIndex an index file could not be used (restic's "suggest_repair_index")
 * @param suggestPrune packs no index references exist (restic's "suggest_prune")
 * @param retention the locks of the files in use, for a repository whose config asks for
 *                  retention (S3 Object Lock); null for one without (then no file was asked)
 * @param unindexedPacks full hex IDs of packs in the repository that no index names
 * @param blobsNotIndexed a snapshot needs a tree or data blob the index does not list
 * @param misplaced packs outside the folder their name places them in, to be moved back (before
 *                  any repair: the repairs cannot read them, and repair index would drop them)
 * @param nextStep the one command to run next ("lifeboat repair index"), or null: none, or the
 *                 packs in {@code misplaced} are to be moved back first
 */
public record CheckResult(List<String> errors, List<String> warnings, long packsRead, long packsAvailable, long snapshots,
                          long trees, List<String> brokenPacks, boolean suggestRepairIndex, boolean suggestPrune,
                          org.lifeboat.repository.RetentionKeeper.Report retention, List<String> unindexedPacks,
                          boolean blobsNotIndexed, List<org.lifeboat.repository.Repository.StrayPack> misplaced,
                          String nextStep) {
    public boolean ok() {
        return errors.isEmpty();
    }
}
