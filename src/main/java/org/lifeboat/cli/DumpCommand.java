package org.lifeboat.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "dump", description = "Write one file from a snapshot to standard output (a folder as a tar archive).")
final class DumpCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT")
    String snapshot;

    @Parameters(index = "1", paramLabel = "PATH")
    String path;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), snapshot);
            String p = "/" + RawArgs.raw(path).replaceAll("^/+|/+$", "");
            Node n = p.equals("/") ? null : TreeWalker.find(repo, s.snapshot().tree(), p);
            OutputStream out = new BufferedOutputStream(System.out, 1 << 20);
            if (n != null && n.type() == NodeType.FILE) {
                writeContent(repo, n, out);
            } else if (n == null || n.type() == NodeType.DIR) {
                Id tree = n == null ? s.snapshot().tree() : n.subtree();
                try (TarWriter tar = new TarWriter(out)) {
                    String base = n == null ? "" : n.name();
                    if (n != null) tar.entry(base, n, 0, null);
                    TreeWalker.walk(repo, tree, base, (q, node) -> {
                        // A hostile tree's name (.., a slash, NUL) never becomes a member name.
                        String problem = TreeRules.nameProblem(node.name());
                        if (problem != null) {
                            ctx.warn("not dumped: " + Names.display(q) + ": " + problem + " in the snapshot's tree");
                            return false;
                        }
                        boolean written = tar.entry(q, node, node.type() == NodeType.FILE ? node.size() : 0,
                                node.type() == NodeType.FILE ? o -> writeContent(repo, node, o) : null);
                        if (!written) {
                            ctx.warn("not dumped: " + Names.display(q) + ": not a safe name for a tar member");
                            return false;
                        }
                        return true;
                    });
                }
            } else {
                throw new UserException(p + " is a " + n.type() + ", not a file or folder");
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    static void writeContent(Repository repo, Node n, OutputStream out) throws IOException {
        if (n.content() == null) return;
        for (Id id : n.content()) out.write(repo.loadBlob(BlobType.DATA, id));
    }
}
