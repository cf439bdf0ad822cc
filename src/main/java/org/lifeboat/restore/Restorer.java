package org.lifeboat.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * Restores a tree from a snapshot into a folder: folders first, then file contents by a pool of
 * workers (large files in parallel ranges, all-zero blobs left as holes), then hard links, then
 * metadata of folders deepest first (writing into a folder changes its mtime).
 */
public final class Restorer {
    /** Files with more blobs than this are written by several workers in parallel ranges. */
    private static final int RANGE_BLOBS = 16;

    private final Repository repo;
    private final RestoreOptions opts;
    private final PathPatterns includes;
    private final PathPatterns excludes;
    private final boolean asRoot;
    private final UserGroupNames names = UserGroupNames.system();

    private final List<FileJob> files = new ArrayList<>();
    private final List<Map.Entry<Path, Node>> dirs = new ArrayList<>();
    private final List<Map.Entry<Path, Path>> links = new ArrayList<>();
    private final Map<String, Path> firstByInode = new HashMap<>();
    private final List<String> damaged = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder bytes = new LongAdder();
    private long skipped;
    public final LongAdder bytesDone = new LongAdder();
    public final LongAdder filesDone = new LongAdder();
    public volatile long totalBytes;
    public volatile long totalFiles;
    /** When the first file data was written (null until then): a drill's time to first byte. */
    public volatile java.time.Instant firstByte;

    private record FileJob(Path path, Node node, String snPath) {}

    public Restorer(Repository repo, RestoreOptions opts) {
        this.repo = repo;
        this.opts = opts;
        this.includes = new PathPatterns(opts.includes());
        this.excludes = new PathPatterns(opts.excludes());
        this.asRoot = isRoot();
    }

    private static boolean isRoot() {
        return Posix.processUid() == 0;
    }

