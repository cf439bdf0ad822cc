package org.lifeboat.mount;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;

/**
 * Decoded data blobs, least recently used dropped first, bounded in bytes (restic's mount keeps
 * 64 MiB). A reader of a file asks blob by blob, so a file of any size costs at most the budget.
 * Thread-safe; a miss is read outside the lock, so two readers of one missing blob may both read it.
 */
final class BlobCache {
    /** The default budget, in bytes: 64 MiB, as restic's. */
    static final long DEFAULT_BUDGET = 64L * 1024 * 1024;

    private final Repository repo;
    private final long budget;
    private final LinkedHashMap<Id, byte[]> blobs = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    BlobCache(Repository repo, long budget) {
        this.repo = repo;
        this.budget = budget;
    }

    /**
     * The plaintext of data blob {@code id}.
     *
     * @throws IOException when no copy can be read or verified (the message names blob and pack)
     */
    byte[] get(Id id) throws IOException {
        synchronized (this) {
            byte[] b = blobs.get(id);
            if (b != null) return b;
        }
        byte[] b = repo.loadBlob(BlobType.DATA, id);
        synchronized (this) {
            if (blobs.put(id, b) == null) bytes += b.length;
            var it = blobs.entrySet().iterator();
            // keep at least the blob just read, whatever its size
            while (bytes > budget && blobs.size() > 1) {
                Map.Entry<Id, byte[]> e = it.next();
                if (e.getKey().equals(id)) continue;
                bytes -= e.getValue().length;
                it.remove();
            }
        }
        return b;
    }

    /** Bytes held now (for tests). */
    synchronized long bytes() {
        return bytes;
    }
}
