package org.lifeboat.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.lifeboat.backend.Cancel;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawFile;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.chunker.Chunker;
import org.lifeboat.repository.chunker.Polynomial;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Nodes;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * Backs up files into a repository, as restic's archiver does: one thread walks the file system in
 * tree order; a pool of workers reads, chunks, hashes, compresses, encrypts and packs file content;
 * each directory's tree is encoded and saved once all its entries are done. Unchanged files (same
 * type, size, mtime, ctime and inode as in the parent snapshot) are not read again.
 */
public final class Archiver {
    /** Files being read at once; bounds memory (each worker holds at most one chunk buffer). */
    private static final int MAX_IN_FLIGHT = 256;

    private final Repository repo;
    private final BackupOptions opts;
    private final Progress progress;
    private final Warnings warnings;
    private final UserGroupNames names = UserGroupNames.system();
    private final Polynomial polynomial;
    private final ExecutorService workers;
    /** Folders are listed and stat'ed by their own small pool, so the walk is not one thread's job. */
    private final ExecutorService walkers;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private static final int READ_SIZE = 1 << 20;
    private final BackupObserver observer;
    private final SnapshotReview review;
    /** The caller's token: cancelling it cancels this backup. */
    private final Cancel cancel;
    /**
     * This backup's own token, which every stage checks (walkers, workers, uploads): cancelled
     * with the caller's token, and when the backup fails, so the other stages stop at once.
     */
    private final Cancel stop = new Cancel();
    /**
     * The parent snapshot's trees, read pack-wise (one request per tree pack, not one per folder:
     * 5,122 requests for the Linux source tree before) and kept as stored; shared by the walkers.
     */
    private final org.lifeboat.repository.TreeCache parentTrees;
    /** The first failure of a stage (see {@link #failed}): the error the backup ends with. */
    private final java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();

    private final LongAdder filesNew = new LongAdder();
    private final LongAdder filesChanged = new LongAdder();
    private final LongAdder filesUnmodified = new LongAdder();
    private final LongAdder dirsNew = new LongAdder();
    private final LongAdder dirsChanged = new LongAdder();
    private final LongAdder dirsUnmodified = new LongAdder();
    // Blobs this backup stored (never the repository's: it may serve several backups in turn).
    private final LongAdder dataBlobs = new LongAdder();
    private final LongAdder treeBlobs = new LongAdder();
    private final LongAdder dataAdded = new LongAdder();
    private final LongAdder dataAddedPacked = new LongAdder();
    /** In a dry run: the blobs that would have been stored, so each is counted once. */
    private final java.util.Set<Id> wouldAdd = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.time.ZoneId zone = java.time.ZoneId.systemDefault();
    private volatile Hook hook = Hook.NONE;

    /**
     * Test seam: called on the backup's threads at the points where the file system can change
     * under the backup, so tests change it there deterministically instead of racing it.
     */
    interface Hook {
        Hook NONE = new Hook() {};

        /** After {@code path} was stat'ed in its folder, before it is opened. */
        default void beforeOpen(String path) throws IOException {}

        /** After the first block of {@code path} was read ({@code bytes} so far). */
        default void afterFirstRead(String path, long bytes) throws IOException {}
    }

    /** Installs a {@link Hook} (tests only). */
    void hook(Hook h) {
        this.hook = h;
    }

    /** A backup that reports to nobody and cannot be cancelled. */
    public Archiver(Repository repo, BackupOptions opts, Progress progress, Warnings warnings) {
        this(repo, opts, progress, warnings, BackupObserver.NONE, Cancel.NEVER);
    }

    /**
     * A backup into {@code repo} (its index loaded, the caller holding a lock).
     *
     * @param progress live counters the caller may poll
     * @param warnings where unreadable source entries are reported
     * @param observer hears of every entry once it is done (see {@link BackupObserver})
     * @param cancel cancelling it stops the backup: {@link #run()} then throws {@link Cancel.Cancelled}
     */
    public Archiver(Repository repo, BackupOptions opts, Progress progress, Warnings warnings, BackupObserver observer,
                    Cancel cancel) {
        this(repo, opts, progress, warnings, observer, cancel, SnapshotReview.NONE);
    }

