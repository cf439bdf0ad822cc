package org.lifeboat.prune;

import java.util.List;
import java.util.Set;
import org.lifeboat.repository.Id;

/**
 * What a prune will do (restic's PrunePlan): the statistics, and the packs to remove, repack and
 * drop from the index. {@link Pruner#execute} carries it out; a dry run only reports it.
 *
 * @param stats       restic's statistics for this plan
 * @param unreferenced packs no index names (removed last, as no index file needs them)
 * @param remove      packs whose blobs are all unused
 * @param repack      packs whose used blobs are copied into new packs, then removed
 * @param ignore      packs the index names but the storage lacks, none of whose blobs are used:
 *                    left out of the new index
 * @param locked      packs and index files kept because the storage's retention forbids removing
 *                    them (S3 Object Lock), each as "data/…"/"index/…" with why
 */
public record PrunePlan(PruneStats stats, Set<Id> unreferenced, Set<Id> remove, Set<Id> repack, Set<Id> ignore,
                        List<String> locked) {
    /** True when the plan changes nothing. */
    public boolean empty() {
        return unreferenced.isEmpty() && remove.isEmpty() && repack.isEmpty() && ignore.isEmpty();
    }
}
