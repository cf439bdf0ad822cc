package org.lifeboat.prune;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobNotFoundException;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * restic's FindUsedBlobs: walks every snapshot's trees and marks each tree and data blob they
 * reference in {@link BlobMarks}. Each distinct tree is loaded once (a tree marked already is not
 * walked again), on as many threads as the repository has connections. A tree that is missing or
 * cannot be read stops the prune, as in restic: prune would otherwise remove data a damaged
 * snapshot still names.
 */
final class UsedBlobs {
    private record Task(Id tree, Snapshot snapshot, String path) {}

    private final Repository repo;
    private final BlobMarks marks;
    private final Cancel cancel;
    private final Deque<Task> todo = new ArrayDeque<>();
    private int active;
    private IOException failure;
    /** Distinct referenced data blobs the index does not know (restic: "not found in the index"), not references. */
    private final java.util.Set<Id> missingData = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile String missingExample;

    private UsedBlobs(Repository repo, BlobMarks marks, Cancel cancel) {
        this.repo = repo;
        this.marks = marks;
        this.cancel = cancel;
    }

    /**
     * Marks every blob the snapshots use.
     *
     * @throws PruneException when a tree is damaged (naming snapshot, folder and tree)
     * @throws NotIndexed when a tree or data blobs are missing from the index (the caller decides
     *     the advice from the packs no index names)
     * @throws Cancel.Cancelled when cancelled
     * @throws IOException when the storage fails
     */
    static void mark(Repository repo, List<Snapshot> snapshots, BlobMarks marks, Cancel cancel, PruneListener listener)
            throws IOException {
        UsedBlobs u = new UsedBlobs(repo, marks, cancel);
        for (Snapshot s : snapshots) u.push(s.tree(), s, "/");
        int workers = Math.max(1, Math.min(repo.connections(), Repository.MAX_CONNECTIONS));
        org.lifeboat.repository.Workers.runOnThreads("prune-walk", workers, u::work,
                () -> u.fail(new InterruptedIOException("interrupted")));
        if (u.failure != null) throw u.failure;
        int missing = u.missingData.size();
        if (missing > 0) {
            throw new NotIndexed(org.lifeboat.repository.Plural.of(missing, "data blob") + " that snapshots use (e.g. "
                    + u.missingExample + ") " + (missing == 1 ? "is" : "are") + " not in the index");
        }
    }

    /** Queues a tree unless it was marked already; a tree the index does not know stops the walk. */
    private void push(Id tree, Snapshot s, String path) throws IOException {
        int n = repo.indexedBlobNumber(BlobType.TREE, tree);
        if (n < 0) throw missingTree(tree, s, path, NOT_INDEXED);
        if (!marks.markUsed(BlobType.TREE, n)) return;
        synchronized (this) {
            todo.push(new Task(tree, s, path));
            notifyAll();
        }
    }

    /**
     * Data the snapshots use is not in the index; the message says which ("snapshot 1a2b3c4d: tree
     * … (folder /x/) is not in the index"), {@link Pruner} adds what to run.
     */
    static final class NotIndexed extends IOException {
        private static final long serialVersionUID = 1L;

        NotIndexed(String what) {
            super(what);
        }
    }

    private static IOException missingTree(Id tree, Snapshot s, String path, String what) {
        String head = "snapshot " + s.id().shortHex() + ": tree " + tree.shortHex() + " (folder " + path + ") " + what;
        if (what.equals(NOT_INDEXED)) return new NotIndexed(head);
        return new PruneException(head + "; prune will not remove anything while a snapshot is damaged: run repair snapshots"
                + " (or forget the snapshot) first");
    }

    private static final String NOT_INDEXED = "is not in the index";

    private synchronized void fail(IOException e) {
        if (failure == null) failure = e;
        notifyAll();
    }

    private void work() {
        while (true) {
            Task t;
            synchronized (this) {
                while (todo.isEmpty() && active > 0 && failure == null) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        failure = failure == null ? new InterruptedIOException("interrupted") : failure;
                        notifyAll();
                        return;
                    }
                }
                if (failure != null || todo.isEmpty()) {
                    notifyAll();
                    return;
                }
                t = todo.pop();
                active++;
            }
            try {
                walk(t);
            } catch (IOException e) {
                fail(e);
            } catch (RuntimeException e) {
                fail(new IOException(e.toString(), e));
            } finally {
                synchronized (this) {
                    active--;
                    notifyAll();
                }
            }
        }
    }

    private void walk(Task t) throws IOException {
        cancel.check();
        byte[] raw;
        try {
            raw = repo.loadBlob(BlobType.TREE, t.tree());
        } catch (BlobNotFoundException e) {
            throw missingTree(t.tree(), t.snapshot(), t.path(), NOT_INDEXED);
        } catch (org.lifeboat.repository.RepositoryException e) {
            // every copy missing or damaged (loadBlob says which); a storage that keeps failing is rethrown below
            throw missingTree(t.tree(), t.snapshot(), t.path(), "cannot be read (" + e.getMessage() + ")");
        }
        Repository.transientBytes(3L * raw.length); // the raw tree and its decoded nodes
        Tree tree;
        try {
            tree = TreeCodec.decode(t.tree(), raw);
        } catch (IOException e) {
            throw missingTree(t.tree(), t.snapshot(), t.path(), "is damaged (" + e.getMessage() + ")");
        }
        for (Node node : tree.nodes()) {
            if (node.content() != null) {
                for (Id c : node.content()) {
                    int n = repo.indexedBlobNumber(BlobType.DATA, c);
                    if (n < 0) {
                        if (missingData.add(c) && missingExample == null) {
                            missingExample = c.shortHex() + " of " + t.path() + node.name() + " in snapshot "
                                    + t.snapshot().id().shortHex();
                        }
                        continue;
                    }
                    marks.markUsed(BlobType.DATA, n);
                }
            }
            if (node.subtree() != null) push(node.subtree(), t.snapshot(), t.path() + node.name() + "/");
        }
    }
}
