package org.lifeboat.repair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * restic's {@code repair snapshots} (0.16 and later): rewrites snapshots whose trees or file
 * contents the index does not have. A file loses the data blobs the index does not know (its size
 * becomes what is left; a file whose size disagrees with its blobs gets their size); a folder whose
 * tree cannot be loaded becomes an empty folder; a snapshot whose root tree cannot be loaded is
 * removed. A changed snapshot is saved anew recording its {@code original}, tagged "repaired"
 * unless the old one is removed ({@code forget}). Depends on a correct index: run
 * {@link IndexRepair} first. The caller holds an exclusive lock.
 */
public final class SnapshotRepair {
    /** The tag restic adds to a repaired snapshot that is kept beside its original. */
    public static final String TAG = "repaired";

    /**
     * What happened to one snapshot.
     *
     * @param snapshot the snapshot examined
     * @param changes  one line per file or folder changed, as restic prints them
     * @param outcome  UNCHANGED, REPAIRED (saved as {@code newId}) or REMOVED (its root was unreadable)
     * @param newId    the repaired snapshot (null unless REPAIRED and not a dry run)
     * @param lostBytes bytes of file content the repaired snapshot no longer has
     * @param kept     why the original could not be removed (null when it was, or was not to be)
     */
    public record SnapshotResult(Snapshot snapshot, List<String> changes, Outcome outcome, Id newId, long lostBytes,
                                 String kept) {}

    /** What the repair did to a snapshot. */
    public enum Outcome { UNCHANGED, REPAIRED, REMOVED }

    private final Repository repo;
    private final Consumer<String> out;
    private final Cancel cancel;
    private final boolean dryRun;
    private final boolean forget;
    /** Rewritten trees by original ID: a tree shared by snapshots is examined once. */
    private final Map<Id, Rewritten> done = new HashMap<>();
    private Id emptyTree;

    /** A tree after the repair: its new ID (the same when unchanged) and what changed, paths relative to it. */
    private record Rewritten(Id id, List<Change> changes, long lostBytes) {}

    /** One change: "file" or "dir", its path relative to the tree examined ("" for the tree itself), and what. */
    private record Change(String kind, String path, String what) {}

    /**
     * @param repo   an open repository with its index loaded
     * @param out    receives the lines restic prints: the snapshot, then each change
     * @param cancel checked between trees
     * @param dryRun only say what would change; nothing is written
     * @param forget remove each original snapshot once its repaired one is saved
     */
    public SnapshotRepair(Repository repo, Consumer<String> out, Cancel cancel, boolean dryRun, boolean forget) {
        this.repo = repo;
        this.out = out;
        this.cancel = cancel;
        this.dryRun = dryRun;
        this.forget = forget;
    }

    /**
     * Repairs these snapshots, in order.
     *
     * @throws IOException if a tree cannot be saved, the storage keeps failing (a tree is never
     *     declared lost for a transient failure), or a snapshot cannot be saved
     * @throws Cancel.Cancelled when cancelled
     */
    public List<SnapshotResult> run(List<Snapshot> snapshots) throws IOException {
        List<SnapshotResult> results = new ArrayList<>();
        for (Snapshot sn : snapshots) {
            cancel.check();
            out.accept("");
            out.accept("snapshot " + sn.id().shortHex() + " of " + sn.paths() + " at " + sn.time());
            Rewritten root = rewrite(sn.tree(), "/", 0);
            List<String> lines = new ArrayList<>();
            for (Change c : root.changes()) {
                lines.add("  " + c.kind() + " " + TreeRules.quote(c.path().isEmpty() ? "/" : c.path()) + ": " + c.what());
            }
            lines.forEach(out);
            if (root.id() == null) {
                String kept = null;
                if (dryRun) {
                    out.accept("would delete empty snapshot");
                } else {
                    kept = remove(sn);
                    if (kept == null) out.accept("removed empty snapshot " + sn.id().shortHex());
                }
                results.add(new SnapshotResult(sn, lines, Outcome.REMOVED, null, root.lostBytes(), kept));
                continue;
            }
            if (root.id().equals(sn.tree())) {
                results.add(new SnapshotResult(sn, lines, Outcome.UNCHANGED, null, 0, null));
                continue;
            }
            if (dryRun) {
                out.accept("would save new snapshot");
                if (forget) out.accept("would remove old snapshot");
                results.add(new SnapshotResult(sn, lines, Outcome.REPAIRED, null, root.lostBytes(), null));
                continue;
            }
            // the trees first, then the snapshot that names them
            repo.flush(cancel);
            List<String> tags = new ArrayList<>(sn.tags() == null ? List.of() : sn.tags());
            if (!forget && !tags.contains(TAG)) tags.add(TAG);
            // As restic since 0.16: the repaired snapshot is a new one, its original the damaged one.
            Snapshot repaired = new Snapshot(null, sn.time(), sn.parent(), root.id(), sn.paths(), sn.hostname(),
                    sn.username(), sn.uid(), sn.gid(), sn.excludes(), tags, sn.id(), sn.programVersion(), sn.summary());
            Id id = repo.saveSnapshot(repaired).id();
            String kept = null;
            if (forget) {
                kept = remove(sn);
                if (kept == null) out.accept("removed old snapshot " + sn.id().shortHex());
            }
            out.accept("saved new snapshot " + id.shortHex());
            results.add(new SnapshotResult(sn, lines, Outcome.REPAIRED, id, root.lostBytes(), kept));
        }
        return results;
    }

