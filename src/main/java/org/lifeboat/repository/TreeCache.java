package org.lifeboat.repository;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lifeboat.backend.Cancel;

/**
 * Tree blobs read pack-wise and kept as stored, for a job that reads many trees: a restore (its
 * space check, walk and verification) or a backup reading its parent snapshot's trees. On a miss
 * the tree's pack is read with one covering request ({@link Repository#loadStoredBlobsFromPack})
 * for that tree and the other trees of the pack nearest to it (by offset) that are not cached yet,
 * as many as fit half the budget; their stored bytes (encrypted, zstd-compressed JSON: ~5× smaller
 * than plaintext) are kept and a tree is decrypted, decompressed and verified when it is asked
 * for. The trees of one backup are written to its own tree packs, so a snapshot costs about one
 * request per tree pack instead of one per folder — which matters when each request costs
 * 10–100 ms (restic gets the same from its on-disk cache of tree packs). (The Linux source tree's
 * 78,579 files: 5,122 requests of one tree each before, 4 packs now.)
 *
 * <p>Bounded whatever the snapshot: one read adds at most half the budget and the least recently
 * used trees are dropped when the cache is full, so a huge snapshot degrades to re-reads, not to
 * more memory. A stored copy that does not verify (or whose range could not be read) is read
 * again with {@link Repository#loadBlob}, which tries every copy and names what is wrong.
 * Thread-safe: a miss is read under the cache's lock (the other threads wait for that one request,
 * then find their trees cached); decoding happens outside it.
 */
public final class TreeCache {
    /** The default budget: 32 MiB of stored trees (about a 300,000-file snapshot). */
    public static final long DEFAULT_BUDGET = 32L * 1024 * 1024;

    /** The read buffer is kept between reads up to this size; a larger one (a huge pack's range) is dropped. */
    private static final int MAX_KEPT_BUFFER = 4 * 1024 * 1024;

    /** A tree as stored in its pack (null bytes: the read of its range failed). */
    private record Stored(PackedBlob blob, byte[] bytes, long weight) {}

    private final Repository repo;
    private final Cancel cancel;
    private final long budget;
    private final LinkedHashMap<Id, Stored> stored = new LinkedHashMap<>(256, 0.75f, true);
    private long weight;
    private final Repository.ReadBuffer buffer = new Repository.ReadBuffer();
    private Map<Id, List<PackedBlob>> treesByPack;
    private long treesRead;

    /**
     * @param budget how many bytes of stored trees to keep (at least one tree is kept)
     * @param cancel checked before each request
     */
    public TreeCache(Repository repo, long budget, Cancel cancel) {
        this.repo = repo;
        this.cancel = cancel;
        this.budget = Math.max(1, budget);
    }

    /** Trees read from the repository so far (a tree read again after it left the cache counts again). */
    public synchronized long treesRead() {
        return treesRead;
    }

    /**
     * The verified plaintext (JSON) of tree {@code id}.
     *
     * @throws BlobNotFoundException          if the index does not know the tree
     * @throws RepositoryException            if no copy of it verifies (the message names blob and pack)
     * @throws Cancel.Cancelled               if the job is cancelled
     * @throws java.io.InterruptedIOException if the thread is interrupted
     * @throws IOException                    if the storage fails
     */
    public byte[] load(Id id) throws IOException {
        Stored st;
        synchronized (this) {
            st = stored.get(id);
            if (st == null) st = fetch(id);
        }
        if (st.bytes != null) {
            try {
                return repo.decodeBlob(st.blob, st.bytes, 0);
            } catch (RepositoryException e) {
                // this copy is damaged: every copy is tried below, and the error says which
            }
        }
        cancel.check();
        return repo.loadBlob(BlobType.TREE, id);
    }

    /**
     * Reads tree {@code id} with the trees of its pack nearest to it that are not cached, up to
     * half the budget, in one covering request; returns {@code id}'s entry. Called under the lock.
     */
    private Stored fetch(Id id) throws IOException {
        PackedBlob want = repo.findBlob(BlobType.TREE, id).orElseThrow(() -> repo.notFound(BlobType.TREE, id));
        List<PackedBlob> mates = new ArrayList<>(treesByPack().getOrDefault(want.pack(), List.of()));
        mates.sort(Comparator.comparingLong(b -> Math.abs(b.offset() - want.offset())));
        List<PackedBlob> read = new ArrayList<>();
        read.add(want);
        Set<Id> asked = new HashSet<>();
        asked.add(id);
        long room = budget / 2 - want.length();
        for (PackedBlob b : mates) {
            if (room <= 0) break;
            if (b.length() > room || stored.containsKey(b.id()) || !asked.add(b.id())) continue;
            read.add(b);
            room -= b.length();
        }
        Map<Id, Stored> got = new HashMap<>();
        try {
            repo.loadStoredBlobsFromPack(want.pack(), read, buffer,
                    (pb, bytes, error) -> got.put(pb.id(), new Stored(pb, bytes, 64L + (bytes == null ? 0 : bytes.length))), cancel);
        } finally {
            if (buffer.bytes().length > MAX_KEPT_BUFFER) buffer.release();
        }
        treesRead += got.size();
        Stored mine = got.remove(id);
        if (mine == null) mine = new Stored(want, null, 64); // never reported: read alone by load
        for (Map.Entry<Id, Stored> e : got.entrySet()) {
            if (e.getValue().bytes != null) put(e.getKey(), e.getValue());
        }
        if (mine.bytes != null) put(id, mine);
        return mine;
    }

    /** The tree blobs of the index by pack, made on first use. */
    private Map<Id, List<PackedBlob>> treesByPack() {
        if (treesByPack == null) {
            treesByPack = new HashMap<>();
            for (PackedBlob b : repo.indexedBlobs(BlobType.TREE)) {
                treesByPack.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
            }
        }
        return treesByPack;
    }

    private void put(Id id, Stored s) {
        Stored old = stored.put(id, s);
        if (old != null) weight -= old.weight;
        weight += s.weight;
        Iterator<Map.Entry<Id, Stored>> it = stored.entrySet().iterator();
        while (weight > budget && stored.size() > 1 && it.hasNext()) {
            Map.Entry<Id, Stored> oldest = it.next();
            if (oldest.getKey().equals(id)) continue;
            weight -= oldest.getValue().weight;
            it.remove();
        }
    }
}
