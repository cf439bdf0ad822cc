package org.lifeboat.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.TimeSpec;
import org.lifeboat.fs.RawNames;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.TreeCache;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;

/**
 * The repository as a read-only file system, path by path (FUSE's high-level interface): the
 * folders of {@link SnapshotDirs} above, each snapshot's trees below. Folders are read from their
 * tree blobs when first listed or looked into (decoded trees kept in a cache bounded in bytes),
 * files blob by blob as they are read ({@link BlobCache}); sizes, times, modes, owners and link
 * targets are the stored ones. Every change is refused with EROFS.
 *
 * <p>Hostile trees cannot hurt it: an entry whose name breaks {@link TreeRules} (empty, ".", "..",
 * a slash or NUL) is hidden, and so is a second entry of one name; each is reported once. A tree
 * that cannot be read or decoded makes its folder fail with EIO, a file whose blobs are unknown
 * fails to open with EIO; nothing of that ends the mount. Every callback catches everything: an
 * exception must never unwind into the native FUSE loop.
 */
final class RepositoryFs implements FuseOperations {
    private static final int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000;
    private static final int S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFSOCK = 0140000;
    /** Linux's longest path (and symlink target) in bytes, without the NUL. */
    static final int PATH_MAX = 4095;
    /** Budget of decoded trees, in bytes of their JSON (the objects take a few times that). */
    static final long DIR_CACHE_BUDGET = 16L * 1024 * 1024;

    /** How the folders and files are shown. */
    record Options(boolean ownerRoot, int uid, int gid) {}

    /** A decoded folder: the names it shows in stored order, and its entries by those names. */
    private record Listing(List<String> shown, Map<String, Node> byName, long weight) {}

    /** What a path names: a layout entry, or a node inside snapshot {@code snapshot}. */
    private record Found(SnapshotDirs.Entry entry, Snapshot snapshot, Node node) {}

    /** A node inside snapshot {@code snapshot}, {@code depth} names below its folder. */
    private record Inside(Snapshot snapshot, Node node, int depth) {}

    /** How many resolved paths inside snapshots are kept (a few hundred bytes each). */
    private static final int RESOLVED_MAX = 8192;

    /** An open file: its blobs and where each starts. */
    private record OpenFile(Node node, Id[] blobs, long[] starts, long length) {}

    private final Repository repo;
    private final Errno errno;
    private final SnapshotDirs dirs;
    private final Options options;
    private final Consumer<String> warn;
    private final Instant mounted = Instant.now();
    private final TreeCache trees;
    private final BlobCache blobs;
    private final LinkedHashMap<Id, Listing> listings = new LinkedHashMap<>(64, 0.75f, true);
    /** Paths inside snapshots already resolved, least recently used first. */
    private final LinkedHashMap<String, Inside> resolved = new LinkedHashMap<>(256, 0.75f, true);
    private long listingBytes;
    private final Map<Long, OpenFile> open = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicLong folderSearches = new AtomicLong();
    private final Set<String> warned = Collections.synchronizedSet(new LinkedHashSet<>());

    /**
     * @param warn gets one sentence per problem found (a hidden entry, an unreadable tree or blob), each once
     */
    RepositoryFs(Repository repo, Errno errno, SnapshotDirs dirs, Options options, long blobCacheBytes,
                 Consumer<String> warn) {
        this.repo = repo;
        this.errno = errno;
        this.dirs = dirs;
        this.options = options;
        this.warn = warn;
        this.trees = new TreeCache(repo, TreeCache.DEFAULT_BUDGET, org.lifeboat.backend.Cancel.NEVER);
        this.blobs = new BlobCache(repo, blobCacheBytes);
    }

    @Override
    public Errno errno() {
        return errno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(Operation.GET_ATTR, Operation.READLINK, Operation.OPEN, Operation.READ, Operation.RELEASE,
                Operation.OPEN_DIR, Operation.READ_DIR, Operation.RELEASE_DIR, Operation.WRITE, Operation.CREATE,
                Operation.MKDIR, Operation.UNLINK, Operation.RMDIR, Operation.RENAME, Operation.SYMLINK,
                Operation.CHMOD, Operation.CHOWN, Operation.TRUNCATE, Operation.UTIMENS, Operation.SET_XATTR,
                Operation.REMOVE_XATTR);
    }

