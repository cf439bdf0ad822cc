package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.NodeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "stats", description = "Show sizes: restore-size (what a restore writes) or raw-data (what is stored).")
final class StatsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "SNAPSHOT", arity = "0..*")
    List<String> ids = new ArrayList<>();

    @Option(names = "--mode", defaultValue = "restore-size", paramLabel = "restore-size|raw-data")
    String mode;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (!mode.equals("restore-size") && !mode.equals("raw-data")) {
            throw new UserException("--mode must be restore-size or raw-data, not '" + mode + "'");
        }
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            List<Snapshot> all = repo.listSnapshots(ctx::warn);
            List<Snapshot> chosen = new ArrayList<>();
            if (ids.isEmpty()) chosen.addAll(filter.filter().apply(all));
            else for (String id : ids) chosen.add(filter.filter().resolve(all, id));
            long[] files = new long[1];
            long[] size = new long[1];
            Set<Id> blobs = new HashSet<>();
            for (Snapshot s : chosen) {
                // Like restic: a hard-linked file's size counts once per snapshot.
                Set<String> inodes = new HashSet<>();
                blobs.add(s.tree());
                FindCommand.walk(repo, s, (p, shown, n) -> {
                    // restic counts every node, folders included.
                    files[0]++;
                    if (n.type() == NodeType.DIR) blobs.add(n.subtree());
                    if (n.type() == NodeType.FILE && (n.links() <= 1 || inodes.add(n.deviceId() + ":" + n.inode()))) {
                        size[0] += n.size();
                    }
                    if (n.content() != null) blobs.addAll(n.content());
                    return true;
                });
            }
            long rawSize = 0;
            long stored = 0;
            long count = 0;
            for (Id id : blobs) {
                PackedBlob pb = repo.index().lookup(BlobType.DATA, id);
                if (pb == null) pb = repo.index().lookup(BlobType.TREE, id);
                if (pb == null) continue;
                count++;
                rawSize += pb.plainLength();
                stored += pb.length();
            }
            var o = Json.MAPPER.createObjectNode().put("snapshots_count", chosen.size());
            if (mode.equals("restore-size")) {
                o.put("total_size", size[0]).put("total_file_count", files[0]);
            } else {
                o.put("total_size", stored).put("total_uncompressed_size", rawSize).put("total_blob_count", count);
                if (stored > 0) o.put("compression_ratio", (double) rawSize / stored);
            }
            if (ctx.json()) {
                ctx.printJson(o);
            } else {
                ctx.out.println("Stats in " + mode + " mode:");
                ctx.out.println("     Snapshots processed:  " + chosen.size());
                if (mode.equals("restore-size")) {
                    ctx.out.println("        Total File Count:  " + files[0]);
                    ctx.out.println("              Total Size:  " + ProgressLine.bytes(size[0]));
                } else {
                    ctx.out.println("        Total Blob Count:  " + count);
                    ctx.out.println("   Total Uncompressed Size:  " + ProgressLine.bytes(rawSize));
                    ctx.out.println("              Total Size:  " + ProgressLine.bytes(stored));
                }
            }
        }
        return ExitCodes.OK;
    }
}
