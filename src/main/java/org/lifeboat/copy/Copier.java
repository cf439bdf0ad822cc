package org.lifeboat.copy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * Copies snapshots from one repository into another, as restic's {@code copy}: a source snapshot
 * the target already has (a target snapshot whose {@code original}, or own ID, is the source's
 * original-or-own ID, with the same fields: {@link #similar}) is skipped; for the others, only the
 * blobs the target lacks are read from the source and stored into the target's packs. Each
 * snapshot is written in restic's order, each step complete before the next: its packs, then the
 * index naming them, then the snapshot (its {@code parent} dropped, its {@code original} set to the
 * source's original-or-own ID). An interrupted copy therefore leaves every snapshot written before
 * it whole, and a rerun picks up where it stopped.
 *
 * <p>Blobs are content-addressed, so copying them is correct between repositories with different
 * passwords and chunker polynomials (files are not chunked again; they deduplicate with the
 * target's own backups only when both use one polynomial: {@code init --copy-chunker-params}).
 *
 * <p>Both repositories' indexes must be loaded ({@link Repository#loadIndex()}) and locked by the
 * caller (a shared lock on the source, a normal one on the target). One copier runs one copy at a
 * time.
 */
public final class Copier {
    private final Repository source;
    private final Repository target;
    private final CopyListener listener;
    private final Cancel cancel;
    /** Trees walked by this copier in earlier snapshots (their blobs are in the target): restic's visitedTrees. */
    private final Set<Id> visitedTrees = new HashSet<>();

    /**
     * @param source   where the snapshots are read (only read)
     * @param target   where they are written
     * @param listener hears each snapshot copied or skipped and each blob sent
     * @param cancel   the job's token: when cancelled, the copy stops at its next step
     */
    public Copier(Repository source, Repository target, CopyListener listener, Cancel cancel) {
        this.source = Objects.requireNonNull(source);
        this.target = Objects.requireNonNull(target);
        this.listener = listener == null ? CopyListener.NONE : listener;
        this.cancel = cancel == null ? Cancel.NEVER : cancel;
    }

    /**
     * The source snapshots a copy takes, oldest first, as restic selects them: those named by
     * {@code ids} (ID prefixes or {@code latest}, with the filter), else every snapshot the filter matches.
     *
     * @param warn told about snapshot files that cannot be read (they are left out), and about each
     *     argument that matches no snapshot or several ({@code Ignoring "x": no matching ID found for
     *     prefix "x"}, as restic; it is left out and the others are taken)
     * @throws IOException when the snapshots cannot be listed
     */
    public static List<Snapshot> select(Repository source, SnapshotFilter filter, List<String> ids, Consumer<String> warn)
            throws IOException {
        List<Snapshot> all = source.listSnapshots(warn);
        if (ids == null || ids.isEmpty()) return filter.apply(all);
        List<Snapshot> out = new ArrayList<>();
        Set<Id> seen = new HashSet<>();
        for (String arg : ids) {
            Snapshot s;
            try {
                s = filter.resolve(all, arg);
            } catch (org.lifeboat.repository.SnapshotNotFoundException e) {
                // restic (0.14 to 0.18): one argument that names no snapshot is ignored, the others are copied
                warn.accept("Ignoring \"" + arg + "\": " + (e.getMessage().startsWith("no snapshot with ID")
                        ? "no matching ID found for prefix \"" + arg + "\"" : e.getMessage()));
                continue;
            }
            if (seen.add(s.id())) out.add(s);
        }
        out.sort((a, b) -> a.time().compareTo(b.time()));
        return out;
    }

    /**
     * restic's {@code similarSnapshots}: every field but {@code parent} and {@code original} is the
     * same (time, tree, host, user, uid, gid, paths and tags as sets, excludes in order).
     */
    public static boolean similar(Snapshot a, Snapshot b) {
        return a.time().toInstant().equals(b.time().toInstant()) && a.tree().equals(b.tree())
                && Objects.equals(nz(a.hostname()), nz(b.hostname())) && Objects.equals(nz(a.username()), nz(b.username()))
                && a.uid() == b.uid() && a.gid() == b.gid()
                && list(a.paths()).size() == list(b.paths()).size() && new HashSet<>(list(a.paths())).containsAll(list(b.paths()))
                && list(a.tags()).size() == list(b.tags()).size() && new HashSet<>(list(a.tags())).containsAll(list(b.tags()))
                && list(a.excludes()).equals(list(b.excludes()));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static List<String> list(List<String> l) {
        return l == null ? List.of() : l;
    }

    /** The ID a snapshot's copies carry in {@code original}: its own {@code original}, else its ID. */
    public static Id originalOf(Snapshot s) {
        return s.original() != null ? s.original() : s.id();
    }

    /**
     * Copies {@code sources} (snapshots of the source repository, in the order given) into the
     * target, skipping those it already has. Stops at the first snapshot that cannot be copied;
     * the snapshots copied before it stay written.
     *
     * @param warn told about target snapshot files that cannot be read (they count as absent)
     * @return what was copied
     * @throws CopyException when the source and the target are one place ({@link Places#same}); naming the snapshot and the blob (or tree) that cannot be read from the
     *     source; no snapshot is written for it
     * @throws Cancel.Cancelled when the job's token is cancelled (nothing after the last complete snapshot is referenced)
     * @throws IOException when the target cannot be written (naming the pack or file), or the
     *     storage keeps failing
     */
    public CopyResult copy(List<Snapshot> sources, Consumer<String> warn) throws IOException {
        if (source == target || Places.same(source.location(), target.location(), null)) {
            // a snapshot "copied" onto itself would count as a second place while it is one
            throw new CopyException("the source and the target are the same repository (" + target.location()
                    + "); copy needs two different places", null);
        }
        Map<Id, List<Snapshot>> byOriginal = new HashMap<>();
        List<Snapshot> existingCopies;
        try {
            existingCopies = target.listSnapshots(warn);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new CopyException(side(false) + message(e), e);
        }
        for (Snapshot t : existingCopies) {
            if (t.original() != null) byOriginal.computeIfAbsent(t.original(), k -> new ArrayList<>()).add(t);
            // identical copies count too (a snapshot file copied as it is)
            byOriginal.computeIfAbsent(t.id(), k -> new ArrayList<>()).add(t);
        }
        List<Snapshot> copied = new ArrayList<>();
        int skipped = 0;
        long[] totals = new long[3];
        for (Snapshot s : sources) {
            cancel.check();
            Id original = originalOf(s);
            Snapshot existing = null;
            for (Snapshot t : byOriginal.getOrDefault(original, List.of())) {
                if (similar(t, s)) {
                    existing = t;
                    break;
                }
            }
            if (existing != null) {
                skipped++;
                listener.skipped(s, existing);
                continue;
            }
            listener.started(s);
            Snapshot written;
            long[] sent = new long[3];
            boolean done = false;
            try {
                Set<Id> walked = copyTrees(s, sent);
                target.flush(cancel); // packs, then the index naming them
                Snapshot copy = new Snapshot(null, s.time(), null, s.tree(), s.paths(), s.hostname(), s.username(),
                        s.uid(), s.gid(), s.excludes(), s.tags(), original, s.programVersion(), s.summary());
                written = target.saveSnapshot(copy); // last: it refers to blobs the index now lists
                // only now are these trees' blobs surely in the target, for later snapshots to skip
                visitedTrees.addAll(walked);
                done = true;
            } catch (InterruptedIOException | CopyException e) {
                throw e; // a cancel is no side's fault; a CopyException already names its side
            } catch (IOException e) {
                // everything else here is the target's: the source's reads are CopyExceptions (load, copyData)
                throw new CopyException(side(false) + "cannot copy snapshot " + s.id().shortHex() + ": " + message(e), e);
            } finally {
                // a failed or cancelled snapshot: no upload runs on after this returns
                if (!done) target.settleUploads();
            }
            byOriginal.computeIfAbsent(original, k -> new ArrayList<>()).add(written);
            copied.add(written);
            for (int i = 0; i < 3; i++) totals[i] += sent[i];
            listener.copied(s, written, sent[0], sent[1]);
        }
        return new CopyResult(List.copyOf(copied), skipped, totals[0], totals[1], totals[2]);
    }

    /**
     * Walks the snapshot's trees, storing missing trees as they are read, then the missing data
     * blobs; returns the trees walked.
     */
    private Set<Id> copyTrees(Snapshot s, long[] sent) throws IOException {
        Repository.BlobWriter writer = target.newBlobWriter(cancel);
        Set<Id> walked = new HashSet<>();
        Deque<Id> todo = new ArrayDeque<>();
        if (!visitedTrees.contains(s.tree())) {
            todo.push(s.tree());
            walked.add(s.tree());
        }
        LinkedHashSet<Id> data = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            cancel.check();
            Id tree = todo.pop();
            byte[] raw = load(s, BlobType.TREE, tree);
            List<Node> nodes;
            try {
                nodes = TreeCodec.decode(tree, raw).nodes();
            } catch (RepositoryException e) {
                throw failed(s, e);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                throw failed(s, new RepositoryException(e.getMessage(), e));
            }
            // the tree's stored bytes as they are (a re-encoding could differ from what its ID hashes)
            if (!target.hasBlob(BlobType.TREE, tree)) count(writer.save(BlobType.TREE, tree, raw, 0, raw.length), BlobType.TREE, sent);
            for (Node n : nodes) {
                if (n.content() != null) {
                    for (Id b : n.content()) if (!target.hasBlob(BlobType.DATA, b)) data.add(b);
                }
                Id sub = n.subtree();
                if (sub != null && !visitedTrees.contains(sub) && walked.add(sub)) todo.push(sub);
            }
        }
        copyData(s, data, sent);
        return walked;
    }

    private void count(Repository.SavedBlob saved, BlobType type, long[] sent) {
        if (!saved.stored()) return;
        synchronized (sent) {
            sent[0]++;
            sent[1] += saved.plainBytes();
            sent[2] += saved.packedBytes();
        }
        listener.blobSent(type, saved.plainBytes(), saved.packedBytes());
    }

    /** One blob from the source, its errors naming the snapshot. */
    private byte[] load(Snapshot s, BlobType type, Id id) throws IOException {
        try {
            return source.loadBlob(type, id);
        } catch (org.lifeboat.repository.BlobNotFoundException e) {
            String refused = refusedEntry(type, id);
            if (refused != null) throw new CopyException(side(true) + "cannot copy snapshot " + s.id().shortHex() + ": " + refused, e);
            throw failed(s, e);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw failed(s, e); // a damaged or missing pack, the storage: the source's
        }
    }

    /**
     * The source index's refused entry for a blob (an impossible location, as {@code check} names
     * it: {@code index 8f45f1f0: tree blob cdcdcdcd in pack … claims a length of … bytes}); null when
     * the index did not refuse one. A blob "missing" for that reason is said as what it is.
     */
    private String refusedEntry(BlobType type, Id id) {
        String needle = ": " + type.json() + " blob " + id.shortHex() + " ";
        for (String e : source.indexErrors()) if (e.contains(needle)) return e;
        return null;
    }

    /** A failure reading {@code s} from the source, named as the source's. */
    private CopyException failed(Snapshot s, IOException e) {
        return new CopyException(side(true) + "cannot copy snapshot " + s.id().shortHex() + ": " + message(e), e);
    }

    /**
     * "source repository LOC: " or "target repository LOC: " (the location as the backend shows it,
     * passwords hidden): every failure of a copy names the repository it happened in, as the user
     * repairs, unlocks or reaches that one.
     */
    private String side(boolean isSource) {
        return (isSource ? "source repository " + source.location() : "target repository " + target.location()) + ": ";
    }

    private static String message(IOException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? "input/output error (" + e.getClass().getSimpleName() + ")"
                : e.getMessage();
    }

    /** A target write inside a source read's callback, kept apart so it is not named as the source's. */
    private static final class TargetFailure extends IOException {
        private static final long serialVersionUID = 1L;

        TargetFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Reads the missing data blobs pack by pack (each range with one request), on as many workers
     * as the source allows, and stores each into the target.
     */
    private void copyData(Snapshot s, LinkedHashSet<Id> blobs, long[] sent) throws IOException {
        if (blobs.isEmpty()) return;
        Repository.PackPlan plan = source.planByPack(BlobType.DATA, blobs);
        if (!plan.missing().isEmpty()) {
            Id m = plan.missing().getFirst();
            String refused = refusedEntry(BlobType.DATA, m);
            throw new CopyException(side(true) + "cannot copy snapshot " + s.id().shortHex() + ": " + (refused != null ? refused
                    : "data blob " + m.shortHex() + " is not in the source's index") + (plan.missing().size() > 1
                    ? " (nor are " + (plan.missing().size() - 1) + " more of its blobs)" : ""), null);
        }
        ConcurrentLinkedQueue<Map.Entry<Id, List<PackedBlob>>> packs = new ConcurrentLinkedQueue<>(plan.packs().entrySet());
        int workers = Math.max(1, Math.min(source.connections(), packs.size()));
        AtomicReference<IOException> failure = new AtomicReference<>();
        Runnable work = () -> {
            Repository.ReadBuffer buffer = new Repository.ReadBuffer();
            Repository.BlobWriter writer = target.newBlobWriter(cancel);
            Map.Entry<Id, List<PackedBlob>> pack;
            while (failure.get() == null && (pack = packs.poll()) != null) {
                try {
                    source.loadBlobsFromPack(pack.getKey(), pack.getValue(), buffer, (pb, plain, error) -> {
                        if (error != null) throw failed(s, error);
                        if (failure.get() != null) throw new Cancel.Cancelled("stopped");
                        try {
                            count(writer.save(BlobType.DATA, pb.id(), plain, 0, plain.length), BlobType.DATA, sent);
                        } catch (InterruptedIOException e) {
                            throw e;
                        } catch (IOException e) {
                            throw new TargetFailure(e);
                        }
                    }, cancel);
                } catch (TargetFailure e) {
                    IOException cause = (IOException) e.getCause();
                    failure.compareAndSet(null, new CopyException(side(false) + "cannot copy snapshot " + s.id().shortHex()
                            + ": " + message(cause), cause));
                } catch (InterruptedIOException | CopyException e) {
                    failure.compareAndSet(null, e);
                } catch (IOException e) {
                    failure.compareAndSet(null, failed(s, e)); // reading the pack: the source's
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, new IOException(e.toString(), e));
                }
            }
        };
        // an interrupt stops the others (they see the failure at their next blob), then they are waited for
        org.lifeboat.repository.Workers.runAll("copy", workers, work,
                () -> failure.compareAndSet(null, new InterruptedIOException("interrupted")));
        IOException e = failure.get();
        if (e != null) throw e;
    }
}