    // ---- reads ----

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        return guarded(path, () -> {
            Found f = resolve(path);
            if (f == null) return -errno.enoent();
            fill(f, stat);
            return 0;
        });
    }

    @Override
    public int readlink(String path, ByteBuffer buf, long len) {
        return guarded(path, () -> {
            Found f = resolve(path);
            if (f == null) return -errno.enoent();
            String target;
            if (f.node() != null) {
                if (f.node().type() != NodeType.SYMLINK) return -errno.einval();
                target = f.node().linkTarget() == null ? "" : f.node().linkTarget();
            } else if (f.entry().isLink()) {
                target = f.entry().linkTarget;
            } else {
                return -errno.einval();
            }
            byte[] b = RawNames.encode(target);
            // libfuse asks with room for PATH_MAX bytes; a longer target (only a hostile or damaged
            // tree has one: Linux refuses to make it) would come out cut, so it is refused whole
            if (b.length > Math.min(PATH_MAX, len - 1) || b.length >= buf.remaining()) {
                report("cannot show the symlink " + path + ": its target is " + b.length
                        + " bytes long, more than the " + PATH_MAX + " a link can hold (File name too long)");
                return -errno.enametoolong();
            }
            buf.put(b);
            buf.put((byte) 0);
            return 0;
        });
    }

    @Override
    public int opendir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        return guarded(path, () -> {
            Found f = resolve(path);
            if (f == null) return -errno.enoent();
            List<String> names = new ArrayList<>();
            if (f.node() == null && !f.entry().isSnapshot()) {
                if (f.entry().isLink()) return -errno.enotdir();
                names.addAll(f.entry().names.keySet());
            } else {
                Id tree = f.node() == null ? f.snapshot().tree() : f.node().subtree();
                if (f.node() != null && f.node().type() != NodeType.DIR) return -errno.enotdir();
                names.addAll(listing(tree, f.snapshot(), path).shown());
            }
            filler.fill(".");
            filler.fill("..");
            for (String n : names) filler.fill(n);
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int open(String path, FileInfo fi) {
        return guarded(path, () -> {
            Set<StandardOpenOption> flags = fi.getOpenFlags();
            if (flags.contains(StandardOpenOption.WRITE) || flags.contains(StandardOpenOption.APPEND)
                    || flags.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                return -errno.erofs();
            }
            Found f = resolve(path);
            if (f == null) return -errno.enoent();
            if (f.node() == null || f.node().type() == NodeType.DIR) return -errno.eisdir();
            Node n = f.node();
            List<Id> content = n.type() == NodeType.FILE && n.content() != null ? n.content() : List.of();
            Id[] ids = content.toArray(Id[]::new);
            long[] starts = new long[ids.length];
            long at = 0;
            for (int i = 0; i < ids.length; i++) {
                PackedBlob pb = repo.findBlob(BlobType.DATA, ids[i]).orElse(null);
                if (pb == null) {
                    report("cannot open " + path + ": its " + repo.notFound(BlobType.DATA, ids[i]).getMessage());
                    return -errno.eio();
                }
                starts[i] = at;
                at += pb.plainLength();
            }
            long h = nextHandle.getAndIncrement();
            open.put(h, new OpenFile(n, ids, starts, at));
            fi.setFh(h);
            return 0;
        });
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return guarded(path, () -> {
            OpenFile f = open.get(fi.getFh());
            if (f == null) return -errno.ebadf();
            // the stored size is what the file shows: content past it is not read, content short of it ends early
            long stored = f.node().size() < 0 ? Long.MAX_VALUE : f.node().size(); // uint64 above 2^63-1
            long end = Math.min(Math.min(stored, f.length()), offset + Math.min(size, buf.remaining()));
            if (offset < 0 || offset >= end) return 0;
            int i = blobAt(f.starts(), offset);
            long pos = offset;
            int done = 0;
            while (pos < end && i < f.blobs().length) {
                byte[] b;
                try {
                    b = blobs.get(f.blobs()[i]);
                } catch (IOException e) {
                    report("cannot read " + path + ": " + e.getMessage());
                    return done > 0 ? done : -errno.eio();
                }
                int from = (int) (pos - f.starts()[i]);
                int n = (int) Math.min(b.length - from, end - pos);
                if (n <= 0) break;
                buf.put(b, from, n);
                pos += n;
                done += n;
                i++;
            }
            return done;
        });
    }

    @Override
    public int release(String path, FileInfo fi) {
        open.remove(fi.getFh());
        return 0;
    }

    // ---- every change is refused ----

    @Override
    public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int mkdir(String path, int mode) {
        return -errno.erofs();
    }

    @Override
    public int unlink(String path) {
        return -errno.erofs();
    }

    @Override
    public int rmdir(String path) {
        return -errno.erofs();
    }

    @Override
    public int rename(String oldpath, String newpath, int flags) {
        return -errno.erofs();
    }

    @Override
    public int symlink(String linkname, String target) {
        return -errno.erofs();
    }

    @Override
    public int chmod(String path, int mode, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int chown(String path, int uid, int gid, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int setxattr(String path, String name, ByteBuffer value, int flags) {
        return -errno.erofs();
    }

    @Override
    public int removexattr(String path, String name) {
        return -errno.erofs();
    }

    // ---- resolution ----

    /** Whether {@code path} names something (for tests of the lookup cost). */
    boolean exists(String path) throws IOException {
        return resolve(path) != null;
    }

    /** How many folders lookups have searched so far (for tests of the lookup cost). */
    long folderSearches() {
        return folderSearches.get();
    }

    /** What {@code path} ("/", "/snapshots/…") names, or null when nothing. */
    private Found resolve(String path) throws IOException {
        String p = path.equals("/") ? "" : path;
        SnapshotDirs.Entry e = dirs.get(p);
        if (e != null) return new Found(e, e.snapshot, null);
        Inside in = inside(p);
        return in == null ? null : new Found(null, in.snapshot(), in.node());
    }

    /**
     * The node {@code p} names inside a snapshot's trees, or null. It starts from the nearest ancestor
     * already resolved (the kernel looks up a path's folders before the path), so a lookup costs one
     * folder, not one per level: walking down from the snapshot each time made a path of depth d cost
     * d folders and listing a deep hostile tree quadratic (restic's mount, by inode, is linear).
     */
    private Inside inside(String p) throws IOException {
        Inside known = cached(p);
        if (known != null) return known;
        // up: the ends of the names not yet resolved, deepest first, until a resolved ancestor or the
        // snapshot folder (at most TreeRules.MAX_DEPTH names below it; a path is at most PATH_MAX bytes)
        List<Integer> ends = new ArrayList<>();
        int end = p.length();
        Snapshot sn;
        Node at;
        int depth;
        while (true) {
            if (ends.size() > TreeRules.MAX_DEPTH) return null;
            ends.add(end);
            int slash = p.lastIndexOf('/', end - 1);
            if (slash <= 0) return null;
            String prefix = p.substring(0, slash);
            known = cached(prefix);
            if (known != null) {
                sn = known.snapshot();
                at = known.node();
                depth = known.depth();
                break;
            }
            SnapshotDirs.Entry top = dirs.get(prefix);
            if (top != null) {
                if (!top.isSnapshot()) return null;
                sn = top.snapshot;
                at = null;
                depth = 0;
                break;
            }
            end = slash;
        }
        // down: one folder per name
        Inside found = null;
        for (int k = ends.size() - 1; k >= 0; k--) {
            int e = ends.get(k);
            int from = p.lastIndexOf('/', e - 1);
            Id tree;
            if (at == null) {
                tree = sn.tree();
            } else if (at.type() == NodeType.DIR && at.subtree() != null) {
                tree = at.subtree();
            } else {
                return null;
            }
            if (++depth > TreeRules.MAX_DEPTH) return null;
            folderSearches.incrementAndGet();
            at = listing(tree, sn, p.substring(0, from)).byName().get(p.substring(from + 1, e));
            if (at == null) return null;
            found = new Inside(sn, at, depth);
            remember(p.substring(0, e), found);
        }
        return found;
    }

    private Inside cached(String path) {
        synchronized (resolved) {
            return resolved.get(path);
        }
    }

    private void remember(String path, Inside in) {
        synchronized (resolved) {
            resolved.put(path, in);
            if (resolved.size() > RESOLVED_MAX) {
                var it = resolved.entrySet().iterator();
                it.next();
                it.remove();
            }
        }
    }

    /** The folder of tree {@code id}, decoded once and cached; unsafe and repeated names left out (and reported). */
    private Listing listing(Id id, Snapshot sn, String shownPath) throws IOException {
        if (id == null) {
            // a folder entry without a subtree: damage (restic shows it empty too), said once
            report("folder " + shownPath + " (snapshot " + sn.id().shortHex() + ") names no tree: shown empty");
            return new Listing(List.of(), Map.of(), 0);
        }
        synchronized (listings) {
            Listing l = listings.get(id);
            if (l != null) return l;
        }
        Tree tree;
        long weight;
        try {
            byte[] json = trees.load(id);
            weight = json.length + 64;
            tree = TreeCodec.decode(id, json);
        } catch (IOException e) {
            report("cannot list " + shownPath + " (snapshot " + sn.id().shortHex() + "): " + e.getMessage());
            throw e;
        }
        List<String> shown = new ArrayList<>(tree.nodes().size());
        Map<String, Node> byName = new HashMap<>();
        for (Node n : tree.nodes()) {
            String problem = TreeRules.nameProblem(n.name());
            String name = n.name().replace(RawNames.REPLACED_BYTE, '\uFFFD'); // what restic restores for it
            if (problem == null && hasRawBytes(name)) {
                // FUSE's interface here passes names as UTF-8 text: such a name would arrive mangled
                problem = "name " + TreeRules.quote(name) + " is not UTF-8, which the mount cannot show (restore it instead)";
            }
            if (problem == null && byName.containsKey(name)) {
                problem = "name " + TreeRules.quote(name) + " appears more than once";
            }
            if (problem != null) {
                report("hidden in " + shownPath + " (snapshot " + sn.id().shortHex() + ", tree " + id.shortHex() + "): "
                        + problem);
                continue;
            }
            shown.add(name);
            byName.put(name, n);
        }
        Listing l = new Listing(List.copyOf(shown), byName, weight);
        synchronized (listings) {
            if (listings.put(id, l) == null) listingBytes += weight;
            var it = listings.entrySet().iterator();
            while (listingBytes > DIR_CACHE_BUDGET && listings.size() > 1) {
                var e = it.next();
                if (e.getKey().equals(id)) continue;
                listingBytes -= e.getValue().weight();
                it.remove();
            }
        }
        return l;
    }

    private static boolean hasRawBytes(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (RawNames.isEscapedByte(name.charAt(i))) return true;
        }
        return false;
    }

    /** The index of the blob holding byte {@code offset}: the last start at or before it. */
    private static int blobAt(long[] starts, long offset) {
        int lo = 0;
        int hi = starts.length - 1;
        int best = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= offset) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    // ---- attributes ----

    private void fill(Found f, Stat st) {
        if (f.node() != null) {
            fillNode(f.node(), st);
            return;
        }
        SnapshotDirs.Entry e = f.entry();
        st.setUid(options.ownerRoot() ? 0 : options.uid());
        st.setGid(options.ownerRoot() ? 0 : options.gid());
        Instant t = e.snapshot != null ? e.snapshot.time().toInstant() : mounted;
        st.mTime().set(t);
        st.aTime().set(t);
        st.cTime().set(t);
        if (e.isLink()) {
            st.setMode(S_IFLNK | 0777);
            st.setNLink((short) 1);
            st.setSize(RawNames.encode(e.linkTarget).length);
        } else {
            st.setMode(S_IFDIR | 0555);
            st.setNLink((short) 2);
            st.setSize(0);
        }
    }

    private void fillNode(Node n, Stat st) {
        int perm = GoFileMode.toPosixPermissions(n.mode());
        long size = 0;
        int type = switch (n.type()) {
            case DIR -> S_IFDIR;
            case SYMLINK -> S_IFLNK;
            case FIFO -> S_IFIFO;
            case SOCKET -> S_IFSOCK;
            case DEV -> S_IFBLK;
            case CHARDEV -> S_IFCHR;
            case FILE -> S_IFREG;
            // a type this version does not know (or a Windows reparse point): an empty file, as
            // nothing of it can be read; its folder lists it like any entry
            case IRREGULAR, UNKNOWN -> S_IFREG;
        };
        // a stored size of 2^63 or more (restic's JSON holds uint64) is shown as the largest st_size
        if (n.type() == NodeType.FILE) size = n.size() < 0 ? Long.MAX_VALUE : n.size();
        if (n.type() == NodeType.SYMLINK) {
            perm = 0777;
            size = n.linkTarget() == null ? 0 : RawNames.encode(n.linkTarget()).length;
        }
        st.setMode(type | perm);
        st.setSize(Math.max(0, size));
        if (type == S_IFREG) StatBlocks.set(st, size); // du counts blocks, not sizes
        st.setNLink((short) (n.type() == NodeType.DIR ? 2 : Math.clamp(n.links(), 1, Short.MAX_VALUE)));
        st.setUid(options.ownerRoot() ? 0 : (int) n.uid());
        st.setGid(options.ownerRoot() ? 0 : (int) n.gid());
        setTime(st.mTime(), n.mtime());
        setTime(st.aTime(), n.atime() != null ? n.atime() : n.mtime());
        setTime(st.cTime(), n.ctime() != null ? n.ctime() : n.mtime());
    }

    private static void setTime(TimeSpec ts, OffsetDateTime t) {
        ts.set(t == null ? Instant.EPOCH : t.toInstant());
    }

    /** A FUSE callback's work: a negative errno or what the call returns. */
    private interface Callback {
        int run() throws IOException;
    }

    /**
     * Runs one callback so that nothing unwinds into the native FUSE loop: an I/O failure (already
     * reported where it was met) answers EIO, anything else is reported with the path, then EIO.
     */
    private int guarded(String path, Callback body) {
        try {
            return body.run();
        } catch (IOException e) {
            return -errno.eio();
        } catch (RuntimeException | Error e) {
            report("mount: " + path + ": " + e);
            return -errno.eio();
        }
    }

    /** One sentence per distinct problem (a directory listed again does not repeat it). */
    private void report(String message) {
        if (warned.size() < 10_000 && warned.add(message)) warn.accept(message);
    }
}
