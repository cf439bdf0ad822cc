package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Times;
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
 * reader that goes away ({@code | head}): the command then stops with exit code 1. Without PATH
 * the whole snapshot is listed; a PATH lists that node and, for a folder, its direct content
 * (--recursive: everything below), as restic 0.14+; a PATH the snapshot lacks lists nothing and
 * is no error (restic 0.15+). {@code -l} shows numeric uid/gid and the node's type letter.
 */
@Command(name = "ls", description = "List files in a snapshot: everything, or each PATH with its direct content (--recursive: all below).",
        footer = {"", "Examples:", "  lifeboat ls latest", "  lifeboat ls -l 1a2b3c4d /home/ann", "  lifeboat ls latest /etc --recursive"})
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "ID, latest, or ID:folder (paths are then inside that folder)")
    String snapshot;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "PATH", description = "folder (or file) inside the snapshot")
    List<String> paths = new ArrayList<>();

    @Option(names = {"-l", "--long"}, description = "long listing: mode, uid, gid, size, time")
    boolean longFormat;

    @Option(names = "--human-readable", description = "sizes in KiB, MiB… (with --long)")
    boolean human;

    @Option(names = "--recursive", description = "with PATH: also list what is in its sub-folders")
    boolean recursive;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), snapshot);
            Id top = s.root(repo);
            List<String> dirs = new ArrayList<>();
            for (String p : RawArgs.raw(paths)) dirs.add(normalize(p));
            if (ctx.json()) {
                // restic's ls --json snapshot message (message_type from 0.15 on, struct_type before)
                ObjectNode so = s.snapshot().toJsonNode(true);
                so.put("message_type", "snapshot").put("struct_type", "snapshot");
                Names.printJson(ctx.out, so);
            } else if (!ctx.quiet()) {
                Names.println(ctx.out, "snapshot " + s.snapshot().id().shortHex() + " of "
                        + s.snapshot().paths().stream().map(Names::display).toList()
                        + (dirs.isEmpty() ? "" : " filtered by " + dirs.stream().map(d -> Names.display(d.isEmpty() ? "/" : d)).toList())
                        + " at " + NodeFormat.local(s.snapshot().time()) + ":");
            }
            ctx.checkOutput();
            long[] damaged = {0};
            TreeWalker.Damaged onDamage = (shown, id, problems) -> {
                // once per folder met; its nodes are not listed (see the class comment)
                ctx.warn("not listed: the content of " + TreeWalker.damagedMessage(shown, problems));
                damaged[0]++;
            };
            // One walk for all PATHs, as restic: every entry is listed once, in the tree's order,
            // however the PATHs overlap (/a and /a/b); folders off the way to a PATH are not read.
            TreeWalker.walk(repo, top, "", (p, shown, n) -> {
                if (dirs.isEmpty() || listed(dirs, p)) print(ctx, p, n);
                return n.type() == NodeType.DIR && (dirs.isEmpty() || descend(dirs, p));
            }, onDamage);
            // A listing with holes must not pass for a complete one.
            if (damaged[0] > 0) return ExitCodes.FATAL;
        }
        return ExitCodes.OK;
    }

    /** Whether the entry at {@code p} is listed: it is a PATH, directly in one, or (--recursive) below one. */
    private boolean listed(List<String> dirs, String p) {
        String parent = p.substring(0, p.lastIndexOf('/'));
        for (String d : dirs) {
            if (p.equals(d) || parent.equals(d) || recursive && p.startsWith(d + "/")) return true;
        }
        return false;
    }

    /** Whether the folder at {@code p} holds something listed: it is on the way to a PATH, a PATH, or (--recursive) below one. */
    private boolean descend(List<String> dirs, String p) {
        for (String d : dirs) {
            if (d.startsWith(p + "/") || p.equals(d) || recursive && p.startsWith(d + "/")) return true;
        }
        return false;
    }

    /** {@code p} is the raw path: JSON escapes it as Go does, text quotes it when it is not printable. */
    private void print(Context ctx, String p, Node n) {
        if (ctx.json()) {
            // restic's lsNodeOutput, field for field; permissions show the node's type (see NodeFormat)
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("name", n.name()).put("type", n.typeName()).put("path", p).put("uid", n.uid()).put("gid", n.gid());
            if (n.type() == NodeType.FILE) o.put("size", n.size());
            if (n.mode() != 0) o.put("mode", n.mode());
            o.put("permissions", NodeFormat.permissions(n));
            o.put("mtime", Times.format(n.mtime() == null ? ZERO : n.mtime()));
            o.put("atime", Times.format(n.atime() == null ? ZERO : n.atime()));
            o.put("ctime", Times.format(n.ctime() == null ? ZERO : n.ctime()));
            if (n.inode() != 0) o.put("inode", n.inode());
            o.put("message_type", "node").put("struct_type", "node");
            Names.printJson(ctx.out, o);
        } else if (longFormat) {
            Names.println(ctx.out, NodeFormat.longLine(p, n, human));
        } else {
            Names.println(ctx.out, Names.display(p));
        }
        // once per entry: a reader that has gone (| head) ends the listing
        ctx.checkOutput();
    }

    /** Go's zero time, which restic prints for a node without that time. */
    private static final java.time.OffsetDateTime ZERO = java.time.OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC);

    /** "" for the root, else "/a/b": the path cleaned as every command cleans it ({@link Snapshots#clean}). */
    static String normalize(String path) {
        String c = Snapshots.clean(path);
        return c.equals("/") ? "" : c;
    }
}
