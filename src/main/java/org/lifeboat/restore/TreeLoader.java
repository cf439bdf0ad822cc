package org.lifeboat.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.TreeCache;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * The trees of one restore, shared by the {@link Sizer}, the walk and {@code --verify}: read
 * pack-wise and kept as stored by a {@link TreeCache} (about one request per tree pack, see there),
 * and kept decoded too, in a second cache of a quarter of the budget (by plaintext length), so that
 * a snapshot of a few thousand folders is decoded once for the space check, the walk and the
 * verification. Bounded whatever the snapshot: the least recently used trees of each cache are
 * dropped when it is full, so a huge snapshot degrades to re-reads, not to more memory. Not
 * thread-safe: one per restore, used from the restore's thread.
 */
final class TreeLoader {
    /** The default budget, in bytes of stored trees (decoded trees are kept up to a quarter of it, by plaintext). */
    static final long DEFAULT_BUDGET = TreeCache.DEFAULT_BUDGET;

    /**
     * One tree as loaded: its tree and the {@link TreeRules} problems it has, or why it could not
     * be loaded ({@code error} set, {@code tree} null).
     */
    record Loaded(Tree tree, List<String> problems, IOException error) {}

    private record Entry(Loaded loaded, long weight) {}

    private final Repository repo;
    private final TreeCache stored;
    private final long decodedBudget;
    private final LinkedHashMap<Id, Entry> decoded = new LinkedHashMap<>(256, 0.75f, true);
    private long weight;
    private long treesLoaded;

    /**
     * @param budget how many bytes of stored trees to keep (at least one tree is kept); decoded
     *               trees are kept up to a quarter of it (by plaintext length)
     */
    TreeLoader(Repository repo, Cancel cancel, long budget) {
        this.repo = repo;
        this.stored = new TreeCache(repo, budget, cancel);
        this.decodedBudget = Math.max(1, budget / 4);
    }

    /** Trees decoded so far (a tree decoded again after it left the decoded cache counts again). */
    long treesLoaded() {
        return treesLoaded;
    }

    /** Trees read from the repository so far (a tree read again after it left the stored cache counts again). */
    long treesRead() {
        return stored.treesRead();
    }

    /**
     * Tree {@code id}: decoded from the cache, else decoded from its stored bytes (read with its
     * pack's nearest trees on a miss, see {@link TreeCache}).
     *
     * @throws InterruptedIOException if the thread is interrupted
     * @throws Cancel.Cancelled       if the restore is cancelled
     */
    Loaded get(Id id) throws InterruptedIOException {
        Entry e = decoded.get(id);
        if (e != null) return e.loaded;
        Loaded l;
        long plain = 0;
        try {
            byte[] json = stored.load(id);
            plain = json.length;
            treesLoaded++;
            Tree t = TreeCodec.decode(id, json);
            l = new Loaded(t, TreeRules.problems(t), null);
        } catch (InterruptedIOException ie) {
            throw ie;
        } catch (IOException ex) {
            l = new Loaded(null, List.of(), ex);
        } catch (RuntimeException ex) {
            l = new Loaded(null, List.of(), new IOException("tree " + id.shortHex() + ": " + ex.getMessage(), ex));
        }
        put(id, new Entry(l, 64 + plain));
        return l;
    }

    private void put(Id id, Entry en) {
        Entry old = decoded.put(id, en);
        if (old != null) weight -= old.weight;
        weight += en.weight;
        Iterator<Map.Entry<Id, Entry>> it = decoded.entrySet().iterator();
        while (weight > decodedBudget && decoded.size() > 1 && it.hasNext()) {
            Map.Entry<Id, Entry> oldest = it.next();
            if (oldest.getKey().equals(id)) continue;
            weight -= oldest.getValue().weight;
            it.remove();
        }
    }
}