    /** Removes a snapshot file; returns why it was kept (reported), or null when it was removed. */
    private String remove(Snapshot sn) throws IOException {
        try {
            repo.removeFile(Repository.FileKind.SNAPSHOT, sn.id());
            return null;
        } catch (RetainedException e) {
            out.accept("warning: snapshot " + sn.id().shortHex() + " was kept: " + e.getMessage());
            return e.getMessage();
        }
    }

    /**
     * The tree {@code id} at {@code path} with its damage removed; a null ID when it cannot be
     * loaded (the caller decides: an empty folder, or no snapshot for the root).
     */
    private Rewritten rewrite(Id id, String path, int depth) throws IOException {
        Rewritten r = done.get(id);
        if (r != null) return r;
        cancel.check();
        if (depth > TreeRules.MAX_DEPTH) {
            throw new RepositoryException("folder " + TreeRules.quote(path) + " lies deeper than "
                    + TreeRules.MAX_DEPTH + " folders; refusing to repair such a snapshot");
        }
        // Only damage counts as loss (not in the index, every copy missing or damaged, not a tree):
        // any other failure (the storage down, an interrupt) passes up and nothing is rewritten.
        byte[] raw;
        try {
            raw = repo.loadBlob(BlobType.TREE, id);
        } catch (RepositoryException e) {
            // permission denied is the storage's access, not the tree's loss: nothing is rewritten
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof java.nio.file.AccessDeniedException) throw e;
            }
            if (!repo.hasBlob(BlobType.TREE, id) && repo.hasBlob(BlobType.DATA, id)) {
                // "not in the index" would be false: the ID is there, as file contents
                return lost(new RepositoryException("tree " + id.shortHex() + " names a data blob, not a tree"), depth);
            }
            return lost(e, depth);
        }
        Tree tree;
        try {
            tree = TreeCodec.decode(id, raw);
        } catch (IOException e) {
            return lost(e, depth);
        }
        List<Node> nodes = new ArrayList<>(tree.nodes().size());
        List<Change> changes = new ArrayList<>();
        long lost = 0;
        boolean changed = false;
        for (Node n : tree.nodes()) {
            String child = path.equals("/") ? "/" + n.name() : path + "/" + n.name();
            if (n.type() == NodeType.DIR) {
                Id sub = n.subtree();
                Rewritten s = sub == null
                        ? new Rewritten(null, List.of(new Change("dir", "", "replaced with empty directory (it names no tree)")), 0)
                        : rewrite(sub, child, depth + 1);
                for (Change c : s.changes()) changes.add(new Change(c.kind(), "/" + n.name() + c.path(), c.what()));
                lost += s.lostBytes();
                Id newSub = s.id() == null ? emptyTree() : s.id();
                if (!newSub.equals(sub)) {
                    n = n.withSubtree(newSub);
                    changed = true;
                }
            } else if (n.type() == NodeType.FILE) {
                List<Id> content = n.content() == null ? List.of() : n.content();
                List<Id> kept = new ArrayList<>(content.size());
                long size = 0;
                int missing = 0;
                for (Id blob : content) {
                    java.util.Optional<PackedBlob> pb = repo.findBlob(BlobType.DATA, blob);
                    if (pb.isEmpty()) {
                        missing++;
                    } else {
                        kept.add(blob);
                        size += pb.get().plainLength();
                    }
                }
                if (missing > 0) {
                    long gone = Math.max(0, n.size() - size);
                    changes.add(new Change("file", "/" + n.name(), "removed missing content (" + missing + " of "
                            + Plural.of(content.size(), "blob") + ", " + gone + " of " + n.size() + " bytes lost)"));
                    lost += gone;
                    n = n.toBuilder().content(kept).size(size).build();
                    changed = true;
                } else if (size != n.size()) {
                    changes.add(new Change("file", "/" + n.name(), "fixed incorrect size (" + n.size() + " to " + size + " bytes)"));
                    n = n.toBuilder().content(kept).size(size).build();
                    changed = true;
                }
            }
            nodes.add(n);
        }
        Id newId = changed ? save(new Tree(nodes)) : id;
        r = new Rewritten(newId, List.copyOf(changes), lost);
        done.put(id, r);
        return r;
    }

    /** A tree that cannot be loaded; not remembered, as the message depends on where it is. */
    private static Rewritten lost(IOException e, int depth) {
        return new Rewritten(null, List.of(new Change("dir", "", depth == 0 ? "not readable (" + e.getMessage() + ")"
                : "replaced with empty directory (" + e.getMessage() + ")")), 0);
    }

    private Id emptyTree() throws IOException {
        if (emptyTree == null) emptyTree = save(Tree.EMPTY);
        return emptyTree;
    }

    /** Stores a tree (not in a dry run: only its ID is computed) and returns its ID. */
    private Id save(Tree t) throws IOException {
        byte[] enc = TreeCodec.encode(t);
        Id id = Id.hash(enc);
        if (!dryRun) repo.saveBlob(BlobType.TREE, id, enc, 0, enc.length);
        return id;
    }
}
