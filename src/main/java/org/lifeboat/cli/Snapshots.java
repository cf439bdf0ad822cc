package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * Resolves "ID", "latest" and "ID:subfolder" arguments, and cleans every path that names something
 * in a snapshot ({@link #clean}), so that ls, dump, find, diff and restore read one path the same way.
 *
 * @param subfolder the cleaned folder after "ID:" ("/" when there is none), see {@link #clean}
 */
record Snapshots(Snapshot snapshot, String subfolder) {
    static Snapshots resolve(Context ctx, Repository repo, SnapshotFilter filter, String arg) throws IOException {
        String id = arg;
        String sub = "/";
        int colon = arg.indexOf(':');
        if (colon >= 0) {
            id = arg.substring(0, colon);
            sub = clean(arg.substring(colon + 1));
        }
        List<Snapshot> all = repo.listSnapshots(ctx::warn);
        try {
            return new Snapshots(filter.resolve(all, id), sub);
        } catch (org.lifeboat.repository.SnapshotNotFoundException e) {
            // A snapshot file that exists but cannot be read is damage, not an unknown ID.
            for (org.lifeboat.repository.Id sid : repo.listFiles(Repository.FileKind.SNAPSHOT)) {
                if (!id.isEmpty() && sid.hex().startsWith(id.toLowerCase(java.util.Locale.ROOT))) {
                    repo.loadSnapshot(sid); // throws the error that names the damage
                }
            }
            throw e;
        }
    }

    /**
     * The tree of the folder this argument names: the snapshot's root tree, or that of its
     * {@code ID:folder}.
     *
     * @throws UserException       naming the snapshot and folder when the folder is not in the
     *                             snapshot or is not a folder there
     * @throws RepositoryException when a tree on the way cannot be read or breaks the tree rules
     */
    Id root(Repository repo) throws IOException {
        if (subfolder.equals("/")) return snapshot.tree();
        try {
            return TreeWalker.subtree(repo, snapshot.tree(), subfolder);
        } catch (RepositoryException e) {
            String m = e.getMessage();
            if (m != null && (m.endsWith(" is not in the snapshot") || m.endsWith(" is not a folder in the snapshot"))) {
                throw new UserException("snapshot " + snapshot.id().shortHex() + " has no folder "
                        + Names.display(subfolder) + " (" + m + ")");
            }
            throw e;
        }
    }

    /** "" for the whole snapshot, else "/a/b": the prefix of paths inside {@link #subfolder}. */
    String prefix() {
        return subfolder.equals("/") ? "" : subfolder;
    }

    /**
     * A path inside a snapshot, cleaned as Go's {@code path.Clean("/" + p)} (restic cleans every
     * path it is given): always absolute, no empty, "." or trailing components, ".." removes the
     * component before it (and stays at the root). "/" for the root.
     */
    static String clean(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                parts.pollLast();
                continue;
            }
            parts.addLast(part);
        }
        return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
    }
}
