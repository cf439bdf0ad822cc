package org.lifeboat.rewrite;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * Rewrites snapshots, as restic's {@code rewrite} (0.17–0.19): without the entries matching
 * exclude patterns, or with only those matching include patterns (0.19), with a new host or time ({@code --new-host}, {@code --new-time}), and with
 * the summary's file count and size of what is left ({@code --snapshot-summary}, restic 0.18).
 * The new snapshot keeps everything else of the original (paths, tags, parent, the rest of the
 * summary), adds the tag {@value #TAG} (not with {@code forget}) and names the original in
 * {@code original}.
 *
 * <p>Summaries follow restic 0.18: whenever trees are walked (a pattern option given, even with
 * only empty patterns, or {@code --snapshot-summary}), the new snapshot's {@code total_files_processed} and
 * {@code total_bytes_processed} are those of the filtered tree, and a snapshot without a summary
 * gets one holding only these two. A snapshot is rewritten when its tree, host, time or summary
 * changes; so patterns that match nothing still rewrite a snapshot that had no summary (restic
 * 0.14–0.16's) or a different count, as restic 0.18 does. (restic 0.17 only updated a summary that
 * was there.)
 *
 * <p>What is written comes in the order that keeps a crash harmless: the new trees' packs, then
 * the index naming them, then the new snapshot, and only then (with {@code forget}) the original
 * snapshot is removed. A crash before the end leaves the original as it was, and at worst packs
 * nothing refers to (prune removes them).
 *
 * <p>The caller holds a lock: a shared one, or an exclusive one with {@code forget} (restic's).
 */
public final class SnapshotRewriter {
    /** The tag restic adds to a rewritten snapshot when the original is kept. */
    public static final String TAG = "rewrite";

    /**
     * What to change in each snapshot.
     *
     * @param patterns        entries to remove (or to keep, with {@code include}); null when no
     *     pattern option was given. Given but empty (every pattern was "") still walks the trees,
     *     as restic, which counts the options, not the patterns
     * @param include         keep only the entries matching {@code patterns} (restic 0.19's
     *     {@code --include}); a snapshot in which nothing matches is left as it is
     * @param snapshotSummary record the files left in the summary, adding one where there is none
     * @param newHost         the host name to set, or null (restic: an empty name is no change)
     * @param newTime         the snapshot time to set, or null
     */
    public record Changes(PathPatterns patterns, boolean include, boolean snapshotSummary, String newHost,
                          OffsetDateTime newTime) {
        public Changes {
            if (newHost != null && newHost.isEmpty()) newHost = null;
            if (include && patterns == null) throw new IllegalArgumentException("include without patterns");
        }

        /** Whether the trees are walked: pattern options given, or a summary asked for. */
        boolean walks() {
            return patterns != null || snapshotSummary;
        }
    }

    /**
     * What happened to one snapshot.
     *
     * @param original  the snapshot as it was
     * @param rewritten the new snapshot (its ID set once saved; null when nothing changed)
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
    private final Changes changes;
    private final TreeFilter filter;
    private final boolean dryRun;
    private final boolean forget;
    private final Cancel cancel;

    /**
     * @param repo     the repository, its index loaded
     * @param changes  what to change
     * @param forget   remove each original snapshot once its rewrite is saved
     * @param dryRun   write nothing; the outcomes say what would be done
     * @param cancel   the job's token
     */
    public SnapshotRewriter(Repository repo, Changes changes, boolean forget, boolean dryRun, Cancel cancel) {
        this.repo = repo;
        this.changes = changes;
        this.filter = new TreeFilter(repo, changes.patterns() == null ? new PathPatterns(List.of()) : changes.patterns(),
                changes.include(), !dryRun, cancel);
        this.forget = forget;
        this.dryRun = dryRun;
        this.cancel = cancel;
    }

    /**
     * Rewrites one snapshot: nothing is written when nothing changes.
     *
     * @throws org.lifeboat.repository.RepositoryException as {@link TreeFilter#filter}: nothing of
     *     this snapshot was saved
     * @throws IOException when a pack, the index or the snapshot cannot be written: the original
     *     snapshot is untouched
     * @throws Cancel.Cancelled when cancelled
     */
    public Outcome rewrite(Snapshot s) throws IOException {
        Id tree = s.tree();
        List<String> removed = List.of();
        Snapshot.Summary summary = s.summary();
        if (changes.walks()) {
            TreeFilter.Result r = filter.filter(s.tree());
            // restic keeps a snapshot that includes would empty as it is (not even new metadata)
            if (r.tree() == null) return new Outcome(s, null, List.of(), false, null);
            tree = r.tree();
            removed = r.removed();
            summary = summary(s.summary(), r.files(), r.bytes());
        }
        Snapshot next = rewritten(s, tree, summary, changes, forget);
        // restic: a new host or time given always writes a new snapshot, even when it is the same
        if (tree.equals(s.tree()) && Objects.equals(summary, s.summary()) && changes.newHost() == null
                && changes.newTime() == null) {
            return new Outcome(s, null, List.of(), false, null);
        }
        if (dryRun) return new Outcome(s, next, removed, false, null);
        repo.flush(cancel); // packs, then the index naming them: the snapshot must find its trees
        Snapshot saved = repo.saveSnapshot(next);
        if (!forget || saved.id().equals(s.id())) return new Outcome(s, saved, removed, false, null);
        try {
            repo.removeFile(Repository.FileKind.SNAPSHOT, s.id());
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // the new snapshot is saved: the rewrite is done, only the old file is left over
            return new Outcome(s, saved, removed, false, e.getMessage());
        }
        return new Outcome(s, saved, removed, true, null);
    }

    /**
     * The summary of a filtered snapshot (restic 0.18): the old one, or an empty one when there was
     * none, with the count and total size, in bytes, of the regular files left.
     */
    static Snapshot.Summary summary(Snapshot.Summary old, long files, long bytes) {
        if (old == null) return new Snapshot.Summary(null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, files, bytes, 0);
        return new Snapshot.Summary(old.backupStart(), old.backupEnd(), old.filesNew(), old.filesChanged(),
                old.filesUnmodified(), old.dirsNew(), old.dirsChanged(), old.dirsUnmodified(), old.dataBlobs(),
                old.treeBlobs(), old.dataAdded(), old.dataAddedPacked(), files, bytes, old.errors());
    }

    /** The new snapshot for {@code s} (as restic's filterAndReplaceSnapshot). */
    static Snapshot rewritten(Snapshot s, Id tree, Snapshot.Summary summary, Changes changes, boolean forget) {
        List<String> tags = new ArrayList<>(s.tags() == null ? List.of() : s.tags());
        if (!forget && !tags.contains(TAG)) tags.add(TAG);
        OffsetDateTime time = changes.newTime() != null ? changes.newTime() : s.time();
        String host = changes.newHost() != null ? changes.newHost() : s.hostname();
        // "original" always names the snapshot rewritten: the new one is a new snapshot (restic)
        return new Snapshot(null, time, s.parent(), tree, s.paths(), host, s.username(), s.uid(),
                s.gid(), s.excludes(), tags, s.id(), s.programVersion(), summary);
    }
}
