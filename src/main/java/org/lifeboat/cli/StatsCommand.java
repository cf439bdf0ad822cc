package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.TreeTotals;
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
                Map<Id, TreeTotals.Totals> memo = new HashMap<>();
                for (Snapshot s : chosen) {
                    blobs.add(s.tree());
                    try {
                        TreeTotals.Totals t = TreeTotals.totals(repo, s.tree(), memo, raw ? blobs : null,
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
}
