package org.lifeboat.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.BlobWindow;
import org.lifeboat.restore.Dump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dump}: one file to standard output, or a folder as a tar archive. Every tree walked is
 * checked against {@link TreeRules}: a folder whose tree breaks them is reported (its path and
 * problem) and its content left out, and so is any node whose name is unsafe; the command then
 * ends with exit code 1 so that an incomplete archive does not pass for a complete one. Output
 * streams (memory bounded by the folder depth), so a tree reusing one subtree at every level
 * writes for as long as its logical size needs, like restic, and Ctrl-C ends it; so does a reader
 * that goes away ({@code | head}), with exit code 1. A file whose recorded size is not its
 * content's length is reported (exit code 1): alone it is written as stored; in a tar its member
 * keeps the recorded size (content cut or padded with zeros) so that the archive stays valid.
 */
@Command(name = "dump", description = "Write one file from a snapshot to standard output (a folder as a tar or zip archive).",
        footer = {"", "Examples:", "  lifeboat dump latest /etc/hosts > hosts", "  lifeboat dump latest /etc > etc.tar",
                "  lifeboat dump -a zip latest /etc > etc.zip", "  lifeboat dump --host web1 latest /var/www > www.tar"})
final class DumpCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "snapshot ID, prefix or latest")
    String snapshot;

    @Parameters(index = "1", paramLabel = "PATH", description = "file (written as is) or folder (written as a tar or zip archive) inside the snapshot")
    String path;

    @Option(names = {"-a", "--archive"}, defaultValue = "tar", paramLabel = "tar|zip",
            description = "archive format for a folder: tar (default) or zip")
    String archive;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (!archive.equals("tar") && !archive.equals("zip")) {
            throw new UserException("--archive must be tar or zip, not '" + archive + "'");
        }
        long[] skipped = {0};
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), snapshot);
            // PATH is inside ID:folder when one is given; both cleaned as ls, diff and restore clean them
            Id root = s.root(repo);
            String rel = Snapshots.clean(RawArgs.raw(path));
            // the path in the snapshot, which messages name
            String p = rel.equals("/") ? (s.prefix().isEmpty() ? "/" : s.prefix()) : s.prefix() + rel;
            Node n;
            try {
                n = rel.equals("/") ? null : TreeWalker.find(repo, root, rel);
            } catch (org.lifeboat.repository.RepositoryException e) {
                String m = e.getMessage();
                if (m == null || !(m.endsWith(" is not in the snapshot") || m.endsWith(" is not a folder in the snapshot"))) throw e;
                throw new UserException(Names.display(p) + " is not in snapshot " + s.snapshot().id().shortHex());
            }
            // rawOut: a reader that has gone (| head) ends the dump at once, exit 1
            OutputStream out = new BufferedOutputStream(ctx.rawOut(), 1 << 20);
            // blobs read pack by pack with a bounded read-ahead; the cancel engineer passes the job's token here
            BlobWindow blobs = new BlobWindow(repo, ctx.cancel());
            if (n != null && n.type() == NodeType.FILE) {
                long written = Dump.file(blobs, n, out);
                if (written != n.size()) {
                    sizeDiffers(ctx, p, n.size(), written);
                    skipped[0]++;
                }
            } else if (n == null || n.type() == NodeType.DIR) {
                Id tree = n == null ? root : n.subtree();
                skipped[0] += Dump.archive(repo, blobs, tree, n, Dump.Format.parse(archive), out, new Dump.Problems() {
                    @Override
                    public void unsafeName(String q, String problem) {
                        ctx.warn("not dumped: " + Names.display(q) + ": " + problem + " in the snapshot's tree");
                    }

                    @Override
                    public void unsafeMember(String q) {
                        ctx.warn("not dumped: " + Names.display(q) + ": not a safe name for a " + archive + " member");
                    }

                    @Override
                    public void sizeDiffers(String q, long size, long content) {
                        // named by its path in the snapshot, also when dumping a sub-folder
                        DumpCommand.sizeDiffers(ctx, under(dumpedParent(s, n, p), q), size, content);
                    }

                    @Override
                    public void damaged(String shown, Id id, java.util.List<String> problems) {
                        // named by its path in the snapshot, also when dumping a sub-folder ("a/x" is "/sub/a/x")
                        String where = under(Names.display(dumpedParent(s, n, p)), shown);
                        ctx.warn("not dumped: the content of " + TreeWalker.damagedMessage(where, problems));
                    }
                });
            } else {
                throw new UserException(p + " is a " + TreeRules.shownType(n) + " entry, not a file or folder");
            }
            out.flush();
        }
        // An incomplete archive must not look like success.
        return skipped[0] == 0 ? ExitCodes.OK : ExitCodes.FATAL;
    }

    /** The snapshot path that member names are relative to: the dumped folder's parent, or the dumped root itself. */
    private static String dumpedParent(Snapshots s, Node n, String p) {
        return n == null ? s.prefix() : p.substring(0, p.lastIndexOf('/'));
    }

    /** {@code child} ("a/x" or "/a/x") below snapshot folder {@code parent} ("", "/" or "/sub"), with one slash between. */
    private static String under(String parent, String child) {
        String a = parent.endsWith("/") ? parent.substring(0, parent.length() - 1) : parent;
        return a + (child.startsWith("/") ? child : "/" + child);
    }

    /** The warning for a file whose recorded size is not its content's length (restore reports it as damaged). */
    private static void sizeDiffers(Context ctx, String path, long size, long content) {
        ctx.warn(Names.display(path) + ": the snapshot's size and its content disagree (size " + size
                + " bytes, content " + content + " bytes)");
    }
}
