package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code stats}: restore-size (every node counted, files' sizes, a hard-linked inode once per
 * snapshot, as restic) or raw-data (the unique blobs the snapshots reference). Both sum each tree
 * once per tree ID, so a tree that reuses one subtree at every level finishes at once with its
 * (huge) logical totals. A folder whose tree breaks TreeRules is reported once and counted as
 * empty, and the command ends with exit code 1 (its totals are incomplete).
 */
@Command(name = "stats", description = "Show sizes: restore-size (what a restore writes), files-by-contents, blobs-per-file or raw-data (what is stored).",
        footer = {"", "Examples:", "  lifeboat stats", "  lifeboat stats latest", "  lifeboat stats --mode raw-data", "  lifeboat stats --mode files-by-contents"})
final class StatsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "SNAPSHOT", arity = "0..*", description = "snapshots to count (default: all that match the filters)")
    List<String> ids = new ArrayList<>();

    @Option(names = "--mode", defaultValue = "restore-size", paramLabel = "restore-size|files-by-contents|blobs-per-file|raw-data",
            description = "restore-size (default): what a restore writes; files-by-contents, blobs-per-file (restic's); raw-data: what the repository stores for them")
    String mode;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (!List.of("restore-size", "files-by-contents", "blobs-per-file", "raw-data").contains(mode)) {
            throw new UserException("--mode must be restore-size, files-by-contents, blobs-per-file or raw-data, not '" + mode + "'");
        }
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            List<Snapshot> all = repo.listSnapshots(ctx::warn);
            List<Snapshot> chosen = new ArrayList<>();
            if (ids.isEmpty()) chosen.addAll(filter.filter().apply(all));
            else for (String id : ids) chosen.add(filter.filter().resolve(all, id));
            long files = 0;
            long size = 0;
            long count = 0;
            long uncompressed = 0;
            var o = Json.MAPPER.createObjectNode();
            boolean raw = mode.equals("raw-data");
            if (mode.equals("files-by-contents") || mode.equals("blobs-per-file")) {
                long[] t = byContents(ctx, repo, chosen, mode.equals("blobs-per-file"));
                files = t[0];
                size = t[1];
                count = t[2];
                o.put("total_size", size);
            } else {
                Set<Id> blobs = new HashSet<>();
                // Totals per tree ID, shared by all snapshots: a tree's totals do not depend on where it is.
                Map<Id, Totals> memo = new HashMap<>();
                for (Snapshot s : chosen) {
                    blobs.add(s.tree());
                    try {
                        Totals t = totals(repo, s.tree(), memo, raw ? blobs : null,
                                (shown, id, problems) -> {
                                    ctx.warn("snapshot " + s.id().shortHex() + ": not counted: the content of "
                                            + TreeWalker.damagedMessage(shown, problems));
                                    damaged++;
                                });
                        // raw-data counts unique blobs only: the restore-size sums are not used, so
                        // a bomb whose logical size overflows a long is no reason to refuse it
                        if (!raw) {
                            files = Math.addExact(files, t.nodes());
                            size = Math.addExact(size, t.restoreSize());
                        }
                    } catch (ArithmeticException e) {
                        throw new RepositoryException("snapshot " + s.id().shortHex() + ": the totals exceed "
                                + Long.MAX_VALUE + " (its trees reuse one folder at many levels)");
                    } catch (RepositoryException e) {
                        throw new RepositoryException("snapshot " + s.id().shortHex() + ": " + e.getMessage(), e);
                    }
                }
                if (raw) {
                    // restic's raw-data numbers: stored (encrypted) sizes; "uncompressed" is what they
                    // would be stored as without compression (repository version 2 only)
                    Repository.StoredSizes stored = repo.storedSizes(blobs);
                    count = stored.blobs();
                    size = stored.storedBytes();
                    uncompressed = stored.uncompressedBytes();
                    long compressedSize = stored.compressedStoredBytes();
                    long compressedUncompressed = stored.compressedUncompressedBytes();
                    o.put("total_size", size);
                    if (uncompressed > 0) o.put("total_uncompressed_size", uncompressed);
                    if (compressedSize > 0) o.put("compression_ratio", (double) compressedUncompressed / compressedSize);
                    if (uncompressed > 0) {
                        double progress = (double) compressedUncompressed / uncompressed * 100;
                        double saving = (1 - (double) size / uncompressed) * 100;
                        if (progress != 0) o.put("compression_progress", progress);
                        if (saving != 0) o.put("compression_space_saving", saving);
                    }
                } else {
                    o.put("total_size", size);
                }
            }
            // restic's JSON: zero counts are left out (omitempty)
            if (files > 0) o.put("total_file_count", files);
            if (count > 0) o.put("total_blob_count", count);
            o.put("snapshots_count", chosen.size());
            if (ctx.json()) {
                ctx.printJson(o);
            } else {
                ctx.out.println("Stats in " + mode + " mode:");
                ctx.out.println("     Snapshots processed:  " + chosen.size());
                if (count > 0) ctx.out.println("        Total Blob Count:  " + count);
                // restic leaves a zero count out; restore-size always says it (a damaged snapshot may count 0)
                if (files > 0 || mode.equals("restore-size")) ctx.out.println("        Total File Count:  " + files);
                if (uncompressed > 0) ctx.out.println(" Total Uncompressed Size:  " + ProgressLine.bytes(uncompressed));
                ctx.out.println("              Total Size:  " + ProgressLine.bytes(size));
                if (o.has("compression_progress")) {
                    ctx.out.println(String.format(java.util.Locale.ROOT, "    Compression Progress:  %.2f%%", o.get("compression_progress").asDouble()));
                }
                if (o.has("compression_ratio")) {
                    ctx.out.println(String.format(java.util.Locale.ROOT, "       Compression Ratio:  %.2fx", o.get("compression_ratio").asDouble()));
                }
                if (o.has("compression_space_saving")) {
                    ctx.out.println(String.format(java.util.Locale.ROOT, "Compression Space Saving:  %.2f%%", o.get("compression_space_saving").asDouble()));
                }
            }
        }
        // Totals that leave folders out must not pass for complete ones.
        return damaged == 0 ? ExitCodes.OK : ExitCodes.FATAL;
    }

    /**
     * restic's files-by-contents and blobs-per-file counts: every node (folders too, as restic)
     * counts once per distinct content (the sequence of its blob IDs); in blobs-per-file mode a
     * node with new content adds each of its blobs not yet counted for its path (plaintext size).
     * A tree met a second time adds nothing (all its contents were seen), so each distinct tree is
     * read once: a tree reusing one subtree at every level costs its distinct trees.
     *
     * @return {files, bytes, blob references}
     */
    private long[] byContents(Context ctx, Repository repo, List<Snapshot> chosen, boolean perFile) throws IOException {
        Set<Id> seenTrees = new HashSet<>();
        Set<Id> contents = new HashSet<>();
        Map<String, Set<Id>> fileBlobs = new HashMap<>();
        long[] t = new long[3];
        for (Snapshot s : chosen) {
            if (!seenTrees.add(s.tree())) continue;
            try {
                TreeWalker.walk(repo, s.tree(), "", (path, shown, n) -> {
                    var sha = Id.sha256();
                    if (n.content() != null) for (Id b : n.content()) sha.update(b.bytes());
                    if (contents.add(Id.of(sha.digest()))) {
                        if (!perFile) {
                            t[0]++;
                            t[1] = Math.addExact(t[1], n.size());
                        } else if (n.content() != null) {
                            for (Id b : n.content()) {
                                Set<Id> seen = fileBlobs.computeIfAbsent(path, x -> {
                                    t[0]++;
                                    return new HashSet<>();
                                });
                                if (seen.add(b)) {
                                    PackedBlob pb = repo.findBlob(BlobType.DATA, b).orElse(null);
                                    if (pb == null) {
                                        throw new RepositoryException("data blob " + b.shortHex() + " of file " + shown
                                                + " is not in the index");
                                    }
                                    t[1] = Math.addExact(t[1], pb.plainLength());
                                    t[2]++;
                                }
                            }
                        }
                    }
                    return n.type() == NodeType.DIR && n.subtree() != null && seenTrees.add(n.subtree());
                }, (shown, id, problems) -> {
                    ctx.warn("snapshot " + s.id().shortHex() + ": not counted: the content of "
                            + TreeWalker.damagedMessage(shown, problems));
                    damaged++;
                });
            } catch (ArithmeticException e) {
                throw new RepositoryException("snapshot " + s.id().shortHex() + ": the totals exceed " + Long.MAX_VALUE);
            } catch (RepositoryException e) {
                throw new RepositoryException("snapshot " + s.id().shortHex() + ": " + e.getMessage(), e);
            }
        }
        return t;
    }

    private long damaged;

    /**
     * What one tree holds below it, as restic's restore-size mode counts it: {@code nodes} (every
     * node, folders included), {@code size} (bytes of files that are not hard links),
     * {@code inodes} (hard-linked files' sizes by device and inode, first name seen first: a hard
     * link's size counts once per snapshot) and {@code height} (folders below, for the depth limit).
     */
    record Totals(long nodes, long size, Map<String, Long> inodes, int height) {
        static final Totals EMPTY = new Totals(0, 0, Map.of(), 0);

        /** Bytes a restore writes: plain files plus each hard-linked inode once. */
        long restoreSize() {
            long t = size;
            for (long v : inodes.values()) t = Math.addExact(t, v);
            return t;
        }
    }

    /** A tree whose totals are being summed: its nodes, the next one, and the sums so far. */
    private static final class Frame {
        final Id id;
        final List<Node> nodes;
        final String shown;
        final int depth;
        int next;
        long count;
        long size;
        Map<String, Long> inodes = Map.of();
        int height;

        /** false in raw-data mode: sums then saturate at Long.MAX_VALUE (they are not printed) */
        final boolean exact;

        Frame(Id id, List<Node> nodes, String shown, int depth, boolean exact) {
            this.exact = exact;
            this.id = id;
            this.nodes = nodes;
            this.shown = shown;
            this.depth = depth;
        }

        long sum(long a, long b) {
            if (exact) return Math.addExact(a, b);
            long r = a + b;
            return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
        }

        void add(Totals t) {
            count = sum(count, t.nodes());
            size = sum(size, t.size());
            height = Math.max(height, t.height() + 1);
            if (!t.inodes().isEmpty()) {
                if (inodes.isEmpty()) inodes = new LinkedHashMap<>();
                t.inodes().forEach(inodes::putIfAbsent);
            }
        }
    }

    /**
     * Sums a tree once per tree ID ({@code memo}), so a tree that reuses one subtree at every level
     * (2^60 paths from a few KB) takes time and memory proportional to its distinct trees, not to
     * its paths. A tree breaking {@link TreeRules} is given to {@code damaged} once (at the first
     * path it is met) and counts as empty. When {@code blobs} is not null, the IDs of the data
     * blobs and trees met are added to it (raw-data mode), and the sums, which that mode does not
     * use, saturate at {@link Long#MAX_VALUE} instead of failing.
     *
     * @throws TreeWalker.TooDeepException for folders nested deeper than {@link TreeRules#MAX_DEPTH}
     * @throws ArithmeticException when a total exceeds {@link Long#MAX_VALUE} (restore-size mode)
     * @throws IOException when a tree cannot be read (RepositoryException naming the folder)
     */
    static Totals totals(Repository repo, Id root, Map<Id, Totals> memo, Set<Id> blobs, TreeWalker.Damaged damaged)
            throws IOException {
        Totals known = memo.get(root);
        if (known != null) return known;
        Deque<Frame> stack = new ArrayDeque<>();
        List<Node> first = checked(repo, root, "", memo, damaged);
        if (first == null) return Totals.EMPTY;
        stack.push(new Frame(root, first, "", 0, blobs == null));
        while (true) {
            Frame f = stack.peek();
            if (f.next >= f.nodes.size()) {
                stack.pop();
                Totals t = new Totals(f.count, f.size, f.inodes, f.height);
                memo.put(f.id, t);
                if (stack.isEmpty()) return t;
                stack.peek().add(t);
                continue;
            }
            Node n = f.nodes.get(f.next++);
            f.count = f.sum(f.count, 1);
            if (blobs != null && n.content() != null) blobs.addAll(n.content());
            if (n.type() == NodeType.FILE) {
                if (n.links() <= 1) f.size = f.sum(f.size, n.size());
                else {
                    if (f.inodes.isEmpty()) f.inodes = new LinkedHashMap<>();
                    f.inodes.putIfAbsent(n.deviceId() + ":" + n.inode(), n.size());
                }
            }
            if (n.type() != NodeType.DIR || n.subtree() == null) continue;
            String shown = f.shown + "/" + TreeWalker.shownName(n.name());
            int depth = f.depth + 1;
            if (depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(shown, depth);
            Totals sub = memo.get(n.subtree());
            if (sub != null) {
                if (depth + sub.height() > TreeRules.MAX_DEPTH) {
                    throw new TreeWalker.TooDeepException(shown + "/…", depth + sub.height());
                }
                f.add(sub);
                continue;
            }
            if (Thread.interrupted()) throw new java.io.InterruptedIOException("interrupted while reading " + shown);
            if (blobs != null) blobs.add(n.subtree());
            List<Node> nodes = checked(repo, n.subtree(), shown, memo, damaged);
            if (nodes == null) {
                f.add(Totals.EMPTY);
                continue;
            }
            stack.push(new Frame(n.subtree(), nodes, shown, depth, blobs == null));
        }
    }

    /** A tree's nodes, or null when it breaks {@link TreeRules} (then reported and remembered as empty). */
    private static List<Node> checked(Repository repo, Id id, String shown, Map<Id, Totals> memo, TreeWalker.Damaged damaged)
            throws IOException {
        List<Node> nodes;
        try {
            nodes = TreeWalker.load(repo, id);
        } catch (RepositoryException e) {
            throw e;
        } catch (IOException e) {
            throw new RepositoryException("tree " + id.shortHex() + " of folder " + (shown.isEmpty() ? "/" : shown)
                    + " is damaged: " + e.getMessage(), e);
        }
        List<String> problems = TreeRules.problems(new Tree(nodes));
        if (problems.isEmpty()) return nodes;
        damaged.damaged(shown.isEmpty() ? "/" : shown, id, problems);
        memo.put(id, Totals.EMPTY);
        return null;
    }
}
