package org.lifeboat.repair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.Repository;

/**
 * The packs in the repository that no index names, by what {@code repair index} can do with them:
 * those whose header names a blob the index lacks (repair index brings it back: a lost index file)
 * and those whose header cannot be read (only {@code repair packs} can deal with them). Packs whose
 * blobs are all indexed elsewhere (leftovers of an interrupted backup) are in neither.
 *
 * @param holdingUnindexedBlobs packs whose header names a blob the index does not list, sorted
 * @param unreadable            packs whose header cannot be read (pack → why)
 */
public record UnindexedPacks(List<Id> holdingUnindexedBlobs, Map<Id, String> unreadable) {
    /**
     * Reads the header of each pack no index names (one small read each).
     *
     * @param repo a repository whose index is loaded
     * @throws IOException when the packs cannot be listed, or a read is interrupted
     */
    public static UnindexedPacks find(Repository repo) throws IOException {
        Set<Id> indexed = repo.blobsByPack().keySet();
        List<Id> holding = new ArrayList<>();
        Map<Id, String> unreadable = new java.util.TreeMap<>();
        List<Id> packs = new ArrayList<>();
        for (Repository.PackFile f : repo.listPacks()) if (!indexed.contains(f.id())) packs.add(f.id());
        java.util.Collections.sort(packs);
        for (Id p : packs) {
            try {
                for (Pack.Entry e : repo.loadPackHeader(p)) {
                    if (!repo.hasBlob(e.type(), e.id())) {
                        holding.add(p);
                        break;
                    }
                }
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                unreadable.put(p, e.getMessage());
            }
        }
        return new UnindexedPacks(List.copyOf(holding), java.util.Collections.unmodifiableMap(unreadable));
    }
}
