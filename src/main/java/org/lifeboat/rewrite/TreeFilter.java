package org.lifeboat.rewrite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * Removes the entries matching exclude patterns from a snapshot's trees, as restic's
 * {@code rewrite --exclude}, or keeps only those matching include patterns, as restic 0.19's
 * {@code rewrite --include} (a folder is kept when it matches or something in it is kept; one
 * that ends empty without matching is removed). Every tree on the way to a removed entry is
 * written anew (its blob saved into the repository's packs, which the caller flushes before it
 * saves the new snapshot); every other tree keeps its ID, so the data it names is shared with the
 * original snapshot.
 *
 * <p>Paths are matched as restic matches them: absolute, '/'-separated, from the snapshot's root
 * tree ({@code /home/u/.env}). An entry that an exclude matches is removed with everything below
 * it; one that an include matches is kept with everything below it.
 *
 * <p>No patterns is allowed: nothing matches, every tree keeps its ID, and the result still counts
 * the files left (what {@code rewrite --snapshot-summary} records).
 *
 * <p>One filter may serve several snapshots: a subtree seen at the same path before is not read
 * again. What it remembers is bounded: at most {@value #CACHED_TREES} (path, tree) results, the
 * least recently used dropped first (a dropped subtree is read again when met). Not thread-safe.
 */
public final class TreeFilter {
    /**
     * What filtering one tree gives.
     *
     * @param tree    the filtered tree's ID; the original's when nothing matched; null with
     *     include patterns when nothing in the tree is kept and its own path does not match (the
     *     folder goes; for a root tree restic leaves the snapshot as it is)
     * @param removed the removed entries' paths, in tree order (a folder's path ends with '/')
     * @param files   regular files left in the filtered tree
     * @param bytes   their total size, in bytes
     */
    public record Result(Id tree, List<String> removed, long files, long bytes) {
        public Result {
            removed = List.copyOf(removed);
        }
    }

    private final Repository repo;
    private final PathPatterns patterns;
    private final boolean include;
    private final boolean save;
    private final Cancel cancel;
    /**
     * How many (path, tree) results are remembered across trees and snapshots. Results are
     * stored after their subtrees (post-order), so the highest unchanged folders, the ones a next
     * snapshot meets first, stay longest. One entry holds a path, an ID and the removed paths below.
     */
    public static final int CACHED_TREES = 16_384;

    /** path + '\0' + tree ID → result: the same subtree at the same path filters the same. LRU. */
    private final Map<String, Result> seen;

    /**
     * @param repo     the repository, its index loaded
     * @param excludes what to remove; empty: nothing is removed
     * @param save     false for a dry run: new tree IDs are computed, nothing is written
     * @param cancel   checked once per tree
     */
    public TreeFilter(Repository repo, PathPatterns excludes, boolean save, Cancel cancel) {
        this(repo, excludes, false, save, cancel);
    }

    /**
     * @param repo     the repository, its index loaded
     * @param patterns what to remove, or with {@code include} what to keep
     * @param include  keep only what matches {@code patterns} (empty: nothing is kept)
     * @param save     false for a dry run: new tree IDs are computed, nothing is written
     * @param cancel   checked once per tree
     */
    public TreeFilter(Repository repo, PathPatterns patterns, boolean include, boolean save, Cancel cancel) {
        this(repo, patterns, include, save, cancel, CACHED_TREES);
    }

    /** As above, remembering at most {@code cachedTrees} results (tests use a small number). */
    TreeFilter(Repository repo, PathPatterns patterns, boolean include, boolean save, Cancel cancel, int cachedTrees) {
        this.seen = new LinkedHashMap<>(Math.min(cachedTrees, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Result> eldest) {
                return size() > cachedTrees;
            }
        };
        this.repo = repo;
        this.patterns = patterns;
        this.include = include;
        this.save = save;
        this.cancel = cancel;
    }

    /**
     * Filters the tree {@code root} (a snapshot's root tree).
     *
     * @return the filtered tree; {@link Result#tree()} equals {@code root} when nothing matched
     * @throws RepositoryException naming the tree and its path when a tree cannot be read, breaks
     *     the tree rules ({@link TreeRules}), is nested deeper than {@link TreeRules#MAX_DEPTH}
     *     folders, or holds fields Lifeboat cannot write back unchanged (a newer restic's): then
     *     nothing of the snapshot should be saved
     * @throws IOException when the storage fails or a new tree blob cannot be stored
     * @throws Cancel.Cancelled when {@code cancel} is cancelled
     */
    public Result filter(Id root) throws IOException {
        return filter(root, "", 0);
    }

    /** How many results are remembered now (at most {@link #CACHED_TREES}). */
    int cached() {
        return seen.size();
    }

    private Result filter(Id id, String path, int depth) throws IOException {
        cancel.check();
        String shown = path.isEmpty() ? "/" : path;
        if (depth > TreeRules.MAX_DEPTH) {
            throw new RepositoryException("the tree at " + shown + " is nested deeper than " + TreeRules.MAX_DEPTH + " folders");
        }
        String key = path + '\0' + id.hex();
        Result known = seen.get(key);
        if (known != null) return known;
        byte[] raw;
        try {
            raw = repo.loadBlob(BlobType.TREE, id);
        } catch (RepositoryException e) {
            throw new RepositoryException("the tree at " + shown + " cannot be read: " + e.getMessage(), e);
        }
        Tree tree = TreeCodec.decode(id, raw);
        List<String> problems = TreeRules.problems(tree);
        if (!problems.isEmpty()) {
            throw new RepositoryException("tree " + id.shortHex() + " at " + shown + " breaks the tree rules: " + problems.getFirst());
        }
        List<Node> kept = new ArrayList<>(tree.nodes().size());
        List<String> removed = new ArrayList<>();
        boolean changed = false;
        long files = 0;
        long bytes = 0;
        for (Node n : tree.nodes()) {
            String p = path + "/" + n.name();
            boolean descend = n.type() == NodeType.DIR && n.subtree() != null;
            // with includes a folder is walked even when it does not match: something in it may
            boolean keep = include ? descend || patterns.matches(p) : !patterns.matches(p);
            if (!keep) {
                removed.add(n.type() == NodeType.DIR ? p + "/" : p);
                changed = true;
                continue;
            }
            if (descend) {
                Result sub = filter(n.subtree(), p, depth + 1);
                if (sub.tree() == null) {
                    removed.add(p + "/"); // include: nothing in it kept, and it does not match itself
                    changed = true;
                    continue;
                }
                removed.addAll(sub.removed());
                files += sub.files();
                bytes += sub.bytes();
                if (!sub.tree().equals(n.subtree())) {
                    n = n.withSubtree(sub.tree());
                    changed = true;
                }
            } else if (n.type() == NodeType.FILE) {
                files++;
                bytes += n.size();
            }
            kept.add(n);
        }
        if (include && kept.isEmpty() && !patterns.matches(shown)) {
            Result gone = new Result(null, removed, 0, 0);
            seen.put(key, gone);
            return gone;
        }
        Id result = id;
        if (changed) {
            // The kept nodes are written back as decoded: that must give the stored bytes, or a
            // field Lifeboat does not know (a newer restic's) would be lost in silence.
            if (!Id.hash(TreeCodec.encode(tree)).equals(id)) {
                throw new RepositoryException("the tree at " + shown + " (" + id.shortHex() + ") cannot be written back"
                        + " without losing information (a field a newer restic writes?)");
            }
            byte[] encoded = TreeCodec.encode(new Tree(kept));
            result = Id.hash(encoded);
            if (save) repo.saveBlob(BlobType.TREE, result, encoded, 0, encoded.length);
        }
        Result r = new Result(result, removed, files, bytes);
        seen.put(key, r);
        return r;
    }
}
