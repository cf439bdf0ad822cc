package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Times;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", description = "List files in a snapshot (below PATH if given).")
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT")
    String snapshot;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "folder inside the snapshot")
    String path = "/";

    @Option(names = {"-l", "--long"}, description = "long listing: mode, owner, size, time")
    boolean longFormat;

    @Option(names = "--recursive", negatable = true, defaultValue = "true", description = "descend into folders (default)")
    boolean recursive;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), snapshot);
            String base = path.equals("/") ? "" : "/" + path.replaceAll("^/+|/+$", "");
            Id root = TreeWalker.subtree(repo, s.snapshot().tree(), base);
            if (ctx.json()) {
                ObjectNode so = s.snapshot().toJsonNode(true);
                so.put("struct_type", "snapshot");
                ctx.printJson(so);
            } else {
                ctx.info("snapshot " + s.snapshot().id().shortHex() + " of " + s.snapshot().paths() + " at "
                        + SnapshotsCommand.TIME.format(s.snapshot().time()) + ":");
            }
            TreeWalker.walk(repo, root, base, (p, shown, n) -> {
                print(ctx, p, shown, n);
                return recursive;
            });
        }
        return ExitCodes.OK;
    }

    /** {@code p} is the raw path (for JSON, which escapes it), {@code shown} the printable one. */
    private void print(Context ctx, String p, String shown, Node n) {
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("name", n.name()).put("type", n.type().jsonName()).put("path", p).put("uid", n.uid()).put("gid", n.gid());
            if (n.type() == org.lifeboat.repository.tree.NodeType.FILE) o.put("size", n.size());
            o.put("mode", n.mode()).put("permissions", GoFileMode.format(n.mode()));
            if (n.mtime() != null) o.put("mtime", Times.format(n.mtime()));
            if (n.atime() != null) o.put("atime", Times.format(n.atime()));
            if (n.ctime() != null) o.put("ctime", Times.format(n.ctime()));
            o.put("struct_type", "node");
            ctx.printJson(o);
        } else if (longFormat) {
            ctx.out.printf("%s %5s %5s %12d %s %s%s%n", GoFileMode.format(n.mode()),
                    n.user() != null ? printable(n.user()) : String.valueOf(n.uid()),
                    n.group() != null ? printable(n.group()) : String.valueOf(n.gid()), n.size(),
                    n.mtime() == null ? "" : SnapshotsCommand.TIME.format(n.mtime()), shown,
                    n.linkTarget() != null ? " -> " + printable(n.linkTarget()) : "");
        } else {
            ctx.out.println(shown);
        }
    }

    /** Text from a tree (link target, owner) as it may be printed: control characters escaped. */
    static String printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) return org.lifeboat.repository.tree.TreeRules.quote(s);
        }
        return s;
    }
}
