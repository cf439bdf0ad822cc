package org.lifeboat.restore;

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
import org.lifeboat.repository.BlobNotFoundException;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * The trees of one restore, shared by the {@link Sizer}, the walk and {@code --verify}, in two
 * caches bounded by bytes. Trees are read pack-wise, as stored: on a miss, the tree's pack is read
 * with one covering request ({@link Repository#loadStoredBlobsFromPack}) for that tree and the other
 * trees of the pack nearest to it that are not cached yet, as many as fit half the budget; their
 * stored bytes (encrypted, zstd-compressed JSON: ~5× smaller than plaintext, ~12× smaller than
 * decoded) are kept, and a tree is decoded when it is used. The trees of one backup are written
 * to its own tree packs, so a snapshot costs about one request per tree pack, not one per tree —
 * which matters when each request costs 10–100 ms (the tree cache restic keeps on disk does the
 * same for restic). Decoded trees are kept too, in a second cache of a quarter of the budget (by
 * plaintext length), so that a snapshot of a few thousand folders is decoded once for the space
 * check, the walk and the verification.
 *
 * <p>Bounded whatever the snapshot: one read adds at most half the budget, the least recently used
 * entries of each cache are dropped when it is full, so a huge snapshot degrades to re-reads, not
 * to more memory. A tree whose stored copy does not decode is read again with {@link
 * Repository#loadBlob} (every copy tried, the error named). Not thread-safe: one per restore, used
 * from the restore's thread.
 */
final class TreeLoader {
    /** The default budget, in bytes of stored trees (decoded trees are kept up to a quarter of it, by plaintext). */
    static final long DEFAULT_BUDGET = 32L * 1024 * 1024;

    /**
     * One tree as loaded: its tree and the {@link TreeRules} problems it has, or why it could not
     * be loaded ({@code error} set, {@code tree} null).
     */
    record Loaded(Tree tree, List<String> problems, IOException error) {}

    /** A cached entry and what it counts against its cache's budget, in bytes. */
    private record Entry<T>(T value, long weight) {}

    /** A tree as stored in its pack (null bytes: the read of its range failed, with error). */
    private record Stored(PackedBlob blob, byte[] bytes, IOException error) {}

    private final Repository repo;
    private final Cancel cancel;
    private final long storedBudget;
    private final long decodedBudget;
    private final Lru<Stored> stored;
    private final Lru<Loaded> decoded;
    private final Repository.ReadBuffer buffer = new Repository.ReadBuffer();
    private Map<Id, List<PackedBlob>> treesByPack;
    private long treesLoaded;
    private long treesRead;

    /**
     * @param budget how many bytes of stored trees the cache may hold (at least one tree is kept);
     *               decoded trees are kept up to a quarter of it (by plaintext length)
     */
    TreeLoader(Repository repo, Cancel cancel, long budget) {
        this.repo = repo;
        this.cancel = cancel;
        this.storedBudget = Math.max(1, budget);
        this.decodedBudget = Math.max(1, budget / 4);
        this.stored = new Lru<>(storedBudget);
        this.decoded = new Lru<>(decodedBudget);
    }

    /** Trees decoded so far (a tree decoded again after it left the decoded cache counts again). */
    long treesLoaded() {
        return treesLoaded;
    }

    /** Trees read from the repository so far (a tree read again after it left the stored cache counts again). */
    long treesRead() {
        return treesRead;
    }

    /**
     * Tree {@code id}: decoded from the cache, else decoded from its stored bytes (read with its
     * pack's nearest trees on a miss; see the class comment).
     *
     * @throws InterruptedIOException if the thread is interrupted
     * @throws Cancel.Cancelled       if the restore is cancelled
     */
    Loaded get(Id id) throws InterruptedIOException {
        Loaded l = decoded.get(id);
        if (l != null) return l;
        Stored st = stored.get(id);
        if (st == null) st = fetch(id);
        l = decode(id, st);
        decoded.put(id, l, l.tree == null ? 64 : 64 + weightOf(st.blob == null ? 0 : st.blob.plainLength()));
        return l;
    }

    /**
     * Reads tree {@code id} with the trees of its pack nearest to it (by offset) that are not
     * cached, up to half the stored budget, in one covering request; returns {@code id}'s entry
     * (an entry with no blob when the index does not know it).
     */
    private Stored fetch(Id id) throws InterruptedIOException {
        PackedBlob want = repo.findBlob(BlobType.TREE, id).orElse(null);
        if (want == null) return new Stored(null, null, new BlobNotFoundException(BlobType.TREE, id));
        List<PackedBlob> mates = new ArrayList<>(treesByPack().getOrDefault(want.pack(), List.of()));
        mates.sort(Comparator.comparingLong(b -> Math.abs(b.offset() - want.offset())));
        List<PackedBlob> read = new ArrayList<>();
        read.add(want);
        Set<Id> asked = new HashSet<>();
        asked.add(id);
        long room = storedBudget / 2 - want.length();
        for (PackedBlob b : mates) {
            if (room <= 0) break;
            if (b.length() > room || stored.contains(b.id()) || !asked.add(b.id())) continue;
            read.add(b);
            room -= b.length();
        }
        Map<Id, Stored> got = new HashMap<>();
        try {
            repo.loadStoredBlobsFromPack(want.pack(), read, buffer, (pb, bytes, error) -> got.put(pb.id(), new Stored(pb, bytes, error)), cancel);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            got.put(id, new Stored(want, null, e)); // the sink throws nothing: not reached
        }
        if (buffer.bytes().length > MAX_KEPT_BUFFER) buffer.release();
        Stored mine = got.remove(id);
        if (mine == null) mine = new Stored(want, null, null); // never reported: read alone in decode
        treesRead += 1 + got.size();
        for (Map.Entry<Id, Stored> e : got.entrySet()) {
            if (e.getValue().bytes != null) stored.put(e.getKey(), e.getValue(), weightOf(e.getValue().bytes.length));
        }
        if (mine.bytes != null) stored.put(id, mine, weightOf(mine.bytes.length));
        return mine;
    }

    /** The read buffer is kept between reads up to this size; a larger one (a huge pack's range) is dropped. */
    private static final int MAX_KEPT_BUFFER = 4 * 1024 * 1024;

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

    private static long weightOf(long bytes) {
        return 64 + Math.clamp(bytes, 0, PackedBlob.MAX_TREE_BLOB);
    }

    /**
     * Decodes a stored tree; a copy that does not decode (or whose read failed) is read again
     * with {@link Repository#loadBlob}, which tries every copy and names what is wrong.
     */
    private Loaded decode(Id id, Stored st) throws InterruptedIOException {
        if (st.blob == null) return new Loaded(null, List.of(), st.error);
        byte[] plain;
        try {
            plain = st.bytes == null ? null : repo.decodeBlob(st.blob, st.bytes, 0);
        } catch (IOException e) {
            plain = null;
        }
        if (plain == null) {
            cancel.check();
            try {
                plain = repo.loadBlob(BlobType.TREE, id);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                return new Loaded(null, List.of(), e);
            }
        }
        treesLoaded++;
        try {
            Tree t = TreeCodec.decode(id, plain);
            return new Loaded(t, TreeRules.problems(t), null);
        } catch (IOException e) {
            return new Loaded(null, List.of(), e);
        } catch (RuntimeException e) {
            return new Loaded(null, List.of(), new IOException("tree " + id.shortHex() + ": " + e.getMessage(), e));
        }
    }

    /** A cache bounded by the weights of its entries, the least recently used dropped first. */
    private static final class Lru<T> {
        private final long budget;
        private final LinkedHashMap<Id, Entry<T>> map = new LinkedHashMap<>(256, 0.75f, true);
        private long weight;

        Lru(long budget) {
            this.budget = budget;
        }

        T get(Id id) {
            Entry<T> e = map.get(id);
            return e == null ? null : e.value;
        }

        boolean contains(Id id) {
            return map.containsKey(id);
        }

        void put(Id id, T value, long w) {
            Entry<T> old = map.put(id, new Entry<>(value, w));
            if (old != null) weight -= old.weight;
            weight += w;
            Iterator<Map.Entry<Id, Entry<T>>> it = map.entrySet().iterator();
            while (weight > budget && map.size() > 1 && it.hasNext()) {
                Map.Entry<Id, Entry<T>> oldest = it.next();
                if (oldest.getKey().equals(id)) continue;
                weight -= oldest.getValue().weight;
                it.remove();
            }
        }
    }
}
