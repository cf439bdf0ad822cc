package org.lifeboat.rewrite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * Changes the tags of snapshots, as restic's {@code tag}: a snapshot whose tags change is saved
 * as a new snapshot file (same tree, time and host; {@code original} names the first snapshot of
 * the chain, so it survives repeated changes), then the old file is removed. Snapshots are
 * immutable files named by their hash, so this is the only way to change one. The caller holds
 * an exclusive lock.
 *
 * @param set    the tags that replace the snapshot's (empty: none given; {@link #clear} to remove all)
 * @param add    tags added when missing, in order
 * @param remove tags removed (every copy)
 * @param clear  {@code --set ""}: the snapshot ends with no tags
 */
public record SnapshotTags(List<String> set, List<String> add, List<String> remove, boolean clear) {
    public SnapshotTags {
        set = List.copyOf(set);
        add = List.copyOf(add);
        remove = List.copyOf(remove);
        if ((!set.isEmpty() || clear) && (!add.isEmpty() || !remove.isEmpty())) {
            throw new IllegalArgumentException("--set and --add/--remove cannot be given at the same time");
        }
    }

    /** The tags {@code s} gets, or null when they do not change (restic's AddTags/RemoveTags). */
    public List<String> apply(Snapshot s) {
        List<String> old = s.tags() == null ? List.of() : s.tags();
        if (clear || !set.isEmpty()) {
            // restic: --set always writes a new snapshot, even with the same tags
            return List.copyOf(set);
        }
        List<String> tags = new ArrayList<>(old);
        boolean changed = false;
        for (String t : add) {
            if (!tags.contains(t)) {
                tags.add(t);
                changed = true;
            }
        }
        for (String t : remove) changed |= tags.removeIf(t::equals);
        return changed ? tags : null;
    }

    /**
     * Saves {@code s} with its changed tags and removes the old snapshot file.
     *
     * @return the new snapshot (its ID set), or null when the tags do not change (nothing written)
     * @throws org.lifeboat.repository.RepositoryException saying so when the new snapshot was saved
     *     but the old file could not be removed (a retention keeps it, permission denied): both are there
     * @throws IOException when the new snapshot cannot be saved (the old one is untouched)
     */
    public Snapshot change(Repository repo, Snapshot s) throws IOException {
        List<String> tags = apply(s);
        if (tags == null) return null;
        Snapshot next = new Snapshot(null, s.time(), s.parent(), s.tree(), s.paths(), s.hostname(), s.username(),
                s.uid(), s.gid(), s.excludes(), tags, s.original() != null ? s.original() : s.id(),
                s.programVersion(), s.summary());
        Snapshot saved = repo.saveSnapshot(next);
        // file names are hashes of the encrypted bytes (random IV): never the old name, but never risk it
        if (saved.id().equals(s.id())) return saved;
        try {
            repo.removeFile(Repository.FileKind.SNAPSHOT, s.id());
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new org.lifeboat.repository.RepositoryException("the new tags were saved as snapshot " + saved.id().shortHex()
                    + ", but the old snapshot file could not be removed (both are there now): " + e.getMessage(), e);
        }
        return saved;
    }
}