    /** Restores the tree {@code root}; {@code prefix} is its path inside the snapshot ("" for the root). */
    public RestoreResult run(Id root, String prefix) throws IOException {
        Path target = opts.target().toAbsolutePath().normalize();
        Files.createDirectories(target);
        walk(root, target, prefix, includes.isEmpty());
        for (FileJob j : files) totalBytes += j.node().size();
        totalFiles = files.size();
        writeFiles();
        for (Map.Entry<Path, Path> l : links) {
            try {
                Files.deleteIfExists(l.getKey());
                Files.createLink(l.getKey(), l.getValue());
            } catch (IOException e) {
                warnings.add(l.getKey() + ": cannot create hard link: " + e.getMessage());
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            warnings.addAll(MetadataRestorer.apply(dirs.get(i).getKey(), dirs.get(i).getValue(), asRoot, names));
        }
        List<String> verifyFailures = opts.verify() ? verify() : List.of();
        return new RestoreResult(files.size(), dirs.size(), bytes.sum(), skipped, List.copyOf(damaged),
                verifyFailures, List.copyOf(warnings));
    }

    private void walk(Id treeId, Path dir, String snDir, boolean parentIncluded) throws IOException {
        List<Node> nodes;
        try {
            nodes = TreeCodec.decode(repo.loadBlob(BlobType.TREE, treeId)).nodes();
        } catch (IOException e) {
            damaged.add((snDir.isEmpty() ? "/" : snDir) + " (folder: " + e.getMessage() + ")");
            return;
        }
        for (Node n : nodes) {
            if (n.name().contains("/") || n.name().equals("..") || n.name().equals(".") || n.name().isEmpty()) {
                warnings.add(snDir + "/" + n.name() + ": refusing unsafe name in snapshot");
                continue;
            }
            String sn = snDir + "/" + n.name();
            if (!excludes.isEmpty() && excludes.matches(sn)) continue;
            boolean included = parentIncluded || includes.matches(sn);
            Path dst = dir.resolve(n.name());
            if (n.type() == NodeType.DIR) {
                if (n.subtree() == null) {
                    damaged.add(sn + " (folder without subtree)");
                    continue;
                }
                if (included) {
                    mkdir(dst);
                    dirs.add(Map.entry(dst, n));
                }
                walk(n.subtree(), dst, sn, included);
                continue;
            }
            if (!included) continue;
            // A folder reached only through includes is created now, when something inside is restored.
            Files.createDirectories(dir);
            restoreEntry(n, dst, sn);
        }
    }

    private void mkdir(Path dst) throws IOException {
        if (Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
            if (opts.overwrite() == RestoreOptions.Overwrite.NEVER) return;
            Files.delete(dst);
        }
        Files.createDirectories(dst);
    }

    private void restoreEntry(Node n, Path dst, String sn) throws IOException {
        boolean exists = Files.exists(dst, LinkOption.NOFOLLOW_LINKS);
        switch (n.type()) {
            case FILE -> {
                if (n.links() > 1) {
                    String key = n.deviceId() + ":" + n.inode();
                    Path first = firstByInode.putIfAbsent(key, dst);
                    if (first != null) {
                        // Same rule as any file: --overwrite never/if-changed must not replace it.
                        if (exists && !shouldOverwrite(dst, n)) {
                            skipped++;
                            return;
                        }
                        links.add(Map.entry(dst, first));
                        return;
                    }
                }
                if (exists && !shouldOverwrite(dst, n)) {
                    skipped++;
                    return;
                }
                files.add(new FileJob(dst, n, sn));
            }
            case SYMLINK -> {
                if (n.linkTarget() == null) {
                    warnings.add(sn + ": symlink without a target in the snapshot; skipped");
                    return;
                }
                if (exists) {
                    if (opts.overwrite() == RestoreOptions.Overwrite.NEVER) return;
                    deleteEntry(dst);
                }
                Files.createSymbolicLink(dst, Path.of(n.linkTarget()));
                warnings.addAll(MetadataRestorer.apply(dst, n, asRoot, names));
            }
            case FIFO, DEV, CHARDEV -> {
                if (exists) {
                    if (opts.overwrite() == RestoreOptions.Overwrite.NEVER) return;
                    deleteEntry(dst);
                }
                int perm = (int) (GoFileMode.toPosix(n.mode()) & 07777);
                try {
                    if (n.type() == NodeType.FIFO) {
                        Posix.mkfifo(dst, perm);
                    } else if (asRoot) {
                        Posix.mknod(dst, (int) GoFileMode.toPosix(n.mode()), n.device());
                    } else {
                        warnings.add(sn + ": device nodes are restored only when running as root");
                        return;
                    }
                } catch (IOException e) {
                    warnings.add(sn + ": " + e.getMessage());
                    return;
                }
                warnings.addAll(MetadataRestorer.apply(dst, n, asRoot, names));
            }
            default -> warnings.add(sn + ": skipped entry of type " + n.type());
        }
    }

    private boolean shouldOverwrite(Path dst, Node n) throws IOException {
        return switch (opts.overwrite()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case IF_CHANGED -> {
                FileMeta m = Posix.lstat(dst);
                yield !(m.size() == n.size() && n.mtime() != null
                        && m.mtimeSec() == n.mtime().toEpochSecond() && m.mtimeNsec() == n.mtime().getNano());
            }
        };
    }

    private static void deleteEntry(Path p) throws IOException {
        try {
            Files.delete(p);
        } catch (DirectoryNotEmptyException e) {
            throw new IOException(p + " is a non-empty folder where the snapshot has a file");
        }
    }

    // ----------------------------------------------------------------------------- contents

    private void writeFiles() throws IOException {
        int threads = opts.threads() > 0 ? opts.threads() : Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "restore-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            // In the order their data lies in the packs: a cold restore then reads packs front to
            // back instead of jumping around.
            List<FileJob> ordered = new ArrayList<>(files);
            Map<FileJob, PackedBlob> first = new HashMap<>();
            for (FileJob j : ordered) {
                List<Id> c = j.node().content();
                if (c != null && !c.isEmpty()) {
                    PackedBlob pb = repo.index().lookup(BlobType.DATA, c.getFirst());
                    if (pb != null) first.put(j, pb);
                }
            }
            ordered.sort((a, b) -> {
                PackedBlob x = first.get(a);
                PackedBlob y = first.get(b);
                if (x == null || y == null) return x == null ? (y == null ? 0 : -1) : 1;
                int c = x.pack().compareTo(y.pack());
                return c != 0 ? c : Long.compare(x.offset(), y.offset());
            });
            List<Future<?>> futures = new ArrayList<>();
            for (FileJob j : ordered) {
                List<Id> content = j.node().content() == null ? List.of() : j.node().content();
                // Offsets come from the index, so ranges of one file can be written independently.
                long[] offsets = new long[content.size() + 1];
                boolean known = true;
                for (int i = 0; i < content.size(); i++) {
                    PackedBlob pb = repo.index().lookup(BlobType.DATA, content.get(i));
                    if (pb == null) {
                        known = false;
                        break;
                    }
                    offsets[i + 1] = offsets[i] + pb.plainLength();
                }
                if (!known) {
                    damaged.add(j.snPath() + " (a data blob is not in the index)");
                    futures.add(pool.submit(() -> writeWhole(j, content, null)));
                } else if (content.size() <= RANGE_BLOBS) {
                    futures.add(pool.submit(() -> writeWhole(j, content, offsets)));
                } else {
                    create(j.path()).close();
                    AtomicLong remaining = new AtomicLong((content.size() + RANGE_BLOBS - 1) / RANGE_BLOBS);
                    for (int from = 0; from < content.size(); from += RANGE_BLOBS) {
                        int f = from;
                        int to = Math.min(content.size(), from + RANGE_BLOBS);
                        futures.add(pool.submit(() -> {
                            try (FileChannel ch = FileChannel.open(j.path(), StandardOpenOption.WRITE)) {
                                writeRange(ch, j, content, offsets, f, to);
                                if (remaining.decrementAndGet() == 0) finish(ch, j, offsets[content.size()]);
                            }
                            return null;
                        }));
                    }
                }
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) throw io;
                    throw new IOException(c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("restore interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static FileChannel create(Path p) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) deleteEntry(p);
        return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** A file written by one task: created, filled and finished through one open channel. */
    private Object writeWhole(FileJob j, List<Id> content, long[] offsets) throws IOException {
        try (FileChannel ch = create(j.path())) {
            long end = writeRange(ch, j, content, offsets, 0, content.size());
            finish(ch, j, offsets == null ? end : offsets[content.size()]);
        }
        return null;
    }

    /** Writes blobs [from, to); returns the end position. Unreadable blobs leave a hole and are reported. */
    private long writeRange(FileChannel ch, FileJob j, List<Id> content, long[] offsets, int from, int to)
            throws IOException {
        long pos = offsets == null ? 0 : offsets[from];
        for (int i = from; i < to; i++) {
            byte[] data;
            try {
                data = repo.loadBlob(BlobType.DATA, content.get(i));
            } catch (IOException e) {
                damaged.add(j.snPath() + " (" + e.getMessage() + ")");
                if (offsets == null) return pos;
                pos = offsets[i + 1];
                continue;
            }
            if (!allZero(data)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                long p = pos;
                while (b.hasRemaining()) p += ch.write(b, p);
            }
            pos += data.length;
            if (firstByte == null) firstByte = java.time.Instant.now();
            bytes.add(data.length);
            bytesDone.add(data.length);
        }
        return pos;
    }

    private void finish(FileChannel ch, FileJob j, long size) throws IOException {
        // Extends the file over trailing holes left by all-zero blobs.
        if (ch.size() < size) ch.write(ByteBuffer.allocate(1), size - 1);
        warnings.addAll(MetadataRestorer.apply(j.path(), j.node(), asRoot, names));
        filesDone.increment();
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    // ----------------------------------------------------------------------------- verify

    /** Re-reads every restored file and compares each blob's hash with the snapshot. */
    private List<String> verify() throws IOException {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (FileJob j : files) {
                fs.add(pool.submit(() -> {
                    String err = verifyFile(j);
                    if (err != null) failures.add(j.snPath() + ": " + err);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException | InterruptedException e) {
                    throw new IOException("verification failed: " + e.getMessage(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(failures);
    }

    private String verifyFile(FileJob j) throws IOException {
        return Verifier.compare(repo, j.path(), j.node().content() == null ? List.of() : j.node().content());
    }
}
