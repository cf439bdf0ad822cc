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
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ls}: the nodes of a snapshot, depth first. A folder whose tree breaks {@link
 * org.lifeboat.repository.tree.TreeRules} (unsafe, duplicate or unsorted names) is reported once on
 * standard error, naming its path and problem, its content is not listed, and the command ends
 * with exit code 1. restic 0.14 lists such a folder's nodes as stored (duplicates twice); listing
 * is read-only, but Lifeboat shows what a restore or dump would produce from the snapshot (they
 * skip that folder), so a listing never shows one path as two files or a name that climbs out.
 * Output streams with memory bounded by the folder depth: a tree reusing one subtree at every
 * level lists for as long as its logical size needs, like restic, and Ctrl-C ends it; so does a
 * reader that goes away ({@code | head}): the command then stops with exit code 1. A PATH naming a
 * file (or any node that is not a folder) lists that one node, as restic does.
 */
@Command(name = "ls", description = "List files in a snapshot (below PATH if given).",
        footer = {"", "Examples:", "  lifeboat ls latest", "  lifeboat ls -l 1a2b3c4d /home/ann", "  lifeboat ls latest /etc --no-recursive"})
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "snapshot ID (or a unique prefix) or latest")
    String snapshot;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "folder (or file) inside the snapshot")
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
            String base = normalize(RawArgs.raw(path));
            // A path naming a file (or symlink, device…) lists that one node, as restic does.
            Node named = base.isEmpty() ? null : TreeWalker.find(repo, s.snapshot().tree(), base);
            boolean folder = named == null || (named.type() == NodeType.DIR && named.subtree() != null);
            Id root = named == null ? s.snapshot().tree() : folder ? named.subtree() : null;
            if (ctx.json()) {
                ObjectNode so = s.snapshot().toJsonNode(true);
                so.put("struct_type", "snapshot");
                Names.printJson(ctx.out, so);
            } else {
                if (!ctx.quiet()) {
                    Names.println(ctx.out, "snapshot " + s.snapshot().id().shortHex() + " of "
                            + s.snapshot().paths().stream().map(Names::display).toList() + " at "
                            + SnapshotsCommand.TIME.format(s.snapshot().time()) + ":");
                }
            }
            ctx.checkOutput();
            if (!folder) {
                print(ctx, base, named);
                return ExitCodes.OK;
            }
            long[] damaged = {0};
            TreeWalker.walk(repo, root, base, (p, shown, n) -> {
                print(ctx, p, n);
                return recursive;
            }, (shown, id, problems) -> {
                // once per folder met; its nodes are not listed (see the class comment)
                ctx.warn("not listed: the content of " + TreeWalker.damagedMessage(shown, problems));
                damaged[0]++;
            });
            // A listing with holes must not pass for a complete one.
            if (damaged[0] > 0) return ExitCodes.FATAL;
        }
        return ExitCodes.OK;
    }

    /** {@code p} is the raw path: JSON escapes it as Go does, text quotes it when it is not printable. */
    private void print(Context ctx, String p, Node n) {
        if (ctx.json()) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("name", n.name()).put("type", n.type().jsonName()).put("path", p).put("uid", n.uid()).put("gid", n.gid());
            if (n.type() == NodeType.FILE) o.put("size", n.size());
            o.put("mode", n.mode()).put("permissions", GoFileMode.format(n.mode()));
            if (n.mtime() != null) o.put("mtime", Times.format(n.mtime()));
            if (n.atime() != null) o.put("atime", Times.format(n.atime()));
            if (n.ctime() != null) o.put("ctime", Times.format(n.ctime()));
            o.put("struct_type", "node");
            Names.printJson(ctx.out, o);
        } else if (longFormat) {
            Names.println(ctx.out, String.format(java.util.Locale.ROOT, "%s %5s %5s %12d %s %s%s",
                    GoFileMode.format(n.mode()),
                    Names.display(n.user() != null ? n.user() : String.valueOf(n.uid())),
                    Names.display(n.group() != null ? n.group() : String.valueOf(n.gid())), n.size(),
                    n.mtime() == null ? "" : SnapshotsCommand.TIME.format(n.mtime()), Names.display(p),
                    n.linkTarget() != null ? " -> " + Names.display(n.linkTarget()) : ""));
        } else {
            Names.println(ctx.out, Names.display(p));
        }
        // once per entry: a reader that has gone (| head) ends the listing
        ctx.checkOutput();
    }

    /** "" for the root, else "/a/b": no empty or "." components, no trailing slash. */
    static String normalize(String path) {
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            sb.append('/').append(part);
        }
        return sb.toString();
    }
}
