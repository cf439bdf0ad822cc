package org.lifeboat.rewrite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * Rewrites snapshots without the entries matching exclude patterns, as restic's {@code rewrite}
 * (0.16/0.17): the new snapshot keeps the original's time, host, paths and tags, adds the tag
 * {@value #TAG} (not with {@code forget}), names the original in {@code original} and gets the
 * summary's file count and size of what is left. What is written comes in the order that keeps
 * a crash harmless: the new trees' packs, then the index naming them, then the new snapshot, and
 * only then (with {@code forget}) the original snapshot is removed. A crash before the end leaves
 * the original as it was, and at worst packs nothing refers to (prune removes them).
 *
 * <p>The caller holds a lock: a shared one, or an exclusive one with {@code forget} (restic's).
 */
public final class SnapshotRewriter {
    /** The tag restic adds to a rewritten snapshot when the original is kept. */
    public static final String TAG = "rewrite";

    /**
     * What happened to one snapshot.
     *
     * @param original  the snapshot as it was
     * @param rewritten the new snapshot (its ID set once saved; null when nothing matched)
     * @param removed   the removed entries' paths (a folder's ends with '/'); empty when nothing matched
     * @param forgotten whether the original snapshot file was removed
     * @param notForgotten with {@code forget}, why the original could not be removed once the new
     *     snapshot was saved (both are then there), else null
     */
    public record Outcome(Snapshot original, Snapshot rewritten, List<String> removed, boolean forgotten, String notForgotten) {
        public boolean changed() {
            return rewritten != null;
        }
    }

    private final Repository repo;
    private final TreeFilter filter;
    private final boolean dryRun;
    private final boolean forget;
    private final Cancel cancel;

    /**
     * @param repo     the repository, its index loaded
     * @param excludes what to remove (not empty)
     * @param forget   remove each original snapshot once its rewrite is saved
     * @param dryRun   write nothing; the outcomes say what would be done
     * @param cancel   the job's token
     */
    public SnapshotRewriter(Repository repo, PathPatterns excludes, boolean forget, boolean dryRun, Cancel cancel) {
        this.repo = repo;
        this.filter = new TreeFilter(repo, excludes, !dryRun, cancel);
        this.forget = forget;
        this.dryRun = dryRun;
        this.cancel = cancel;
    }

    /**
     * Rewrites one snapshot: nothing is written when no entry matches.
     *
     * @throws org.lifeboat.repository.RepositoryException as {@link TreeFilter#filter}: nothing of
     *     this snapshot was saved
     * @throws IOException when a pack, the index or the snapshot cannot be written: the original
     *     snapshot is untouched
     * @throws Cancel.Cancelled when cancelled
     */
    public Outcome rewrite(Snapshot s) throws IOException {
        TreeFilter.Result r = filter.filter(s.tree());
        if (r.tree().equals(s.tree())) return new Outcome(s, null, List.of(), false, null);
        Snapshot next = rewritten(s, r, forget);
        if (dryRun) return new Outcome(s, next, r.removed(), false, null);
        repo.flush(cancel); // packs, then the index naming them: the snapshot must find its trees
        Snapshot saved = repo.saveSnapshot(next);
        if (!forget || saved.id().equals(s.id())) return new Outcome(s, saved, r.removed(), false, null);
        try {
            repo.removeFile(Repository.FileKind.SNAPSHOT, s.id());
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // the new snapshot is saved: the rewrite is done, only the old file is left over
            return new Outcome(s, saved, r.removed(), false, e.getMessage());
        }
        return new Outcome(s, saved, r.removed(), true, null);
    }

    /** The new snapshot for {@code s} with the filtered tree (as restic's filterAndReplaceSnapshot). */
    static Snapshot rewritten(Snapshot s, TreeFilter.Result r, boolean forget) {
        List<String> tags = new ArrayList<>(s.tags() == null ? List.of() : s.tags());
        if (!forget && !tags.contains(TAG)) tags.add(TAG);
        Snapshot.Summary old = s.summary();
        // restic 0.17 records what is left: the count and size of the files; the rest is kept
        Snapshot.Summary summary = old == null
                ? new Snapshot.Summary(null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, r.files(), r.bytes(), 0)
                : new Snapshot.Summary(old.backupStart(), old.backupEnd(), old.filesNew(), old.filesChanged(),
                        old.filesUnmodified(), old.dirsNew(), old.dirsChanged(), old.dirsUnmodified(), old.dataBlobs(),
                        old.treeBlobs(), old.dataAdded(), old.dataAddedPacked(), r.files(), r.bytes(), old.errors());
        // "original" always names the snapshot rewritten: the new one is a new snapshot (restic)
        return new Snapshot(null, s.time(), s.parent(), r.tree(), s.paths(), s.hostname(), s.username(), s.uid(),
                s.gid(), s.excludes(), tags, s.id(), s.programVersion(), summary);
    }
}
