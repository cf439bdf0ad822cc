package org.lifeboat.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobNotFoundException;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * The trees of one restore, loaded pack-wise and kept in a cache bounded by bytes, shared by the
 * {@link Sizer} and the walk. On a miss the tree and the trees below it are loaded breadth-first,
 * level by level: each level's not-yet-loaded tree IDs are grouped by pack and each pack's group is
 * read with one covering request ({@link Repository#loadBlobsFromPack}), {@link
 * Repository#connections()} packs at once. So a snapshot costs about (levels × tree packs)
 * requests instead of one request per tree, which matters when each request costs 10–100 ms.
 *
 * <p>Bounded whatever the snapshot: one prefetch stops adding trees once it has loaded half the
 * cache's budget, levels go no deeper than {@link TreeRules#MAX_DEPTH}, each tree ID is loaded once
 * per prefetch (a subtree reused at every level is one tree), and the least recently used trees are
 * dropped when the cache is full, so a huge snapshot degrades to re-reads, not to more memory.
 * Children of a tree that breaks {@link TreeRules} are not loaded (it is never restored). Not
 * thread-safe: one per restore, used from the restore's thread.
 */
final class TreeLoader {
    /** The default budget of the cache, in bytes of tree plaintext (decoded trees take about 2–3× that). */
    static final long DEFAULT_BUDGET = 32L * 1024 * 1024;

    /**
     * One tree as loaded: its tree and the {@link TreeRules} problems it has, or why it could not
     * be loaded ({@code error} set, {@code tree} null).
     */
    record Loaded(Tree tree, List<String> problems, IOException error) {}

    private record Entry(Loaded loaded, long weight) {}

    private final Repository repo;
    private final Cancel cancel;
    private final long budget;
    private final LinkedHashMap<Id, Entry> cache = new LinkedHashMap<>(256, 0.75f, true);
    private long cached;
    /** Packs whose trees were all read (or found too many for the budget): never completed again. */
    private final Set<Id> completed = new HashSet<>();
    private Map<Id, List<PackedBlob>> treesByPack;
    private final LongAdder treesLoaded = new LongAdder();

    /**
     * @param budget how many bytes of tree plaintext the cache may hold (at least one tree is kept)
     */
    TreeLoader(Repository repo, Cancel cancel, long budget) {
        this.repo = repo;
        this.cancel = cancel;
        this.budget = Math.max(1, budget);
    }

    /** Trees decoded from the repository so far (a tree read again after eviction counts again). */
    long treesLoaded() {
        return treesLoaded.sum();
    }

    /**
     * Tree {@code id}: from the cache, else loaded with the trees below it (see the class comment).
     *
     * @throws InterruptedIOException if the thread is interrupted
     * @throws Cancel.Cancelled       if the restore is cancelled
     */
    Loaded get(Id id) throws InterruptedIOException {
        Entry e = cache.get(id);
        if (e != null) return e.loaded;
        return prefetch(id).get(id);
    }

    /**
     * Loads {@code root} and the trees below it breadth-first until half the budget is loaded
     * (sizes from the index, so a level wider than that is read in parts); returns what it loaded
     * (also put in the cache).
     */
    private Map<Id, Loaded> prefetch(Id root) throws InterruptedIOException {
        Map<Id, Loaded> got = new java.util.HashMap<>();
        Set<Id> seen = new HashSet<>();
        List<Id> level = List.of(root);
        seen.add(root);
        long loadedBytes = 0;
        long half = Math.max(1, budget / 2);
        for (int depth = 0; !level.isEmpty() && depth <= TreeRules.MAX_DEPTH; depth++) {
            List<Id> toLoad = new ArrayList<>();
            List<Id> next = new ArrayList<>();
            for (Id id : level) {
                Entry e = cache.get(id);
                if (e != null) children(e.loaded, seen, next); // known: only its children may be missing
                else toLoad.add(id);
            }
            int i = 0;
            while (i < toLoad.size()) {
                if (loadedBytes >= half) return got;
                List<Id> batch = new ArrayList<>();
                List<Long> weights = new ArrayList<>();
                long sum = 0;
                while (i < toLoad.size()) {
                    long w = weight(toLoad.get(i));
                    if (!batch.isEmpty() && loadedBytes + sum + w > half) break;
                    batch.add(toLoad.get(i++));
                    weights.add(w);
                    sum += w;
                }
                Repository.PackPlan plan = repo.planByPack(BlobType.TREE, batch);
                long extra = addPackMates(plan, half - loadedBytes - sum);
                Map<Id, Loaded> now = loadLevel(plan);
                for (int k = 0; k < batch.size(); k++) {
                    Id id = batch.get(k);
                    Loaded l = now.remove(id);
                    put(id, l, weights.get(k));
                    got.put(id, l);
                    children(l, seen, next);
                }
                // the other trees of the packs read: cached for the levels below (their children
                // are taken from the cache when their parent's level comes)
                for (Map.Entry<Id, Loaded> m : now.entrySet()) put(m.getKey(), m.getValue(), weight(m.getKey()));
                loadedBytes += sum + extra;
            }
            level = next;
        }
        return got;
    }

    /**
     * Adds to each pack's group the other trees that pack holds and the cache does not, when they
     * fit in {@code room} bytes (the tree packs of one backup hold its trees, so the levels below
     * then cost no further request); each pack is completed once. Returns the bytes added.
     */
    private long addPackMates(Repository.PackPlan plan, long room) {
        long added = 0;
        for (Map.Entry<Id, List<PackedBlob>> p : plan.packs().entrySet()) {
            if (!completed.add(p.getKey())) continue;
            List<PackedBlob> mates = treesByPack().getOrDefault(p.getKey(), List.of());
            Set<Id> asked = new HashSet<>();
            for (PackedBlob b : p.getValue()) asked.add(b.id());
            List<PackedBlob> more = new ArrayList<>();
            long bytes = 0;
            for (PackedBlob b : mates) {
                if (asked.contains(b.id()) || cache.containsKey(b.id()) || !asked.add(b.id())) continue;
                more.add(b);
                bytes += weight(b.id());
            }
            if (added + bytes > room) continue;
            p.getValue().addAll(more);
            added += bytes;
        }
        return added;
    }

    /** The tree blobs of the index by pack, made on first use. */
    private Map<Id, List<PackedBlob>> treesByPack() {
        if (treesByPack == null) {
            treesByPack = new java.util.HashMap<>();
            for (PackedBlob b : repo.indexedBlobs(BlobType.TREE)) {
                treesByPack.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
            }
        }
        return treesByPack;
    }

    /** Adds the subtrees of a good tree not seen yet in this prefetch. */
    private static void children(Loaded l, Set<Id> seen, List<Id> next) {
        if (l.tree == null || !l.problems.isEmpty()) return;
        for (Node n : l.tree.nodes()) {
            if (n.type() == NodeType.DIR && n.subtree() != null && seen.add(n.subtree())) next.add(n.subtree());
        }
    }

    /** What a tree counts against the budget: its plaintext length from the index, plus a little. */
    private long weight(Id id) {
        PackedBlob pb = repo.findBlob(BlobType.TREE, id).orElse(null);
        return 64 + (pb == null ? 0 : Math.clamp(pb.plainLength(), 0, PackedBlob.MAX_TREE_BLOB));
    }

    private void put(Id id, Loaded l, long w) {
        Entry old = cache.put(id, new Entry(l, w));
        if (old != null) cached -= old.weight;
        cached += w;
        Iterator<Map.Entry<Id, Entry>> it = cache.entrySet().iterator();
        while (cached > budget && cache.size() > 1 && it.hasNext()) {
            Map.Entry<Id, Entry> oldest = it.next();
            if (oldest.getKey().equals(id)) continue;
            cached -= oldest.getValue().weight;
            it.remove();
        }
    }

    /** Loads the given trees pack by pack, {@link Repository#connections()} packs at once. */
    private Map<Id, Loaded> loadLevel(Repository.PackPlan plan) throws InterruptedIOException {
        Map<Id, Loaded> out = new ConcurrentHashMap<>();
        for (Id m : plan.missing()) out.put(m, new Loaded(null, List.of(), new BlobNotFoundException(BlobType.TREE, m)));
        List<Map.Entry<Id, List<PackedBlob>>> packs = new ArrayList<>(plan.packs().entrySet());
        int workers = Math.min(repo.connections(), packs.size());
        if (workers <= 1) {
            for (var p : packs) loadPack(p.getKey(), p.getValue(), out);
        } else {
            try (ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().daemon().name("tree-reader-", 0).factory())) {
                List<Future<?>> fs = new ArrayList<>();
                for (var p : packs) {
                    fs.add(pool.submit(() -> {
                        loadPack(p.getKey(), p.getValue(), out);
                        return null;
                    }));
                }
                try {
                    for (Future<?> f : fs) f.get();
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("restore interrupted");
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    if (e.getCause() instanceof InterruptedIOException ie) throw ie;
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    if (e.getCause() instanceof Error er) throw er;
                    throw new IllegalStateException(e.getCause()); // loadPack reports per tree; not reached
                }
            }
        }
        for (List<PackedBlob> l : plan.packs().values()) { // a blob the pack read never reported (should not happen)
            for (PackedBlob b : l) out.computeIfAbsent(b.id(), k -> new Loaded(null, List.of(), new BlobNotFoundException(BlobType.TREE, k)));
        }
        return out;
    }

    private void loadPack(Id pack, List<PackedBlob> blobs, Map<Id, Loaded> out) throws InterruptedIOException {
        try {
            repo.loadBlobsFromPack(pack, blobs, (pb, plain, error) -> {
                if (error != null) {
                    out.put(pb.id(), new Loaded(null, List.of(), error));
                    return;
                }
                out.put(pb.id(), decode(pb.id(), plain));
            }, cancel);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            for (PackedBlob b : blobs) out.putIfAbsent(b.id(), new Loaded(null, List.of(), e));
        }
    }

    private Loaded decode(Id id, byte[] plain) {
        treesLoaded.increment();
        try {
            Tree t = TreeCodec.decode(id, plain);
            return new Loaded(t, TreeRules.problems(t), null);
        } catch (IOException e) {
            return new Loaded(null, List.of(), e);
        } catch (RuntimeException e) {
            return new Loaded(null, List.of(), new IOException("tree " + id.shortHex() + ": " + e.getMessage(), e));
        }
    }
}