    /**
     * A backup into {@code repo} whose snapshot gets the tags {@code review} adds (see
     * {@link SnapshotReview}); the other parameters as {@link #Archiver(Repository, BackupOptions,
     * Progress, Warnings, BackupObserver, Cancel)}.
     */
    public Archiver(Repository repo, BackupOptions opts, Progress progress, Warnings warnings, BackupObserver observer,
                    Cancel cancel, SnapshotReview review) {
        this.review = review;
        this.repo = repo;
        this.opts = opts;
        this.progress = progress;
        this.warnings = warnings;
        this.observer = observer;
        this.cancel = cancel;
        this.parentTrees = new org.lifeboat.repository.TreeCache(repo, org.lifeboat.repository.TreeCache.DEFAULT_BUDGET, stop);
        this.polynomial = new Polynomial(repo.config().polynomial());
        int n = opts.threads() > 0 ? opts.threads() : Math.max(2, Runtime.getRuntime().availableProcessors());
        this.workers = Executors.newFixedThreadPool(n, Worker::new);
        // Walkers mostly wait for the disk (stat of cold inodes): more of them than cores.
        this.walkers = Executors.newFixedThreadPool(opts.threads() > 0 ? opts.threads() : Math.max(8, 4 * n), r -> {
            Thread t = new Thread(r, "backup-walker");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A content worker. Its chunker, read buffer and blob writer (with its compression and
     * encryption buffers) are created with it and live as long as it: no buffer is per thread in
     * a static place, and a backup's buffers go away with its workers.
     */
    private final class Worker extends Thread {
        final Chunker chunker = new Chunker(polynomial);
        final byte[] buffer = new byte[Chunker.MAX_SIZE + READ_SIZE];
        final Repository.BlobWriter writer = repo.newBlobWriter(stop);

        Worker(Runnable r) {
            super(r, "backup-worker");
            setDaemon(true);
        }
    }

    /** Thrown inside workers when the repository (not a source file) fails: aborts the backup. */
    private static final class RepositoryFailure extends RuntimeException {
        RepositoryFailure(IOException cause) {
            super(cause);
        }
    }

    /**
     * Runs the backup: walks, reads and stores the targets and streams, waits for every pack
     * upload, writes the index, then the snapshot (packs before index before snapshot).
     *
     * @return the snapshot (null in a dry run) and this backup's own numbers
     * @throws Cancel.Cancelled when the token was cancelled: no snapshot was saved; packs already
     *     stored stay (complete, named by their hash), uploads in flight completed or were dropped
     * @throws IOException when the repository fails (e.g. a pack upload, naming the pack) or a
     *     stream source fails: no snapshot was saved
     */
    public BackupResult run() throws IOException {
        OffsetDateTime start = OffsetDateTime.now();
        Runnable unlink = cancel.onCancel(() -> stop.cancel(cancel.reason()));
        boolean done = false;
        try {
            stop.check();
            Snapshot parent = opts.parent() == null || opts.force() ? null : repo.loadSnapshot(opts.parent());
            Node parentRoot = parent == null ? null : rootNode(parent.tree());
            Id tree;
            List<String> paths;
            if (opts.stdinFilename() != null) {
                tree = backupStdin(opts.stdinFilename(), System.in);
                paths = List.of(stdinPath(opts.stdinFilename()));
            } else {
                paths = new ArrayList<>();
                VDir root = buildTargets(paths);
                tree = await(saveVirtual(root, parentRoot == null ? null : parentRoot.subtree()));
            }
            stop.check();
            if (!opts.dryRun()) repo.flush(stop);
            OffsetDateTime end = OffsetDateTime.now();
            Snapshot.Summary summary = new Snapshot.Summary(start, end, filesNew.sum(), filesChanged.sum(),
                    filesUnmodified.sum(), dirsNew.sum(), dirsChanged.sum(), dirsUnmodified.sum(),
                    dataBlobs.sum(), treeBlobs.sum(), dataAdded.sum(),
                    // restic: files processed = new + changed + unmodified (links, FIFOs, devices are not files)
                    dataAddedPacked.sum(), filesNew.sum() + filesChanged.sum() + filesUnmodified.sum(), progress.bytesDone.sum(),
                    progress.errors.sum());
            Snapshot snap = null;
            if (!opts.dryRun()) {
                List<String> tags = new ArrayList<>(opts.tags());
                for (String t : review.tags(parent, tree, summary)) if (!tags.contains(t)) tags.add(t);
                stop.check(); // the last point where a cancel leaves no snapshot
                snap = repo.saveSnapshot(new Snapshot(null, opts.time() != null ? opts.time() : start, parent == null ? null : parent.id(), tree, paths,
                        opts.hostname(), System.getProperty("user.name", ""), uid(), gid(),
                        opts.excludes().patterns(), tags, null, "lifeboat " + org.lifeboat.repository.Version.VALUE,
                        summary));
            }
            done = true;
            return new BackupResult(snap, summary, progress.errors.sum());
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        } catch (Cancel.Cancelled c) {
            throw unwrap(c); // the stop token's: the caller's cancel, or the first failure it stands for
        } catch (RepositoryFailure rf) {
            throw unwrap(rf);
        } finally {
            unlink.run();
            // A failed or cancelled backup: the other stages stop, and nothing is written after
            // this returns (uploads in flight end first), so the caller may remove its lock.
            if (!done) stop.cancel(cancel.cancelled() ? cancel.reason() : "the backup failed");
            workers.shutdownNow();
            walkers.shutdownNow();
            awaitQuietly(workers);
            awaitQuietly(walkers);
            repo.settleUploads();
        }
    }

    /**
     * Waits for the root tree, reacting to the cancel (a wait that join() would not end): the first
     * failure of any stage, or the cancel, ends it.
     */
    private Id await(CompletableFuture<Id> root) throws IOException {
        Runnable unlink = stop.onCancel(() -> root.completeExceptionally(new RepositoryFailure(new Cancel.Cancelled(stop.reason()))));
        try {
            return root.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("backup interrupted");
        } finally {
            unlink.run();
        }
    }

    /** The real error behind a stage's failure; a cancel wins over errors it caused. */
    private IOException unwrap(Throwable c) {
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (cancel.cancelled()) {
            // what failed after the cancel (a killed dump's stream, an interrupted read) is its consequence
            return c instanceof Cancel.Cancelled cc ? cc : new Cancel.Cancelled(cancel.reason());
        }
        // the first real failure, not the stops it caused in other stages
        if (failure.get() != null) return failure.get();
        if (c instanceof RepositoryFailure rf) return (IOException) rf.getCause();
        if (c instanceof UncheckedIOException u) return u.getCause();
        if (c instanceof IOException io) return io;
        if (c instanceof RuntimeException re) throw re;
        if (c instanceof Error er) throw er;
        return new IOException(c);
    }

    /** Waits a bounded time for a pool's threads to end (they check the stop token). */
    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A failure that ends the backup (the repository, a stream source): the first one is kept as the
     * backup's error, and the other stages are stopped at once instead of finishing the walk.
     */
    private RepositoryFailure failed(IOException e) {
        if (!(e instanceof Cancel.Cancelled)) {
            failure.compareAndSet(null, e);
            stop.cancel("the backup failed: " + e.getMessage());
        }
        return new RepositoryFailure(e);
    }

    /** Throws (as a stage failure) once the backup is cancelled or failed elsewhere. */
    private void checkStop() {
        if (stop.cancelled()) throw new RepositoryFailure(new Cancel.Cancelled(stop.reason()));
    }

    private static long uid() {
        return Posix.processUid();
    }

    private static long gid() {
        return Posix.processGid();
    }

    /** A pseudo node for a snapshot's root tree so that the walk below can treat it like a dir. */
    private Node rootNode(Id tree) {
        return Node.builder("", NodeType.DIR).subtree(tree).build();
    }

    // ------------------------------------------------------------------------------ targets

    /**
     * The snapshot's top of tree: restic keeps the path components of each target (an absolute
     * target /a/b/c becomes a → b → c); a target that is the current folder is the root itself.
     * Paths here are absolute strings in {@link org.lifeboat.fs.RawNames} form, never Paths.
     */
    private static final class VDir {
        final String real; // the folder whose metadata the node carries (null for the root)
        final Map<String, VDir> children = new LinkedHashMap<>();
        final Map<String, StreamSource> streams = new LinkedHashMap<>();
        String leaf;       // set when this component is itself a target

        VDir(String real) {
            this.real = real;
        }
    }

    private VDir buildTargets(List<String> paths) throws IOException {
        VDir root = new VDir(null);
        for (String t : opts.targets()) {
            Targets.check(t);
            String abs = Targets.absolute(t);
            paths.add(abs);
            List<String> comps = Targets.components(t);
            if (comps.isEmpty()) {
                if (opts.targets().size() > 1) {
                    throw new IOException("the current folder cannot be backed up together with other targets; "
                            + "give absolute paths instead");
                }
                root.leaf = abs;
                return root;
            }
            VDir cur = root;
            // The real folder behind component i is abs without its last (size - 1 - i) names.
            List<String> reals = new ArrayList<>();
            String r = abs;
            for (int i = 0; i < comps.size(); i++) {
                reals.add(0, r);
                r = parentOf(r);
            }
            for (int i = 0; i < comps.size(); i++) {
                final String real = reals.get(i);
                cur = cur.children.computeIfAbsent(comps.get(i), k -> new VDir(real));
            }
            cur.leaf = abs;
        }
        for (StreamSource st : opts.streams()) {
            String[] comps = st.path().substring(1).split("/");
            VDir cur = root;
            if (root.leaf != null) throw new IOException("streams cannot be stored beside the current folder as a target");
            for (int i = 0; i < comps.length - 1; i++) {
                VDir next = cur.children.get(comps[i]);
                if (next == null) {
                    next = new VDir(null);
                    cur.children.put(comps[i], next);
                }
                if (next.leaf != null) throw new IOException("stream " + st.path() + " lies inside the backup target " + next.leaf);
                cur = next;
            }
            String name = comps[comps.length - 1];
            if (cur.children.containsKey(name) || cur.streams.put(name, st) != null) {
                throw new IOException("two sources want the snapshot path " + st.path());
            }
            paths.add(st.path());
        }
        paths.sort(null);
        return root;
    }

    private static String parentOf(String abs) {
        int i = abs.lastIndexOf('/');
        return i <= 0 ? "/" : abs.substring(0, i);
    }

    private static String nameOf(String abs) {
        return abs.substring(abs.lastIndexOf('/') + 1);
    }

    /** Saves the virtual top of the tree; returns the root tree ID. */
    private CompletableFuture<Id> saveVirtual(VDir root, Id parentTree) throws IOException {
        if (root.leaf != null) {
            // The target is the root: its contents form the root tree.
            Dir d = Dir.open(root.leaf);
            long dev;
            try {
                dev = d.stat().dev();
            } catch (IOException e) {
                d.close();
                throw e;
            }
            return saveDirContents(new Held(d), parentTree, dev);
        }
        return saveVirtualChildren(root, parentTree, "");
    }

    private CompletableFuture<Id> saveVirtualChildren(VDir dir, Id parentTree, String at) throws IOException {
        Map<String, Node> parentNodes = loadParentNodes(parentTree);
        List<CompletableFuture<Node>> kids = new ArrayList<>();
        Map<String, Object> entries = new LinkedHashMap<>(dir.children);
        entries.putAll(dir.streams);
        for (Map.Entry<String, Object> e : sortedByName(entries)) {
            Node pn = parentNodes.get(e.getKey());
            if (e.getValue() instanceof StreamSource st) {
                kids.add(saveStream(e.getKey(), st));
                continue;
            }
            VDir child = (VDir) e.getValue();
            if (child.real == null) {
                // A folder that exists only in the snapshot (it holds streams): owned by us, now.
                OffsetDateTime now = OffsetDateTime.now();
                Node base = Node.builder(e.getKey(), NodeType.DIR).mode(org.lifeboat.repository.tree.GoFileMode.MODE_DIR | 0755).mtime(now).atime(now).ctime(now)
                        .uid(uid()).gid(gid()).user(names.userName(uid())).group(names.groupName(gid())).build();
                CompletableFuture<Id> sub = saveVirtualChildren(child, pn != null && pn.type() == NodeType.DIR ? pn.subtree() : null,
                        at + "/" + e.getKey());
                kids.add(sub.thenApply(id -> {
                    countDir(at + "/" + e.getKey(), pn, id);
                    return base.withSubtree(id);
                }));
            } else if (child.leaf != null) {
                // The target itself, stat'ed in its parent folder (a symlink target stays a symlink).
                Held parent = new Held(Dir.open(parentOf(child.leaf)));
                try {
                    kids.add(saveEntry(parent, nameOf(child.leaf), pn, -1));
                } finally {
                    parent.release();
                }
            } else {
                // A folder on the way to a target may be reached through a symlink (as in
                // /home -> /data/home): the snapshot holds the folder it leads to.
                Node base;
                try (Dir d = Dir.open(child.real)) {
                    base = node(e.getKey(), d.stat(), xattrs(d));
                }
                CompletableFuture<Id> sub = saveVirtualChildren(child, pn != null && pn.type() == NodeType.DIR ? pn.subtree() : null,
                        at + "/" + e.getKey());
                kids.add(sub.thenApply(id -> {
                    countDir(at + "/" + e.getKey(), pn, id);
                    return base.withSubtree(id);
                }));
            }
        }
        return treeOf(kids);
    }

    private static <V> List<Map.Entry<String, V>> sortedByName(Map<String, V> m) {
        List<Map.Entry<String, V>> l = new ArrayList<>(m.entrySet());
        l.sort((a, b) -> Tree.compareNames(a.getKey(), b.getKey()));
        return l;
    }

    // ------------------------------------------------------------------------------ the walk

    /**
     * An open folder shared by the tasks that still need it: its own listing, and the sub-folders
     * queued to be opened from it. Closed when the last one lets go, so that descriptors are held
     * only by folders whose work is not done (no name is ever resolved from a path string below a
     * target, whatever its bytes or the locale).
     */
    private static final class Held {
        final Dir dir;
        private final AtomicInteger refs = new AtomicInteger(1);

        Held(Dir dir) {
            this.dir = dir;
        }

        Held retain() {
            refs.incrementAndGet();
            return this;
        }

        void release() {
            if (refs.decrementAndGet() == 0) dir.close();
        }
    }

    private Map<String, Node> loadParentNodes(Id tree) {
        Map<String, Node> m = new LinkedHashMap<>();
        if (tree == null) return m;
        try {
            for (Node n : TreeCodec.decode(parentTrees.load(tree)).nodes()) m.put(n.name(), n);
        } catch (IOException e) {
            if (e instanceof java.io.InterruptedIOException) return m; // stopping: the walker's next check ends it
            // The folder, unchanged, makes this very tree again, and trees below it that lie in
            // the same pack: they must be stored anew, not found in the index and skipped.
            repo.distrustCopiesOf(BlobType.TREE, tree);
            // A damaged parent only costs re-reading: warn and go on without it.
            warnings.warn("(parent snapshot)", "parent snapshot: cannot load tree " + tree.shortHex() + " (its files are read again): " + e.getMessage());
        }
        return m;
    }

    private List<Xattr> xattrs(Dir dir, String name) {
        try {
            return dir.xattrs(name);
        } catch (IOException e) {
            fail("listxattr", dir.display(name), e);
            return List.of();
        }
    }

    private List<Xattr> xattrs(Dir dir) {
        try {
            return dir.xattrs();
        } catch (IOException e) {
            fail("listxattr", dir.path(), e);
            return List.of();
        }
    }

    /** A node from an entry's metadata; atime as restic keeps it (the mtime unless --with-atime). */
    private Node node(String name, FileMeta meta, List<Xattr> xattrs) {
        return Nodes.fromFileMeta(name, meta, null, names, xattrs, opts.withAtime(), zone);
    }

    /** A source that could not be read: counted (exit code 3) and reported in restic's words. */
    private void fail(String op, String path, IOException e) {
        progress.errors.increment();
        String msg = op + " " + path + ": " + reason(e);
        warnings.warn(path, msg);
        observer.onError(path, msg);
    }

    /**
     * Why a file operation failed, as the system said it (errno), in Go's lower-case words as restic
     * prints them: "permission denied", "no such file or directory", "too many levels of symbolic
     * links". Never a guess: an entry that exists but cannot be opened is not reported as vanished.
     */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        String r = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : null;
        if (r == null) return e instanceof java.nio.file.NoSuchFileException ? "no such file or directory" : String.valueOf(e.getMessage());
        int colon = r.indexOf(": ");
        if (colon > 0 && colon < 24 && r.substring(0, colon).matches("[a-z]+( [^ ]+)?")) r = r.substring(colon + 2); // "open: …"
        r = r.replaceFirst(" \\(errno \\d+\\)$", "");
        return r.isEmpty() ? r : Character.toLowerCase(r.charAt(0)) + r.substring(1);
    }

    /**
     * Saves the entry {@code name} of the open folder {@code in}; the future yields its node, or
     * null when the entry is skipped (excluded device, socket, unreadable). {@code rootDev} is the
     * device of the target (-1: this is the target, its device is taken).
     */
    private CompletableFuture<Node> saveEntry(Held in, String name, Node parentNode, long rootDev) {
        checkStop();
        Dir dir = in.dir;
        String path = dir.display(name);
        FileMeta meta;
        try {
            meta = dir.stat(name);
        } catch (IOException e) {
            fail("lstat", path, e);
            return CompletableFuture.completedFuture(null);
        }
        if (rootDev >= 0 && opts.oneFileSystem() && meta.dev() != rootDev) return CompletableFuture.completedFuture(null);
        long dev = rootDev < 0 ? meta.dev() : rootDev;
        return switch (meta.kind()) {
            case DIRECTORY -> {
                Node base = node(name, meta, xattrs(dir, name));
                Id parentSub = parentNode != null && parentNode.type() == NodeType.DIR ? parentNode.subtree() : null;
                yield saveDir(in, name, parentSub, dev).thenApply(id -> {
                    if (id == null) return null; // a cache folder, left out
                    progress.dirsDone.increment();
                    countDir(path, parentNode, id);
                    return base.withSubtree(id);
                });
            }
            case REGULAR -> saveFile(dir, name, meta, parentNode);
            case SYMLINK -> {
                try {
                    String target = dir.readlink(name);
                    Node base = node(name, meta, xattrs(dir, name));
                    yield CompletableFuture.completedFuture(base.withLinkTarget(target));
                } catch (IOException e) {
                    fail("readlink", path, e);
                    yield CompletableFuture.completedFuture(null);
                }
            }
            case FIFO, CHAR_DEVICE, BLOCK_DEVICE -> {
                Node base = node(name, meta, xattrs(dir, name));
                yield CompletableFuture.completedFuture(base);
            }
            case SOCKET, OTHER -> CompletableFuture.completedFuture(null);
        };
    }

    private void countDir(String path, Node parentNode, Id id) {
        FileEvent.Status status;
        if (parentNode == null || parentNode.type() != NodeType.DIR) {
            dirsNew.increment();
            status = FileEvent.Status.NEW;
        } else if (id.equals(parentNode.subtree())) {
            dirsUnmodified.increment();
            status = FileEvent.Status.UNCHANGED;
        } else {
            dirsChanged.increment();
            status = FileEvent.Status.CHANGED;
        }
        item(path, true, status, 0, null, 0);
    }

    /**
     * Opens the sub-folder {@code name} of {@code in} (never following a symlink put in its place)
     * on a walker and saves its contents; yields null for a cache folder that is left out.
     */
    private CompletableFuture<Id> saveDir(Held in, String name, Id parentTree, long dev) {
        in.retain();
        return CompletableFuture.supplyAsync(() -> {
            Dir d;
            try {
                d = in.dir.openDir(name);
            } catch (IOException e) {
                fail("open", in.dir.display(name), e);
                return CompletableFuture.completedFuture(emptyTree());
            } finally {
                in.release();
            }
            return saveDirContents(new Held(d), parentTree, dev);
        }, walkers).thenCompose(f -> f);
    }

    /** The tree of a folder that could not be read: empty, saved like any other. */
    private Id emptyTree() {
        return saveTree(new Tree(List.of()));
    }

    /** Encodes and stores a tree (not in a dry run); returns its ID. */
    private Id saveTree(Tree tree) {
        byte[] enc = TreeCodec.encode(tree);
        Id id = Id.hash(enc);
        if (opts.dryRun()) countWouldAdd(BlobType.TREE, id, enc.length, null);
        if (!opts.dryRun()) {
            checkStop();
            // Trees are saved by workers (their writer) or, rarely, elsewhere (a one-off writer).
            Repository.BlobWriter writer = Thread.currentThread() instanceof Worker w ? w.writer : repo.newBlobWriter(stop);
            try {
                Repository.SavedBlob saved = writer.save(BlobType.TREE, id, enc, 0, enc.length);
                if (saved.stored()) {
                    // As restic's summary: data_added counts trees' plain bytes too.
                    treeBlobs.increment();
                    dataAdded.add(saved.plainBytes());
                    dataAddedPacked.add(saved.packedBytes());
                }
            } catch (IOException e) {
                throw failed(e);
            }
        }
        return id;
    }

    /** Lists, stats and starts every entry of an open folder; takes over {@code h}'s reference. */
    private CompletableFuture<Id> saveDirContents(Held h, Id parentTree, long dev) {
        List<CompletableFuture<Node>> kids;
        try {
            Map<String, Node> parentNodes = loadParentNodes(parentTree);
            List<String> entries;
            try {
                entries = h.dir.list();
            } catch (IOException e) {
                fail("readdirent", h.dir.path(), e);
                entries = new ArrayList<>();
            }
            entries.sort(Tree::compareNames);
            kids = new ArrayList<>(entries.size());
            for (String name : entries) {
                checkStop();
                if (opts.excludes().excluded(h.dir.display(name))) continue;
                kids.add(saveEntry(h, name, parentNodes.get(name), dev));
            }
        } finally {
            h.release();
        }
        return treeOf(kids);
    }

    /** Once all entries are done, encodes and saves the tree; yields its ID. */
    private CompletableFuture<Id> treeOf(List<CompletableFuture<Node>> kids) {
        return CompletableFuture.allOf(kids.toArray(CompletableFuture[]::new)).thenApplyAsync(v -> {
            List<Node> nodes = new ArrayList<>(kids.size());
            for (CompletableFuture<Node> f : kids) {
                Node n = f.join();
                if (n != null) nodes.add(n);
            }
            return saveTree(new Tree(nodes));
        }, workers);
    }

    // ------------------------------------------------------------------------------ files

    /**
     * A regular file: unchanged ones take their content from the parent snapshot without being
     * opened; the others are opened here (so the walk holds no folder open for them) and read by
     * a worker through the descriptor.
     */
    private CompletableFuture<Node> saveFile(Dir dir, String name, FileMeta meta, Node parentNode) {
        String path = dir.display(name);
        if (parentNode != null && unchanged(parentNode, meta) && allKnown(parentNode.content())) {
            Node base = node(name, meta, xattrs(dir, name));
            filesUnmodified.increment();
            progress.filesDone.increment();
            progress.bytesDone.add(meta.size());
            item(path, false, FileEvent.Status.UNCHANGED, meta.size(), null, 0);
            return CompletableFuture.completedFuture(base.withContent(parentNode.content()));
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(new java.io.InterruptedIOException("backup interrupted"));
        }
        RawFile f;
        FileMeta opened;
        Node base;
        try {
            hook.beforeOpen(path);
            f = dir.openForRead(name);
            try {
                opened = f.stat();
                if (opened.kind() != FileKind.REGULAR) {
                    f.close();
                    inFlight.release();
                    progress.errors.increment();
                    warnings.warn(path, "open " + path + ": replaced by a " + opened.kind().toString().toLowerCase(java.util.Locale.ROOT)
                            .replace('_', ' ') + " before it could be read");
                    return CompletableFuture.completedFuture(null);
                }
                base = node(name, opened, xattrs(dir, name));
            } catch (IOException | RuntimeException e) {
                f.close();
                throw e;
            }
        } catch (IOException e) {
            inFlight.release();
            fail("open", path, e);
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.supplyAsync(() -> {
            try (f) {
                progress.currentFile = path;
                long[] size = {0};
                long t0 = System.nanoTime();
                Tally mine = new Tally();
                List<Id> content = readFile(f, path, opened, size, mine);
                if (content == null) return null;
                if (parentNode == null) filesNew.increment();
                else filesChanged.increment();
                progress.filesDone.increment();
                item(path, false, parentNode == null ? FileEvent.Status.NEW : FileEvent.Status.CHANGED, size[0], mine, t0);
                // The node says what is stored: a file that grew or shrank while it was read has the
                // size that was read (as restic since 0.16), never its size at the stat before.
                return base.toBuilder().size(size[0]).content(content).build();
            } finally {
                inFlight.release();
            }
        }, workers);
    }

    /** What one entry added (one thread works on an entry): blobs, plain and packed bytes. */
    private static final class Tally {
        long blobs;
        long plain;
        long packed;

        void add(Repository.SavedBlob s) {
            if (!s.stored()) return;
            blobs++;
            plain += s.plainBytes();
            packed += s.packedBytes();
        }
    }

    /** Adds one entry's data blobs to the backup's (once: the tally is then emptied). */
    private void merge(Tally t) {
        if (t == null) return;
        dataBlobs.add(t.blobs);
        dataAdded.add(t.plain);
        dataAddedPacked.add(t.packed);
        t.blobs = t.plain = t.packed = 0;
    }

    /** Adds one entry's blobs to the backup's, and tells the observer about the entry. */
    private void item(String path, boolean dir, FileEvent.Status status, long size, Tally mine, long t0) {
        long plain = mine == null ? 0 : mine.plain;
        long packed = mine == null ? 0 : mine.packed;
        merge(mine);
        observer.onFile(new FileEvent(path, dir, status, size, plain, packed, t0 == 0 ? 0 : (System.nanoTime() - t0) / 1e9));
    }

    private boolean unchanged(Node old, FileMeta m) {
        return old.type() == NodeType.FILE && old.size() == m.size()
                && (opts.ignoreInode() || old.inode() == m.inode())
                && sameInstant(old.mtime(), m.mtimeSec(), m.mtimeNsec())
                && (opts.ignoreCtime() || sameInstant(old.ctime(), m.ctimeSec(), m.ctimeNsec()));
    }

    private static boolean sameInstant(OffsetDateTime t, long sec, int nsec) {
        return t != null && t.toEpochSecond() == sec && t.getNano() == nsec;
    }

    private boolean allKnown(List<Id> content) {
        if (content == null) return false;
        for (Id id : content) if (!repo.hasBlob(BlobType.DATA, id)) return false;
        return true;
    }

    /**
     * Reads, chunks and stores an open file up to its end as it is now; {@code size[0]} receives the
     * bytes read. Null (with a warning) when it cannot be read.
     */
    private List<Id> readFile(RawFile f, String path, FileMeta meta, long[] size, Tally mine) {
        List<Id> content = new ArrayList<>();
        long[] pos = {0};
        try {
            chunkStream((b, off, len) -> {
                int n = f.read(b, off, len, pos[0]);
                if (n > 0) {
                    boolean first = pos[0] == 0;
                    pos[0] += n;
                    if (first) hook.afterFirstRead(path, pos[0]);
                }
                return n;
            }, content, mine);
        } catch (Cancel.Cancelled e) {
            throw new RepositoryFailure(e);
        } catch (IOException e) {
            merge(mine); // what was stored before the failure is in the packs: it counts
            if (stop.cancelled()) throw new RepositoryFailure(new Cancel.Cancelled(stop.reason()));
            fail("read", path, e);
            return null;
        }
        size[0] = pos[0];
        if (pos[0] != meta.size()) {
            warnings.notice(path, path + ": file " + (pos[0] > meta.size() ? "grew" : "shrank") + " while it was read ("
                    + meta.size() + " bytes at the start, " + pos[0] + " read); the snapshot holds the " + pos[0]
                    + " bytes read");
            return content;
        }
        try {
            FileMeta after = f.stat();
            if (after.size() != meta.size() || after.mtimeSec() != meta.mtimeSec() || after.mtimeNsec() != meta.mtimeNsec()) {
                warnings.notice(path, path + ": file changed while it was read; the snapshot holds what was read");
            }
        } catch (IOException e) {
            // fstat of an open descriptor does not fail in practice: what was read is kept
        }
        return content;
    }

    /** Something to read bytes from. */
    private interface Source {
        int read(byte[] b, int off, int len) throws IOException;
    }

    /** Splits a stream into content-defined chunks and stores each as a data blob. */
    private void chunkStream(Source src, List<Id> content, Tally into) throws IOException {
        Worker w = (Worker) Thread.currentThread();
        chunkStream(src, content, into, w.chunker, w.buffer, w.writer);
    }

    /** As above, with the chunker, buffer and writer of the calling worker (or of a one-off caller). */
    private void chunkStream(Source src, List<Id> content, Tally into, Chunker chunker, byte[] buf,
                             Repository.BlobWriter writer) throws IOException {
        chunker.reset();
        int start = 0;   // start of the current chunk in buf
        int end = 0;     // end of valid bytes in buf
        int fed = 0;     // bytes of buf already given to the chunker
        while (true) {
            if (end == buf.length) {
                // Shift the unfinished chunk to the front (it is at most MAX_SIZE long).
                System.arraycopy(buf, start, buf, 0, end - start);
                fed -= start;
                end -= start;
                start = 0;
            }
            checkStop();
            int n = src.read(buf, end, Math.min(READ_SIZE, buf.length - end));
            if (n < 0) break;
            end += n;
            progress.bytesDone.add(n);
            while (fed < end) {
                int cut = chunker.next(buf, fed, end - fed);
                if (cut < 0) {
                    fed = end;
                    break;
                }
                fed += cut;
                storeChunk(buf, start, fed - start, content, into, writer);
                start = fed;
            }
        }
        if (end > start) storeChunk(buf, start, end - start, content, into, writer);
    }

    private void storeChunk(byte[] buf, int off, int len, List<Id> content, Tally into, Repository.BlobWriter writer) {
        Id id = Id.hash(buf, off, len);
        content.add(id);
        if (opts.dryRun()) {
            countWouldAdd(BlobType.DATA, id, len, into);
            return;
        }
        try {
            into.add(writer.save(BlobType.DATA, id, buf, off, len));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** A dry run stores nothing but reports what it would add (plain bytes; packed size unknown). */
    private void countWouldAdd(BlobType type, Id id, int len, Tally into) {
        if (repo.hasBlob(type, id) || !wouldAdd.add(type == BlobType.DATA ? id : Id.hash(id.bytes()))) return;
        if (type == BlobType.DATA) {
            into.blobs++;
            into.plain += len;
        } else {
            treeBlobs.increment();
            dataAdded.add(len);
        }
    }

    // ------------------------------------------------------------------------------ streams

    /** Reads a stream (a dump) on a worker; its close() reports whether the producer succeeded. */
    private CompletableFuture<Node> saveStream(String name, StreamSource st) {
        return CompletableFuture.supplyAsync(() -> {
            List<Id> content = new ArrayList<>();
            long[] size = {0};
            long t0 = System.nanoTime();
            Tally mine = new Tally();
            checkStop();
            try (InputStream in = st.opener().open()) {
                progress.currentFile = st.path();
                chunkStream((b, off, len) -> {
                    int n = in.read(b, off, len);
                    if (n > 0) size[0] += n;
                    return n;
                }, content, mine);
            } catch (Cancel.Cancelled e) {
                throw new RepositoryFailure(e);
            } catch (IOException e) {
                throw failed(new IOException(st.path() + ": " + e.getMessage(), e));
            }
            if (size[0] == 0 && st.requireData()) {
                throw failed(new NoDataException(st.path() + ": no data was read (its producer wrote nothing); "
                        + "no snapshot was saved"));
            }
            filesNew.increment();
            progress.filesDone.increment();
            item(st.path(), false, FileEvent.Status.NEW, size[0], mine, t0);
            OffsetDateTime now = OffsetDateTime.now();
            return Node.builder(name, NodeType.FILE).mode(0600).mtime(now).atime(now).ctime(now).uid(uid()).gid(gid())
                    .user(names.userName(uid())).group(names.groupName(gid())).size(size[0]).content(content).build();
        }, workers);
    }

    /**
     * A stream that had to hold data (standard input, a {@link StreamSource#requireData()} source)
     * delivered none: its producer most likely died before writing. The backup fails, as restic's
     * (0.16+) does, instead of saving an empty file as if it were the data.
     */
    public static final class NoDataException extends IOException {
        NoDataException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------ stdin

    /**
     * The snapshot path of {@code --stdin-filename}: "/" plus the name, cleaned ("a//./b.sql" is
     * "/a/b.sql"). A path is allowed, as in restic 0.14 and after restic PR #5356: the stream is stored
     * under those folders ("/var/backups/db.sql").
     *
     * @throws IllegalArgumentException naming the value when it is empty, names a folder only, or holds ".."
     */
    public static String stdinPath(String name) {
        List<String> parts = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.equals("..")) {
                throw new IllegalArgumentException("--stdin-filename '" + name + "' must not contain '..' (give the path inside the snapshot, e.g. var/backups/db.sql)");
            }
            if (!c.isEmpty() && !c.equals(".")) parts.add(c);
        }
        if (parts.isEmpty() || name.endsWith("/")) {
            throw new IllegalArgumentException("--stdin-filename '" + name + "' names no file (give a file name such as db.sql or var/backups/db.sql)");
        }
        return "/" + String.join("/", parts);
    }

    private Id backupStdin(String rawName, InputStream in) throws IOException {
        String full;
        try {
            full = stdinPath(rawName);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
        String[] parts = full.substring(1).split("/");
        String name = parts[parts.length - 1];
        List<Id> content = new ArrayList<>();
        long[] size = {0};
        long t0 = System.nanoTime();
        Tally mine = new Tally();
        // the caller's thread is no worker: this one stream gets its own chunker, buffer and writer
        chunkStream((b, off, len) -> {
            int n = in.read(b, off, len);
            if (n > 0) size[0] += n;
            return n;
        }, content, mine, new Chunker(polynomial), new byte[Chunker.MAX_SIZE + READ_SIZE], repo.newBlobWriter(stop));
        if (size[0] == 0) {
            throw new NoDataException("no data was read from standard input (--stdin); no snapshot was saved");
        }
        filesNew.increment();
        progress.filesDone.increment();
        item(full, false, FileEvent.Status.NEW, size[0], mine, t0);
        // restic records a stream as a 0644 file owned by the current user, timed now; the folders
        // above it (restic: 0755) as well.
        OffsetDateTime now = OffsetDateTime.now();
        Node node = Node.builder(name, NodeType.FILE).mode(0644).mtime(now).atime(now).ctime(now).uid(uid()).gid(gid())
                .user(names.userName(uid())).group(names.groupName(gid())).size(size[0]).content(content).build();
        Id tree = saveTree(new Tree(new ArrayList<>(Arrays.asList(node))));
        for (int i = parts.length - 2; i >= 0; i--) {
            Node folder = Node.builder(parts[i], NodeType.DIR).mode(org.lifeboat.repository.tree.GoFileMode.MODE_DIR | 0755)
                    .mtime(now).atime(now).ctime(now).uid(uid()).gid(gid()).user(names.userName(uid()))
                    .group(names.groupName(gid())).subtree(tree).build();
            dirsNew.increment();
            tree = saveTree(new Tree(new ArrayList<>(Arrays.asList(folder))));
        }
        return tree;
    }
}
