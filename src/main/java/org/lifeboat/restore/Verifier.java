package org.lifeboat.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.lifeboat.backend.Cancel;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawFile;
import org.lifeboat.fs.RawNames;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * Compares restored files with a snapshot folder: every entry exists with its type, every file
 * has its size, files and folders have the snapshot's permission bits, every entry its owner (when
 * running as root, the only case restore sets it) and the snapshot's extended attributes (see
 * {@link MetadataRestorer#differences}; times are not compared), and the content of a sample of files (all when {@code sample} is 1) hashes to the
 * snapshot's blobs. The sample is chosen by path, so the same files are read each time. Content
 * is compared by hashing the target's bytes against the blob IDs (lengths from the index), so
 * verification reads trees but no pack.
 *
 * <p>Like the restore, it reads by descriptor: only the target is opened by path, every folder
 * below it through its chain of names with {@code O_NOFOLLOW}, every file with {@code O_NOFOLLOW}.
 * A symlink where the snapshot has a file or folder is a difference, never followed. Trees that
 * break {@link TreeRules} or lie deeper than {@link TreeRules#MAX_DEPTH} are differences too.
 * Shared by {@code restore --verify}, the drill and the files check of {@code recover}.
 */
public final class Verifier {
    /** What was compared and what differs; at most 50 problems are listed. */
    public record Report(long files, long dirs, long others, long contentChecked, long bytesChecked, long problemCount,
                         List<String> problems) {
        public boolean ok() {
            return problemCount == 0;
        }
    }

    private static final int MAX_LISTED = 50;
    private final Repository repo;
    private final double sample;
    private final boolean asRoot = Posix.processUid() == 0;
    private long files, dirs, others, contentChecked, bytesChecked, problemCount;
    private final List<String> problems = new ArrayList<>();
    private final PathPatterns includes;
    private final PathPatterns excludes;

    private final Cancel cancel;

    private Verifier(Repository repo, double sample, PathPatterns includes, PathPatterns excludes, Cancel cancel) {
        this.cancel = cancel;
        this.repo = repo;
        this.sample = sample;
        this.includes = includes;
        this.excludes = excludes;
    }

    /** As {@link #verify(Repository, Id, String, Path, double, List, List)} without patterns. */
    public static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample) throws IOException {
        return verify(repo, tree, snapshotPrefix, target, sample, List.of(), List.of());
    }

    /**
     * As a restore with these include/exclude patterns would have left it: only what it restores is expected.
     *
     * @param sample share of files (0..1) whose content is compared
     * @throws InterruptedIOException if interrupted
     * @throws IOException            if the repository's index cannot be read
     */
    public static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample,
                                List<String> includes, List<String> excludes) throws IOException {
        return verify(repo, tree, snapshotPrefix, target, sample, includes, excludes, Cancel.NEVER);
    }

    /**
     * As {@link #verify(Repository, Id, String, Path, double, List, List)}, stopping when
     * {@code cancel} is cancelled ({@link Cancel.Cancelled}, checked between entries).
     */
    public static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample,
                                List<String> includes, List<String> excludes, Cancel cancel) throws IOException {
        return verify(repo, tree, snapshotPrefix, target, sample, new PathPatterns(includes),
                new PathPatterns(excludes), 1, cancel, new TreeLoader(repo, cancel, TreeLoader.DEFAULT_BUDGET));
    }

    /**
     * As above, comparing contents with {@code threads} threads, the trees read through {@code trees}
     * (a restore's own, so that the trees it just read are not read again).
     */
    static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample,
                         PathPatterns includes, PathPatterns excludes, int threads, Cancel cancel, TreeLoader trees)
            throws IOException {
        Verifier v = new Verifier(repo, sample, includes, excludes, cancel);
        v.trees = trees;
        Dir root;
        try {
            root = Dir.open(target.toAbsolutePath().normalize());
        } catch (NoSuchFileException e) {
            v.problem(target + " is missing");
            return v.report();
        }
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "verify-worker");
            t.setDaemon(true);
            return t;
        }) : null;
        try (Folders folders = new Folders(root)) {
            v.walk(folders, tree, snapshotPrefix, pool, threads);
        } finally {
            if (pool != null) pool.shutdownNow();
        }
        return v.report();
    }

    private synchronized Report report() {
        return new Report(files, dirs, others, contentChecked, bytesChecked, problemCount, List.copyOf(problems));
    }

    private synchronized void problem(String s) {
        problemCount++;
        if (problems.size() < MAX_LISTED) problems.add(s);
    }

    /** Where trees come from (set by {@link #verify} before the walk). */
    private TreeLoader trees;

    private List<Node> load(Id id, String sn) throws InterruptedIOException {
        String where = sn.isEmpty() ? "/" : sn;
        try {
            TreeLoader.Loaded loaded = trees.get(id);
            if (loaded.error() != null) throw loaded.error();
            Tree t = loaded.tree();
            List<String> p = loaded.problems();
            if (!p.isEmpty()) {
                problem(where + " is damaged in the repository: " + p.getFirst());
                return null;
            }
            return t.nodes();
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            problem(where + " cannot be read from the repository: " + e.getMessage());
            return null;
        }
    }

    private void walk(Folders folders, Id tree, String sn, ExecutorService pool, int threads) throws IOException {
        List<Node> rootNodes = load(tree, sn);
        if (rootNodes == null) return;
        int prefixLength = sn.length();
        Deque<WalkFrame> stack = new ArrayDeque<>();
        stack.push(new WalkFrame(rootNodes, folders.root(), sn, includes.isEmpty(), 0));
        List<Future<?>> pending = new ArrayList<>();
        Semaphore inFlight = new Semaphore(4 * Math.max(1, threads));
        Dir cur = null;
        Folders.Ref curRef = null;
        boolean curMissing = false;
        try {
            while (!stack.isEmpty()) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("verification interrupted");
                cancel.check();
                WalkFrame f = stack.peek();
                if (f.i >= f.nodes.size()) {
                    stack.pop();
                    continue;
                }
                Node n = f.nodes.get(f.i++);
                String snPath = f.sn + "/" + n.name();
                // Patterns match the path inside the folder restored (restic: "restore ID:/work --include /foo")
                String rel = snPath.substring(prefixLength);
                if (!excludes.isEmpty() && excludes.matches(rel)) continue;
                boolean included = f.included || includes.matches(rel);
                if (curRef != f.dir) {
                    if (cur != null) cur.close();
                    cur = null;
                    curRef = f.dir;
                    try {
                        cur = folders.open(f.dir);
                        curMissing = false;
                    } catch (InterruptedIOException e) {
                        throw e;
                    } catch (IOException e) {
                        curMissing = true;
                    }
                }
                String shown = folders.display(f.dir, n.name());
                if (!included) {
                    // Restored only if something inside is included: look inside, expect nothing here.
                    if (n.type() == NodeType.DIR && n.subtree() != null && f.depth + 1 <= TreeRules.MAX_DEPTH) {
                        List<Node> sub = load(n.subtree(), snPath);
                        if (sub != null) stack.push(new WalkFrame(sub, f.dir.child(n.name()), snPath, false, f.depth + 1));
                    }
                    continue;
                }
                FileMeta m = null;
                if (!curMissing) {
                    try {
                        m = cur.statOrNull(n.name());
                    } catch (InterruptedIOException e) {
                        throw e;
                    } catch (IOException | IllegalArgumentException e) {
                        problem(shown + ": " + e.getMessage());
                        continue;
                    }
                }
                if (m == null) {
                    if ((n.type() == NodeType.DEV || n.type() == NodeType.CHARDEV) && !asRoot) continue;
                    // restore makes none of these (it warns instead): their absence is expected
                    if (n.type() == NodeType.SOCKET || n.type() == NodeType.IRREGULAR || n.type() == NodeType.UNKNOWN) continue;
                    problem(shown + " is missing (" + snPath + " in the snapshot)");
                    continue;
                }
                if (m.kind() == expectedKind(n.type())) metadata(cur, n, m, shown);
                switch (n.type()) {
                    case DIR -> {
                        dirs++;
                        if (m.kind() != FileKind.DIRECTORY) {
                            problem(shown + " is not a folder");
                        } else if (n.subtree() != null) {
                            if (f.depth + 1 > TreeRules.MAX_DEPTH) {
                                problem(snPath + " is deeper than " + TreeRules.MAX_DEPTH + " levels; not compared");
                                continue;
                            }
                            List<Node> sub = load(n.subtree(), snPath);
                            if (sub != null) stack.push(new WalkFrame(sub, f.dir.child(n.name()), snPath, true, f.depth + 1));
                        }
                    }
                    case FILE -> {
                        files++;
                        if (m.kind() != FileKind.REGULAR) {
                            problem(shown + " is not a regular file");
                        } else if (m.size() != n.size()) {
                            problem(shown + " has " + m.size() + " bytes, the snapshot " + n.size());
                        } else if (chosen(snPath)) {
                            contentChecked++;
                            Folders.Ref ref = f.dir;
                            if (pool == null) {
                                checkContent(folders, ref, n, shown);
                            } else {
                                acquire(inFlight);
                                pending.add(pool.submit(() -> {
                                    try {
                                        checkContent(folders, ref, n, shown);
                                    } finally {
                                        inFlight.release();
                                    }
                                    return null;
                                }));
                                if (pending.size() > 1024) drain(pending);
                            }
                        }
                    }
                    case SYMLINK -> {
                        others++;
                        if (m.kind() != FileKind.SYMLINK) {
                            problem(shown + " is not a symbolic link");
                        } else if (!java.util.Arrays.equals(RawNames.encode(cur.readlink(n.name())),
                                RawNames.encode(n.linkTarget() == null ? "" : n.linkTarget()))) {
                            // Compared as the bytes restore writes: a byte restic already lost
                            // (REPLACED_BYTE) is written as U+FFFD and reads back as one.
                            problem(shown + " points elsewhere than in the snapshot");
                        }
                    }
                    default -> others++;
                }
            }
            drain(pending);
        } finally {
            if (cur != null) cur.close();
        }
    }

    /** The kind of entry restore makes for a node of this type (null: not compared). */
    private static FileKind expectedKind(NodeType t) {
        return switch (t) {
            case DIR -> FileKind.DIRECTORY;
            case FILE -> FileKind.REGULAR;
            case SYMLINK -> FileKind.SYMLINK;
            default -> null;
        };
    }

    /** Mode, owner (as root) and the snapshot's extended attributes of an entry of the right kind. */
    private void metadata(Dir cur, Node n, FileMeta m, String shown) throws InterruptedIOException {
        List<String> diff;
        try {
            diff = MetadataRestorer.differences(m, n.extendedAttributes().isEmpty() ? List.of() : cur.xattrs(n.name()), n, asRoot);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            diff = List.of("extended attributes cannot be read: " + e.getMessage());
        }
        if (!diff.isEmpty()) problem(shown + ": " + String.join("; ", diff));
    }

    private static void acquire(Semaphore s) throws InterruptedIOException {
        try {
            s.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("verification interrupted");
        }
    }

    private static void drain(List<Future<?>> pending) throws IOException {
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                throw new IOException("verification failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("verification interrupted");
            }
        }
        pending.clear();
    }

    /** Compares one file's content by descriptor; a file that cannot be opened as a regular file is a difference. */
    private void checkContent(Folders folders, Folders.Ref ref, Node n, String shown) throws IOException {
        String err;
        try (Dir d = folders.open(ref); RawFile f = d.openForRead(n.name())) {
            if (f.stat().kind() != FileKind.REGULAR) {
                err = "is not a regular file";
            } else {
                err = compare(repo, f, n.content() == null ? List.of() : n.content());
            }
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            err = "cannot be read: " + e.getMessage();
        }
        if (err == null) {
            synchronized (this) {
                bytesChecked += n.size();
            }
        } else {
            problem(shown + ": " + err);
        }
    }

    private boolean chosen(String snPath) {
        if (sample >= 1.0) return true;
        byte[] h = Id.sha256().digest(snPath.getBytes(StandardCharsets.UTF_8));
        long v = ((h[0] & 0xffL) << 16) | ((h[1] & 0xffL) << 8) | (h[2] & 0xffL);
        return v < sample * (1 << 24);
    }

    /**
     * Null when the open file's bytes hash, blob by blob, to the snapshot's content and nothing
     * follows; otherwise what differs. Shared with {@code restore --verify} and if-changed.
     */
    static String compare(Repository repo, RawFile f, List<Id> content) throws IOException {
        long pos = 0;
        for (Id id : content) {
            PackedBlob pb = repo.findBlob(BlobType.DATA, id).orElse(null);
            if (pb == null) return "blob " + id.shortHex() + " is not in the repository's index";
            byte[] b = new byte[pb.plainLength()];
            int got = 0;
            while (got < b.length) {
                int r = f.read(b, got, b.length - got, pos + got);
                if (r < 0) return "shorter than in the snapshot";
                got += r;
            }
            MessageDigest md = Id.sha256();
            md.update(b);
            if (!Id.of(md.digest()).equals(id)) return "content differs from the snapshot at offset " + pos;
            pos += pb.plainLength();
        }
        long size = f.stat().size();
        if (size != pos) return "size " + size + " differs from the snapshot's " + pos;
        return null;
    }
}
