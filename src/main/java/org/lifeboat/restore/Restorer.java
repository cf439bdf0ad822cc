package org.lifeboat.restore;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawFile;
import org.lifeboat.repository.BlobNotFoundException;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * Restores a tree from a snapshot into a folder: first counts what it will write and refuses when
 * that does not fit (see {@link Sizer}); then creates folders, symlinks and special files; then
 * file contents pack by pack: the blobs of all files grouped by pack, each pack read with one
 * request per covering range by a pool sized from the backend's connections, each blob written to
 * every file and offset that needs it (all-zero blobs left as holes; a file spanning packs is
 * filled by positional writes as its blobs arrive, at most {@link #MAX_OPEN_FILES} files open at
 * once); then hard links; then metadata of folders deepest first (writing
 * into a folder changes its mtime).
 *
 * <p>Nothing is ever created, written, changed or removed outside the target, whatever the
 * snapshot holds: only the target is opened by path; every folder below it is reached by opening
 * its chain of names from the target with {@code O_NOFOLLOW} ({@link Folders}); files are created
 * {@code O_CREAT|O_EXCL|O_NOFOLLOW} and get their metadata through their descriptor; a hard link is
 * made (linkat, flags 0) only while its first name is still the inode this run wrote. A tree that
 * breaks {@link TreeRules} (unsafe, duplicate or unsorted names) or lies deeper than
 * {@link TreeRules#MAX_DEPTH} is reported as damaged by its snapshot path and skipped; the rest
 * restores.
 *
 * <p>A file whose content could not be fully read from the repository keeps the mtime of the
 * write (not the snapshot's), so a later {@code --overwrite if-changed} restore sees it differ
 * and rewrites it. With {@code if-changed} and {@code verify}, a file whose size and mtime match
 * is compared by content and rewritten when it differs. {@code verify} then compares every file of
 * the snapshot present in the target (written in this run or not) with the snapshot.
 */
public final class Restorer {
    /**
     * Files kept open at once while their blobs arrive from several packs; beyond it the least
     * recently used is closed and reopened (by descriptor, same inode) when its next blob comes.
     */
    static final int MAX_OPEN_FILES = 256;

    /**
     * What a restore will create.
     *
     * @param files     regular files
     * @param dirs      folders
     * @param others    symlinks, devices, fifos
     * @param bytes     file content in bytes
     * @param diskBytes bytes needed on disk: each entry at least one 4 KiB block
     */
    public record Plan(long files, long dirs, long others, long bytes, long diskBytes) {
        /** Files, folders and other entries: one inode each. */
        public long inodes() {
            long s = files + dirs;
            s = s < 0 ? Long.MAX_VALUE : s + others;
            return s < 0 ? Long.MAX_VALUE : s;
        }

        /** E.g. "12 files, 3 folders, 4.2 MiB". */
        @Override
        public String toString() {
            return files + " files, " + dirs + " folders" + (others > 0 ? ", " + others + " other entries" : "")
                    + ", " + human(bytes);
        }
    }

    /** The target cannot hold what the snapshot would restore; nothing was written. */
    public static final class NotEnoughSpaceException extends IOException {
        NotEnoughSpaceException(String message) {
            super(message);
        }
    }

    private final Repository repo;
    private final RestoreOptions opts;
    private final String snapshotName;
    private final PathPatterns includes;
    private final PathPatterns excludes;
    private final boolean asRoot;
    private Consumer<Plan> onPlan = p -> {};
    private ItemListener onItem = (a, p, s) -> {};

    /** What happened to one entry, as restic 0.17's verbose_status names it. */
    public enum Action {
        /** created (files, folders, links, special files) */
        RESTORED,
        /** a file that was there before, written again */
        UPDATED,
        /** kept as it was (--overwrite never, if-changed, if-newer) */
        UNCHANGED
    }

    /** Told of every entry once it is done; called from several threads. */
    @FunctionalInterface
    public interface ItemListener {
        /**
         * @param snapshotPath the entry's path in the snapshot
         * @param size         file size in bytes (0 for other entries)
         */
        void item(Action action, String snapshotPath, long size);
    }

    private Folders folders;
    private final List<FileJob> files = new ArrayList<>();
    private final List<DirMeta> dirs = new ArrayList<>();
    private final List<LinkJob> links = new ArrayList<>();
    private final Map<String, LinkSource> firstByInode = new HashMap<>();
    private final List<String> damagedTrees = new ArrayList<>();
    /**
     * Folders made in the target whose own tree could not be read or breaks the tree rules: named
     * in {@link #damagedTrees}, so not counted as restored (total = restored + skipped + damaged).
     */
    private final Set<Folders.Ref> damagedDirs = new HashSet<>();
    /** Why the folder restored itself could not be read (null when its tree was read and is sound). */
    private String rootDamage;
    private final List<String> failed = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unknownTypes = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unknownTypePaths = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder bytes = new LongAdder();
    /** Files with an open descriptor, least recently used first (guarded by itself). */
    private final LinkedHashSet<FileJob> openFiles = new LinkedHashSet<>();
    /** Files taken out of {@link #openFiles} whose descriptors are still to be closed. */
    private final java.util.concurrent.ConcurrentLinkedQueue<FileJob> evicted = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Cancel cancel;
    /** The trees of this restore, shared by the space check and the walk (set by {@link #run}). */
    private TreeLoader trees;
    private long treeCacheBytes = TreeLoader.DEFAULT_BUDGET;
    private int maxOpenFiles = MAX_OPEN_FILES;
    /*
     * The counters, restic 0.17's summary in one unit: entries (files, hard links, folders below the
     * restored one, symlinks and special files). totalFiles is every entry chosen (the plan);
     * each ends either restored (filesDone: written, updated, or a folder given its metadata) or
     * skipped (kept as it was), or is named as failed or damaged. Bytes: totalBytes is the content of
     * every chosen file, a hard-linked inode once; bytesDone is what was written, bytesSkipped the
     * size of the files kept (0 for a further name of an inode). Updated only by restored()/kept().
     */
    private final LongAdder restoredFiles = new LongAdder();
    private final LongAdder restoredDirs = new LongAdder();
    private final LongAdder restoredOthers = new LongAdder();
    /** Entries kept as they were (restic's files_skipped). */
    public final LongAdder skipped = new LongAdder();
    /** Bytes of the files kept as they were (restic's bytes_skipped). */
    public final LongAdder bytesSkipped = new LongAdder();
    public final LongAdder bytesDone = new LongAdder();
    public final LongAdder filesDone = new LongAdder();
    public volatile long totalBytes;
    public volatile long totalFiles;
    /** When the first file data was written (null until then): a drill's time to first byte. */
    public volatile java.time.Instant firstByte;

    private record DirMeta(Folders.Ref ref, Node node) {}

    /** The first name of a hard-linked inode, and that inode once this run wrote (or kept) it. */
    private static final class LinkSource {
        final Folders.Ref dir;
        final String name;
        volatile long dev;
        volatile long ino;
        volatile boolean known;
        /** Kept from before, with other names this run did not make: never linked to (they may lie outside). */
        volatile boolean shared;

        LinkSource(Folders.Ref dir, String name) {
            this.dir = dir;
            this.name = name;
        }

        void set(FileMeta m) {
            dev = m.dev();
            ino = m.inode();
            known = true;
        }
    }

    private record LinkJob(Folders.Ref dir, String name, String snPath, LinkSource source) {}

    /** One file to write, and what went wrong reading its blobs (one damage line per file). */
    private static final class FileJob {
        final Folders.Ref dir;
        final String name;
        final Node node;
        final String snPath;
        final boolean compareFirst;
        final LinkSource source;
        private String firstError;
        private int badBlobs;
        private final Set<String> packs = new LinkedHashSet<>();
        /** Set when all blobs were read but their total length is not the node's size. */
        private String sizeMismatch;
        /** Blobs still to arrive (or be reported); the file is finished when it reaches 0. */
        final AtomicInteger pending = new AtomicInteger();
        /** The file's length by the index: the end of its last known blob, in bytes. */
        long size;
        // Guarded by the job's lock: its descriptor while open, and the inode this run created.
        RawFile file;
        boolean created;
        long dev;
        long ino;
        /** Writing into the target failed (reported once in failed); the rest of its blobs are dropped. */
        boolean writeFailed;
        /** Something was at its name before: reported as "updated", not "restored". */
        boolean existed;

        FileJob(Folders.Ref dir, String name, Node node, String snPath, boolean compareFirst, LinkSource source) {
            this.dir = dir;
            this.name = name;
            this.node = node;
            this.snPath = snPath;
            this.compareFirst = compareFirst;
            this.source = source;
        }

        synchronized void damage(String error, List<String> packPaths) {
            if (firstError == null) firstError = error;
            badBlobs++;
            packs.addAll(packPaths);
        }

        synchronized boolean damaged() {
            return badBlobs > 0 || sizeMismatch != null;
        }

        synchronized void sizeMismatch(long written) {
            sizeMismatch = snPath + ": the snapshot says the file has " + node.size() + " bytes but its content"
                    + " holds " + written + " (the snapshot's size and its content disagree)";
        }

        synchronized String damageLine() {
            if (badBlobs == 0 && sizeMismatch != null) return sizeMismatch;
            int blobs = node.content() == null ? 0 : node.content().size();
            return snPath + ": " + badBlobs + " of " + Plural.of(blobs, "data blob") + " unreadable (" + firstError + ")"
                    + (packs.isEmpty() ? "" : (packs.size() == 1 ? "; pack file " : "; pack files ") + String.join(", ", packs));
        }

        List<Id> content() {
            return node.content() == null ? List.of() : node.content();
        }
    }

    public Restorer(Repository repo, RestoreOptions opts) {
        this(repo, opts, "the snapshot");
    }

    /**
     * @param snapshotName how messages name what is restored, e.g. "snapshot 1a2b3c4d"
     */
    public Restorer(Repository repo, RestoreOptions opts, String snapshotName) {
        this(repo, opts, snapshotName, Cancel.NEVER);
    }

    /**
     * @param snapshotName how messages name what is restored, e.g. "snapshot 1a2b3c4d"
     * @param cancel       the job's cancel token, checked between packs (and files); a cancelled
     *                     restore ends with {@link Cancel.Cancelled}
     */
    public Restorer(Repository repo, RestoreOptions opts, String snapshotName, Cancel cancel) {
        this.cancel = cancel;
        this.repo = repo;
        this.opts = opts;
        this.snapshotName = snapshotName;
        this.includes = opts.includePatterns();
        this.excludes = opts.excludePatterns();
        this.asRoot = Posix.processUid() == 0;
    }

    /** Sets how many files may be open at once (tests use 1 to force reopening); at least 1. */
    Restorer maxOpenFiles(int n) {
        this.maxOpenFiles = Math.max(1, n);
        return this;
    }

    /** Called for every entry restored, updated or kept (thread-safe listeners only). */
    public Restorer onItem(ItemListener listener) {
        this.onItem = listener;
        return this;
    }

    /**
     * How many bytes of stored trees the restore keeps (default {@link TreeLoader#DEFAULT_BUDGET};
     * decoded trees are kept up to a quarter of it); a snapshot with more trees reads some of them again.
     */
    Restorer treeCacheBytes(long bytes) {
        this.treeCacheBytes = bytes;
        return this;
    }

    /** Trees the last {@link #run} decoded from the repository (for tests: each tree once when the cache holds them). */
    long treesLoaded() {
        return trees == null ? 0 : trees.treesLoaded();
    }

    /** Called once with what will be restored, after it was counted and before anything is written. */
    public Restorer onPlan(Consumer<Plan> listener) {
        this.onPlan = listener;
        return this;
    }

    private Dir openedTarget;

    /**
     * Restores into {@code target}, a folder the caller opened (for example with {@link
     * Dir#openResolved}), rather than opening {@code opts.target()} by its path when the restore
     * starts: nothing put at that path meanwhile can redirect the writes. The restore closes it.
     *
     * @return this
     */
    public Restorer into(Dir target) {
        this.openedTarget = target;
        return this;
    }

    /**
     * Restores the tree {@code root}; {@code prefix} is its path inside the snapshot ("" for the root).
     *
     * @throws NotEnoughSpaceException if the target's file system has fewer free bytes or inodes
     *                                 than the restore needs (nothing is written then)
     * @throws InterruptedIOException  if the thread is interrupted (Ctrl-C)
     * @throws IOException             if the target cannot be created or opened, or the repository fails
     */
    public RestoreResult run(Id root, String prefix) throws IOException {
        Path target = opts.target().toAbsolutePath().normalize();
        trees = new TreeLoader(repo, cancel, treeCacheBytes);
        Plan plan = count(root, prefix, target);
        totalBytes = plan.bytes();
        totalFiles = plan.inodes();
        onPlan.accept(plan);
        // As restic: a target that does not exist yet is made private (0700), like every folder
        // made on the way; the snapshot's folders get their own modes once their content is in.
        if (openedTarget != null) {
            folders = new Folders(openedTarget); // opened by the caller, not by its path again
        } else {
            Files.createDirectories(target, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            folders = new Folders(Dir.open(target));
        }
        try {
            walk(root, prefix);
            writeFiles();
            makeLinks();
            for (int i = dirs.size() - 1; i >= 0; i--) {
                DirMeta d = dirs.get(i);
                try (Dir dir = folders.open(d.ref()); RawFile self = dir.self()) {
                    // A damaged folder keeps its mode and owner but, like a damaged file, not the
                    // snapshot's times; it is counted as damaged, not restored.
                    boolean whole = !damagedDirs.contains(d.ref());
                    warnings.addAll(MetadataRestorer.apply(self, d.node(), asRoot, whole));
                    if (whole) restored(Action.RESTORED, d.ref().snPath, 0, restoredDirs);
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    warnings.add(folders.display(d.ref(), null) + ": cannot restore metadata: " + e.getMessage());
                }
            }
        } finally {
            folders.close();
        }
        List<String> damaged = new ArrayList<>(damagedTrees);
        for (FileJob j : files) if (j.damaged()) damaged.add(j.damageLine());
        List<String> verifyFailures = List.of();
        long verifyCount = 0;
        if (opts.verify()) {
            Verifier.Report r = Verifier.verify(repo, root, prefix, target, 1.0, includes, excludes, threads(), cancel, trees);
            verifyFailures = new ArrayList<>(r.problems());
            verifyCount = r.problemCount();
        }
        return new RestoreResult(restoredFiles.sum(), restoredDirs.sum(), restoredOthers.sum(), bytes.sum(), skipped.sum(),
                bytesSkipped.sum(), List.copyOf(damaged),
                List.copyOf(failed), List.copyOf(verifyFailures), verifyCount, List.copyOf(warnings), List.copyOf(unknownTypes),
                List.copyOf(unknownTypePaths), rootDamage);
    }

    private int threads() {
        return opts.threads() > 0 ? opts.threads() : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** Counts the restore against the free room of the target's file system (or its nearest existing parent). */
    private Plan count(Id root, String prefix, Path target) throws IOException {
        Path existing = target;
        while (existing != null && !Files.isDirectory(existing)) existing = existing.getParent();
        if (existing == null) throw new NoSuchFileException(target.toString(), null, "no existing folder above it");
        Dir.SpaceInfo space;
        try (Dir d = Dir.open(existing)) {
            space = d.space();
        }
        try {
            return new Sizer(trees, includes, excludes, space.freeBytes(), space.freeInodes()).count(root, prefix);
        } catch (Sizer.TooBig e) {
            Plan p = e.counted;
            throw new NotEnoughSpaceException(snapshotName + " needs at least " + human(p.diskBytes()) + " and "
                    + p.inodes() + " inodes (" + p.files() + " files, " + p.dirs() + " folders counted so far) in "
                    + target + ", but only " + human(space.freeBytes()) + " and "
                    + (space.freeInodes() == Long.MAX_VALUE ? "unlimited" : String.valueOf(space.freeInodes()))
                    + " inodes are free there; nothing was restored");
        }
    }

    /** Bytes for people: "4.2 MiB". */
    static String human(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    // ----------------------------------------------------------------------------- the walk

    /**
     * The nodes of a tree, or null when it is unreadable or breaks the tree rules (reported);
     * {@code dir} (null for the folder restored) is then remembered as damaged, not restored.
     */
    private List<Node> loadTree(Id id, String sn, Folders.Ref dir) throws InterruptedIOException {
        String where = sn.isEmpty() ? "/" : sn;
        String why;
        try {
            TreeLoader.Loaded loaded = trees.get(id);
            if (loaded.error() != null) throw loaded.error();
            Tree t = loaded.tree();
            List<String> problems = loaded.problems();
            if (problems.isEmpty()) return t.nodes();
            why = "its tree " + id.shortHex() + " is damaged: "
                    + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                    + (problems.size() > 3 ? "; ..." : "");
            damagedTrees.add(where + " (folder not restored, " + why + ")");
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            why = e.getMessage();
            damagedTrees.add(where + " (folder: " + why + ")");
        }
        if (dir == null) rootDamage = "folder " + where + " is damaged in the repository: " + why;
        else damagedDirs.add(dir);
        return null;
    }

    private void walk(Id root, String prefix) throws IOException {
        List<Node> rootNodes = loadTree(root, prefix, null);
        if (rootNodes == null) return;
        int prefixLength = prefix.length();
        Deque<WalkFrame> stack = new ArrayDeque<>();
        stack.push(new WalkFrame(rootNodes, folders.root(), prefix, includes.isEmpty(), 0));
        // One open folder at a time for the walk: the one whose entries are being restored.
        Dir cur = null;
        Folders.Ref curRef = null;
        try {
            while (!stack.isEmpty()) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("restore interrupted");
                cancel.check();
                WalkFrame f = stack.peek();
                if (f.i >= f.nodes.size()) {
                    stack.pop();
                    continue;
                }
                Node n = f.nodes.get(f.i++);
                String sn = f.sn + "/" + n.name();
                // Patterns match the path inside the folder restored (restic: "restore ID:/work --include /foo")
                String rel = sn.substring(prefixLength);
                if (!excludes.isEmpty() && excludes.matches(rel)) continue;
                boolean included = f.included || includes.matches(rel);
                if (n.type() == NodeType.DIR) {
                    if (n.subtree() == null) {
                        damagedTrees.add(sn + " (folder without subtree)");
                        continue;
                    }
                    if (f.depth + 1 > TreeRules.MAX_DEPTH) {
                        damagedTrees.add(sn + " (folder not restored: deeper than " + TreeRules.MAX_DEPTH + " levels)");
                        continue;
                    }
                    Folders.Ref child = f.dir.child(n.name());
                    // Made now when included, else only if something below it is (on the way to a
                    // match): either way with the snapshot's metadata, set once its content is in.
                    child.node = n;
                    child.snPath = sn;
                    if (included) {
                        if (!ensureDir(child)) continue;
                    } else if (f.dir.failed) {
                        continue;
                    }
                    List<Node> sub = loadTree(n.subtree(), sn, child);
                    if (sub != null) stack.push(new WalkFrame(sub, child, sn, included, f.depth + 1));
                    continue;
                }
                if (!included) continue;
                // A folder reached only through includes is created now, when something inside is restored.
                if (!ensureDir(f.dir)) continue;
                if (curRef != f.dir) {
                    if (cur != null) cur.close();
                    cur = null;
                    curRef = f.dir;
                    try {
                        cur = folders.open(f.dir);
                    } catch (InterruptedIOException e) {
                        throw e;
                    } catch (IOException e) {
                        f.dir.failed = true;
                        failed.add(sn + ": cannot open its folder: " + e.getMessage());
                        continue;
                    }
                }
                if (cur == null) continue;
                try {
                    restoreEntry(cur, f.dir, n, sn);
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    failed.add(sn + ": " + e.getMessage());
                } catch (IllegalArgumentException e) {
                    damagedTrees.add(sn + " (" + e.getMessage() + ")");
                }
            }
        } finally {
            if (cur != null) cur.close();
        }
    }

    /**
     * Makes sure {@code ref} is a real folder (never a symlink): creates it and any folder above it
     * that is missing, private (0700) until the snapshot's metadata is applied after its content
     * (every folder made or found here is queued for that, parents before children, so that the
     * reverse order sets a folder's times after everything inside it); an existing non-folder is
     * replaced (with a warning) unless --overwrite never. False (reported once) when that is
     * impossible; nothing inside is restored then.
     */
    private boolean ensureDir(Folders.Ref ref) throws InterruptedIOException {
        if (ref.made) return true;
        if (ref.failed) return false;
        if (!ensureDir(ref.parent)) {
            ref.failed = true;
            return false;
        }
        try (Dir parent = folders.open(ref.parent)) {
            FileMeta m = parent.statOrNull(ref.name);
            if (m != null && m.kind() != FileKind.DIRECTORY) {
                if (opts.overwrite() == RestoreOptions.Overwrite.NEVER) {
                    ref.failed = true;
                    warnings.add(parent.display(ref.name) + ": not restored, it exists and is not a folder "
                            + "(--overwrite never)");
                    return false;
                }
                parent.unlink(ref.name);
                warnings.add(parent.display(ref.name) + ": replaced the " + kindName(m.kind())
                        + " there by the snapshot's folder" + (ref.snPath == null ? "" : " " + ref.snPath));
                m = null;
            }
            if (m == null) parent.mkdir(ref.name, 0700);
            ref.made = true;
            if (ref.node != null) dirs.add(new DirMeta(ref, ref.node));
            return true;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            ref.failed = true;
            failed.add(folders.display(ref, null) + ": cannot create folder: " + e.getMessage());
            return false;
        }
    }

    private void restoreEntry(Dir d, Folders.Ref ref, Node n, String sn) throws IOException {
        String name = n.name();
        FileMeta existing = d.statOrNull(name);
        switch (n.type()) {
            case FILE -> {
                LinkSource source = null;
                if (n.links() > 1) {
                    String key = n.deviceId() + ":" + n.inode();
                    LinkSource first = firstByInode.get(key);
                    if (first != null) {
                        // Same rule as any file: --overwrite never/if-changed must not replace it.
                        if (existing != null && !replaceable(existing, n)) {
                            kept(sn, 0); // a further name of an inode adds no bytes
                            return;
                        }
                        links.add(new LinkJob(ref, name, sn, first));
                        return;
                    }
                    source = new LinkSource(ref, name);
                    firstByInode.put(key, source);
                }
                boolean compareFirst = false;
                if (existing != null && !replaceable(existing, n)) {
                    if (opts.overwrite() != RestoreOptions.Overwrite.IF_CHANGED) {
                        keep(existing, source, n, sn);
                        return;
                    }
                    if (!opts.verify()) {
                        // if-changed is "always" for metadata (restic 0.17): an unchanged file
                        // still gets the snapshot's mode, owner and xattrs
                        if (repairMetadata(d, name, existing, n)) {
                            keep(existing, source, n, sn);
                            return;
                        }
                    } else {
                        // Size and mtime match: with --verify the content decides (a damaged file
                        // keeps neither, but a file damaged later may).
                        compareFirst = true;
                    }
                }
                FileJob job = new FileJob(ref, name, n, sn, compareFirst, source);
                job.existed = existing != null;
                files.add(job);
            }
            case SYMLINK -> {
                if (n.linkTarget() == null) {
                    warnings.add(sn + ": symlink without a target in the snapshot; skipped");
                    return;
                }
                if (existing != null) {
                    if (!replaceable(existing, n)) {
                        kept(sn, 0);
                        return;
                    }
                    remove(d, name, existing, n.type().jsonName());
                }
                d.symlink(n.linkTarget(), name);
                warnings.addAll(MetadataRestorer.applyAt(d, name, n, asRoot));
                restored(Action.RESTORED, sn, 0, restoredOthers);
            }
            case FIFO, DEV, CHARDEV -> {
                // As in restic (whose mknod then fails with EPERM and counts as an error): an entry
                // that cannot be made is a failed entry, listed, and the restore exits 1.
                if (n.type() != NodeType.FIFO && !asRoot) {
                    failed.add(sn + ": device nodes can only be made when running as root");
                    return;
                }
                if (existing != null) {
                    if (!replaceable(existing, n)) {
                        kept(sn, 0);
                        return;
                    }
                    remove(d, name, existing, n.type().jsonName());
                }
                try {
                    d.mknod(name, GoFileMode.toPosix(n.mode()), n.type() == NodeType.FIFO ? 0 : n.device());
                } catch (IOException e) {
                    failed.add(sn + ": cannot create " + n.type().jsonName() + ": " + e.getMessage());
                    return;
                }
                warnings.addAll(MetadataRestorer.applyAt(d, name, n, asRoot));
                restored(Action.RESTORED, sn, 0, restoredOthers);
            }
            // a newer restic's type (or a hostile one): that entry only is left out, as restic's restore does
            case UNKNOWN -> unknown(sn, "its type " + TreeRules.shownType(n) + " is not one this version knows");
            // restic 0.17+ records what it could not back up as a regular file (a Windows reparse
            // point, say) as "irregular", without content: nothing can be made of it
            case IRREGULAR -> unknown(sn, "its type \"irregular\" (a newer restic's record of a file it could not read"
                    + " as a regular one) holds nothing to restore");
            default -> warnings.add(sn + ": skipped entry of type " + n.typeName());
        }
    }

    /**
     * Gives a file kept by {@code if-changed} the snapshot's metadata; false when it must be
     * rewritten instead: its metadata differs and the inode has other names, which may lie
     * outside the target (changing its mode or owner would change theirs).
     */
    private boolean repairMetadata(Dir d, String name, FileMeta existing, Node n) throws IOException {
        List<String> diff = MetadataRestorer.differences(existing, d.xattrs(name), n, asRoot);
        if (diff.isEmpty()) return true;
        if (existing.nlink() > 1) return false;
        warnings.addAll(MetadataRestorer.applyAt(d, name, n, asRoot));
        return true;
    }

    /** One entry done: counted in its kind and in filesDone, then told to the listener. */
    /** An entry left out because nothing of its type can be restored: the restore is partial. */
    private void unknown(String sn, String why) {
        synchronized (unknownTypes) {
            unknownTypes.add(sn + ": not restored: " + why);
            unknownTypePaths.add(sn);
        }
    }

    private void restored(Action a, String sn, long size, LongAdder kind) {
        kind.increment();
        filesDone.increment();
        onItem.item(a, sn, size);
    }

    /** One entry kept as it was, with the bytes of its content that were not written. */
    private void kept(String sn, long size) {
        skipped.increment();
        bytesSkipped.add(size);
        onItem.item(Action.UNCHANGED, sn, size);
    }

    private void keep(FileMeta existing, LinkSource source, Node n, String sn) {
        kept(sn, n.size());
        if (source != null && existing.kind() == FileKind.REGULAR) {
            source.set(existing);
            // A kept file with other names may be a hard link to a file outside the target: a new
            // link to it would make the target reach that inode. Only names already on it are accepted.
            if (existing.nlink() > 1) {
                source.known = false;
                source.shared = true;
            }
        }
    }

    /**
     * Whether --overwrite lets an existing entry be replaced by the snapshot's entry {@code n}
     * (if-newer: when the snapshot's mtime is later than the existing entry's, as restic 0.17).
     */
    private boolean replaceable(FileMeta m, Node n) {
        return switch (opts.overwrite()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case IF_NEWER -> n.mtime() != null && (n.mtime().toEpochSecond() > m.mtimeSec()
                    || n.mtime().toEpochSecond() == m.mtimeSec() && n.mtime().getNano() > m.mtimeNsec());
            case IF_CHANGED -> !(m.kind() == FileKind.REGULAR && m.size() == n.size() && n.mtime() != null
                    && m.mtimeSec() == n.mtime().toEpochSecond() && m.mtimeNsec() == n.mtime().getNano());
        };
    }

    /**
     * Removes an entry in the way: a non-folder is unlinked (a symlink itself), an empty folder
     * removed with a warning naming it. A non-empty folder is never removed (as restic without
     * --delete): the IOException names it, and the entry is reported as not restored.
     */
    private void remove(Dir d, String name, FileMeta existing, String what) throws IOException {
        if (existing.kind() == FileKind.DIRECTORY) {
            try {
                d.rmdir(name);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                throw new IOException("the target has a non-empty folder at " + d.display(name)
                        + " where the snapshot has a " + what + "; the folder was left as it is (move it away"
                        + " and restore again)");
            }
            warnings.add(d.display(name) + ": replaced the empty folder there by the snapshot's " + what);
        } else {
            d.unlink(name);
            // another kind of entry (a symlink where the snapshot has a file): said, as for folders
            if (existing.kind() != kindOf(what)) {
                warnings.add(d.display(name) + ": replaced the " + kindName(existing.kind()) + " there by the snapshot's " + what);
            }
        }
    }

    /** The kind of entry restore makes for a node type's JSON name ("file", "symlink", …). */
    private static FileKind kindOf(String what) {
        return switch (what) {
            case "file" -> FileKind.REGULAR;
            case "symlink" -> FileKind.SYMLINK;
            case "fifo" -> FileKind.FIFO;
            case "dev" -> FileKind.BLOCK_DEVICE;
            case "chardev" -> FileKind.CHAR_DEVICE;
            case "socket" -> FileKind.SOCKET;
            default -> FileKind.OTHER;
        };
    }

    /** "file", "symlink", "folder", … for messages. */
    private static String kindName(FileKind k) {
        return switch (k) {
            case DIRECTORY -> "folder";
            case REGULAR -> "file";
            default -> k.toString().toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }

    // ----------------------------------------------------------------------------- contents

    /** Where one blob goes: a file and the byte offset in it. */
    private record Target(FileJob job, long pos) {}

    /**
     * Writes every file's content pack by pack (restic's filerestorer): the blobs of all files are
     * grouped by the pack that holds them, each pack is read with one request per covering range
     * ({@link Repository#loadBlobsFromPack}) by a pool sized from the backend's connections, and
     * each blob is written to every (file, offset) that needs it with positional writes, so a file
     * whose blobs lie in several packs is filled as they arrive, by several workers at once.
     */
    private void writeFiles() throws IOException {
        List<FileJob> toWrite = compareFirst();
        // The plan: where each blob goes. Offsets come from the index (plain lengths), so every
        // blob can be written wherever it arrives from.
        Map<Id, List<Target>> targets = new java.util.LinkedHashMap<>();
        // ... and the packs to read, in the order files first need them (one lookup per blob)
        Map<Id, List<PackedBlob>> byPack = new java.util.LinkedHashMap<>();
        List<FileJob> noBlobs = new ArrayList<>();
        for (FileJob j : toWrite) {
            long pos = 0;
            int n = 0;
            for (Id id : j.content()) {
                PackedBlob pb = repo.findBlob(BlobType.DATA, id).orElse(null);
                if (pb == null) {
                    // What follows an unknown blob has no known offset: the file ends here (damaged).
                    j.damage("data blob " + id.shortHex() + " is not in the repository's index", packFiles(id));
                    break;
                }
                List<Target> to = targets.get(id);
                if (to == null) {
                    targets.put(id, to = new ArrayList<>(1));
                    byPack.computeIfAbsent(pb.pack(), k -> new ArrayList<>()).add(pb);
                }
                to.add(new Target(j, pos));
                pos += pb.plainLength();
                n++;
            }
            j.size = pos;
            j.pending.set(n);
            if (n == 0) noBlobs.add(j);
        }
        for (FileJob j : noBlobs) {
            cancel.check();
            task(j, () -> finishJob(j));
        }
        List<Map.Entry<Id, List<PackedBlob>>> packs = new ArrayList<>(byPack.entrySet());
        AtomicInteger next = new AtomicInteger();
        int workers = Math.max(1, Math.min(readers(), packs.size()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "restore-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    // This worker's read buffer: at most one covering range, never shared.
                    Repository.ReadBuffer buffer = new Repository.ReadBuffer();
                    for (int i = next.getAndIncrement(); i < packs.size(); i = next.getAndIncrement()) {
                        cancel.check();
                        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("restore interrupted");
                        Map.Entry<Id, List<PackedBlob>> p = packs.get(i);
                        repo.loadBlobsFromPack(p.getKey(), p.getValue(), buffer,
                                (pb, plain, error) -> deliver(targets.get(pb.id()), pb, plain, error), cancel);
                    }
                    return null;
                }));
            }
            awaitAll(futures);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeAll(toWrite);
        }
    }

    /** Waits for every task, rethrowing the first failure as it was thrown (an IOException stays one). */
    private static void awaitAll(List<Future<?>> futures) throws IOException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) throw io;
                if (c instanceof RuntimeException re) throw re;
                throw new IOException(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("restore interrupted");
            }
        }
    }

    /** Readers of packs: --threads when given, else the backend's connections (restic's workerCount). */
    private int readers() {
        return opts.threads() > 0 ? opts.threads() : repo.connections();
    }

    /**
     * The files that if-changed with --verify keeps when their content matches (compared by
     * descriptor, reading only the target); returns the files to write.
     */
    private List<FileJob> compareFirst() throws IOException {
        List<FileJob> toWrite = new ArrayList<>();
        List<FileJob> compare = new ArrayList<>();
        for (FileJob j : files) (j.compareFirst ? compare : toWrite).add(j);
        if (compare.isEmpty()) return toWrite;
        List<FileJob> rewrite = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads(), r -> {
            Thread t = new Thread(r, "restore-compare");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (FileJob j : compare) futures.add(pool.submit(() -> task(j, () -> {
                cancel.check();
                if (!unchanged(j)) rewrite.add(j);
            })));
            awaitAll(futures);
        } finally {
            pool.shutdownNow();
        }
        java.util.Set<FileJob> again = new java.util.HashSet<>(rewrite);
        for (FileJob j : compare) if (again.contains(j)) toWrite.add(j);
        return toWrite;
    }

    @FunctionalInterface
    private interface IoTask {
        void run() throws IOException;
    }

    /** Runs one task of a file; a failure in the target is that file's failure, not the restore's. */
    private Object task(FileJob j, IoTask t) throws IOException {
        try {
            t.run();
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            failed.add(j.snPath + ": " + e.getMessage());
        }
        return null;
    }

    /** Creates the file afresh, replacing what is at its name (a symlink is replaced, never followed). */
    private RawFile create(FileJob j) throws IOException {
        try (Dir d = folders.open(j.dir)) {
            FileMeta m = d.statOrNull(j.name);
            if (m != null) remove(d, j.name, m, "file");
            return d.createFile(j.name);
        }
    }

    /** True (and the file kept) when the existing file already holds the snapshot's content and metadata. */
    private boolean unchanged(FileJob j) throws IOException {
        try (Dir d = folders.open(j.dir); RawFile f = d.openForRead(j.name)) {
            FileMeta m = f.stat();
            if (m.kind() == FileKind.REGULAR && Verifier.compare(repo, f, j.content()) == null
                    && repairMetadata(d, j.name, m, j.node)) {
                keep(m, j.source, j.node, j.snPath); // the same hard-link rule as any kept file
                return true;
            }
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // Unreadable or gone: rewrite it.
        }
        return false;
    }

    /**
     * One blob read (or not) from its pack: written to every place that needs it, or reported as
     * damage of each file that needed it (the hole stays). Called by the pack's worker.
     */
    private void deliver(List<Target> where, PackedBlob pb, byte[] plain, IOException error) throws IOException {
        if (where == null) return;
        boolean zero = plain != null && allZero(plain);
        for (Target t : where) {
            FileJob j = t.job();
            if (plain == null) {
                j.damage(error instanceof BlobNotFoundException ? "data blob " + pb.id().shortHex()
                        + " is not in the repository's index" : error.getMessage(), packFiles(pb.id()));
            } else {
                write(j, t.pos(), plain, zero);
            }
            if (j.pending.decrementAndGet() == 0) task(j, () -> finishJob(j));
            closeEvicted();
        }
    }

    /** Writes one blob into a file at {@code pos} (an all-zero blob stays a hole); a target failure fails that file only. */
    private void write(FileJob j, long pos, byte[] plain, boolean zero) throws IOException {
        synchronized (j) {
            if (j.writeFailed) return;
            try {
                RawFile f = open(j);
                if (!zero) f.write(plain, 0, plain.length, pos);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException | IllegalArgumentException e) {
                j.writeFailed = true;
                failed.add(j.snPath + ": " + e.getMessage());
                close(j);
                return;
            }
        }
        if (firstByte == null) firstByte = java.time.Instant.now();
        bytes.add(plain.length);
        bytesDone.add(plain.length);
    }

    /** Every blob of the file is in (or reported): its size, metadata and hard-link source, then closed. */
    private void finishJob(FileJob j) throws IOException {
        synchronized (j) {
            if (j.writeFailed) return;
            try {
                finish(open(j), j, j.size);
            } finally {
                close(j);
            }
        }
    }

    /**
     * The file's descriptor (caller holds the job's lock): created on first use, replacing what is
     * at its name; reopened when it was closed to bound the open files, and then only if its name
     * still holds the inode this run created (never following a symlink).
     */
    private RawFile open(FileJob j) throws IOException {
        if (j.file != null) {
            synchronized (openFiles) {
                openFiles.remove(j);
                openFiles.add(j); // most recently used last
            }
            return j.file;
        }
        RawFile f;
        if (!j.created) {
            f = create(j);
            FileMeta m = f.stat();
            j.dev = m.dev();
            j.ino = m.inode();
            j.created = true;
        } else {
            try (Dir d = folders.open(j.dir)) {
                f = d.openForWrite(j.name);
            }
            FileMeta m = f.stat();
            if (m.dev() != j.dev || m.inode() != j.ino) {
                f.close();
                throw new IOException(folders.display(j.dir, j.name) + " was replaced by another file while it was restored");
            }
        }
        j.file = f;
        synchronized (openFiles) {
            openFiles.add(j);
            // Beyond the bound, the least recently used files are closed (by whoever holds no file's
            // lock, see closeEvicted) and reopened when their next blob arrives.
            java.util.Iterator<FileJob> it = openFiles.iterator();
            while (openFiles.size() > maxOpenFiles && it.hasNext()) {
                FileJob v = it.next();
                if (v == j) continue;
                it.remove();
                evicted.add(v);
            }
        }
        return f;
    }

    /** Closes the files evicted from {@link #openFiles} unless they were reopened since. */
    private void closeEvicted() {
        for (FileJob v = evicted.poll(); v != null; v = evicted.poll()) {
            synchronized (v) {
                synchronized (openFiles) {
                    if (openFiles.contains(v)) continue;
                }
                if (v.file != null) {
                    v.file.close();
                    v.file = null;
                }
            }
        }
    }

    /** Closes a file's descriptor (caller holds the job's lock). */
    private void close(FileJob j) {
        synchronized (openFiles) {
            openFiles.remove(j);
        }
        if (j.file != null) {
            j.file.close();
            j.file = null;
        }
    }

    /** After a failure or interruption: no descriptor stays open. */
    private void closeAll(List<FileJob> jobs) {
        for (FileJob j : jobs) {
            synchronized (j) {
                close(j);
            }
        }
        evicted.clear();
    }

    /** The repository files holding a blob, as paths inside the repository ("data/ab/abcdef…"). */
    private List<String> packFiles(Id blob) {
        List<String> out = new ArrayList<>();
        for (PackedBlob pb : repo.findBlobCopies(BlobType.DATA, blob)) {
            String hex = pb.pack().hex();
            out.add("data/" + hex.substring(0, 2) + "/" + hex);
        }
        return out;
    }

    private void finish(RawFile f, FileJob j, long size) throws IOException {
        // Extends the file over trailing holes left by all-zero blobs (or unreadable ones).
        if (f.stat().size() < size) f.truncate(size);
        // Every blob read, yet not the node's size: the tree and its content disagree (a damaged or
        // forged tree). The file keeps the content there is and, like any damaged file, not the
        // snapshot's mtime, so that a later --overwrite if-changed does not take it for whole.
        if (!j.damaged() && size != j.node.size()) j.sizeMismatch(size);
        warnings.addAll(MetadataRestorer.apply(f, j.node, asRoot, !j.damaged()));
        if (j.source != null) j.source.set(f.stat());
        // A damaged file is named in the damage list: counted there, not as restored too.
        if (!j.damaged()) restored(j.existed ? Action.UPDATED : Action.RESTORED, j.snPath, j.node.size(), restoredFiles);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    // ----------------------------------------------------------------------------- hard links

    /**
     * Links each further name of a hard-linked inode to its first name, if that name still holds
     * the inode this run wrote or kept (checked with fstatat right before linkat with flags 0, which
     * never follows a symlink): a first name replaced since, or never restored, is not linked to.
     */
    private void makeLinks() throws IOException {
        for (LinkJob l : links) {
            LinkSource s = l.source();
            String where = folders.display(l.dir(), l.name());
            if (s.shared) {
                try (Dir to = folders.open(l.dir())) {
                    FileMeta e = to.statOrNull(l.name());
                    if (e != null && e.kind() == FileKind.REGULAR && e.inode() == s.ino && e.dev() == s.dev) {
                        kept(l.snPath(), 0);
                        continue;
                    }
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    // reported below like any other link that is not made
                }
                failed.add(l.snPath() + ": hard link not made, its first name " + folders.display(s.dir, s.name)
                        + " was kept from before this restore and has other names, which may lie outside the target;"
                        + " restore with --overwrite always to write both");
                continue;
            }
            if (!s.known) {
                failed.add(l.snPath() + ": hard link not made, its first name " + folders.display(s.dir, s.name)
                        + " was not restored");
                continue;
            }
            try (Dir from = folders.open(s.dir); Dir to = folders.open(l.dir())) {
                FileMeta m = from.statOrNull(s.name);
                if (m == null || m.kind() != FileKind.REGULAR || m.inode() != s.ino || m.dev() != s.dev) {
                    failed.add(l.snPath() + ": hard link not made, " + from.display(s.name)
                            + " is no longer the file this restore wrote");
                    continue;
                }
                FileMeta e = to.statOrNull(l.name());
                if (e != null) {
                    if (e.kind() == FileKind.REGULAR && e.inode() == s.ino && e.dev() == s.dev) {
                        kept(l.snPath(), 0);
                        continue;
                    }
                    remove(to, l.name(), e, "file");
                }
                to.link(from, s.name, l.name());
                restored(Action.RESTORED, l.snPath(), 0, restoredFiles);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failed.add(l.snPath() + ": cannot create hard link " + where + ": " + e.getMessage());
            }
        }
    }
}
