package org.lifeboat.copy;

import java.util.List;
import org.lifeboat.repository.Snapshot;

/**
 * What one copy did.
 *
 * @param copied       the new snapshots written to the target, in the order written
 * @param skipped      how many selected source snapshots the target already had
 * @param blobsSent    blobs stored into the target (data and tree)
 * @param bytesSent    their plain bytes
 * @param packedBytes  their bytes in the target's packs (compressed and encrypted)
 */
public record CopyResult(List<Snapshot> copied, int skipped, long blobsSent, long bytesSent, long packedBytes) {}
