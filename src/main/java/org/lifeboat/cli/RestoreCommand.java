package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.RestoreOptions;
import org.lifeboat.restore.RestoreResult;
import org.lifeboat.restore.Restorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restore", description = "Restore a snapshot (ID, ID:subfolder, or latest) into a folder.",
        footer = {"", "Examples:", "  lifeboat restore latest --target /srv/restore --verify", "  lifeboat restore 1a2b3c4d:/home/ann --target /tmp/ann --include \"*.odt\"", "  lifeboat restore latest --target /srv/app --overwrite if-changed"})
final class RestoreCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "snapshot ID, prefix or latest; ID:FOLDER restores only that folder")
    String snapshot;

    @Option(names = {"-t", "--target"}, required = true, paramLabel = "DIR", description = "folder to restore into")
    String target;

    @Option(names = {"-i", "--include"}, paramLabel = "PATTERN", description = "restore only matching paths (repeatable)")
    List<String> includes = new ArrayList<>();

    @Option(names = {"-e", "--exclude"}, paramLabel = "PATTERN", description = "do not restore matching paths (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--iinclude", paramLabel = "PATTERN", description = "like --include, ignoring case (repeatable)")
    List<String> iincludes = new ArrayList<>();

    @Option(names = "--iexclude", paramLabel = "PATTERN", description = "like --exclude, ignoring case (repeatable)")
    List<String> iexcludes = new ArrayList<>();

    @Option(names = "--verify", description = "re-read restored files and check them against the snapshot")
    boolean verify;

    @Option(names = "--overwrite", paramLabel = "always|if-changed|if-newer|never",
            description = "what to do with existing files (required when the target is not empty)")
    String overwrite;

    @Option(names = "--threads", defaultValue = "0", hidden = true)
    int threads;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        // An empty path is the current folder to Java; restic refuses it, and so do we.
        if (target.isBlank()) throw new UserException("--target is empty; give the folder to restore into");
        Path dst = Path.of(target);
        RestoreOptions.Overwrite ow;
        try {
            ow = overwrite == null ? RestoreOptions.Overwrite.ALWAYS : RestoreOptions.Overwrite.parse(overwrite);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        if (overwrite == null && nonEmpty(dst)) {
            throw new UserException("restore target " + dst + " is not empty; choose --overwrite always, if-changed, if-newer or never");
        }
        if (Files.exists(dst) && !Files.isDirectory(dst)) throw new UserException("restore target " + dst + " is not a folder");
        // A mistyped pattern would silently restore everything or nothing: refused first, as restic.
        BackupCommand.checkPatterns("--exclude", excludes);
        BackupCommand.checkPatterns("--iexclude", iexcludes);
        BackupCommand.checkPatterns("--include", includes);
        BackupCommand.checkPatterns("--iinclude", iincludes);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            // ID:subfolder and the patterns name things in the snapshot: raw bytes as they are there
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), RawArgs.raw(snapshot));
            String prefix = s.prefix();
            Id root;
            try {
                root = s.root(repo);
            } catch (RepositoryException e) {
                throw namedFolder(repo, s.snapshot(), prefix, e);
            }
            ctx.info("restoring snapshot " + s.snapshot().id().shortHex() + (prefix.isEmpty() ? "" : ":" + prefix)
                    + " of " + String.join(", ", s.snapshot().paths()) + " to " + dst.toAbsolutePath());
            String name = "snapshot " + s.snapshot().id().shortHex() + (prefix.isEmpty() ? "" : ":" + prefix);
            Restorer r = new Restorer(repo, new RestoreOptions(dst, RawArgs.raw(includes), RawArgs.raw(excludes),
                    RawArgs.raw(iincludes), RawArgs.raw(iexcludes), ow, verify, threads), name,
                    ctx.cancel())
                    .onPlan(p -> {
                        ctx.info("restoring " + p);
                        // restic says nothing here; an empty restore that exits 0 is easy to miss
                        if (p.inodes() == 0 && !(includes.isEmpty() && iincludes.isEmpty())) {
                            report(ctx, "warning: ", "", (prefix.isEmpty() ? "/" : prefix)
                                    + ": nothing in " + name + " matches the --include/--iinclude patterns (they match paths inside "
                                    + (prefix.isEmpty() ? "the snapshot" : prefix) + ")");
                        }
                    });
            if (main.verbose) r.onItem((action, item, size) -> item(ctx, action, item, size));
            long t0 = System.nanoTime();
            RestoreResult res;
            try (ProgressLine pl = ProgressLine.start(ctx, () -> ProgressLine.status(t0, r.filesDone.sum(), 0,
                    r.bytesDone.sum(), r.totalBytes), () -> counts("status", t0, r, r.filesDone.sum()))) {
                res = r.run(root, prefix);
            } catch (Restorer.NotEnoughSpaceException e) {
                throw new UserException(e.getMessage());
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            for (String w : res.warnings()) report(ctx, "warning: ", "", w);
            for (String w : res.unknownTypes()) report(ctx, "warning: ", "", w);
            if (ctx.json()) {
                // restic 0.17's summary, field for field (zero values written too), then Lifeboat's own.
                var o = counts("summary", t0, r, r.filesDone.sum());
                o.remove("percent_done");
                o.put("snapshot_id", s.snapshot().id().hex()).put("dirs_restored", res.dirs())
                        .put("total_duration", secs);
                var d = o.putArray("damaged");
                res.damaged().forEach(d::add);
                var fl = o.putArray("failed");
                res.failed().forEach(fl::add);
                var v = o.putArray("verify_failures");
                res.verifyFailures().forEach(v::add);
                o.put("verify_failure_count", res.verifyFailureCount());
                o.put("verified", verify);
                ctx.printJson(o);
            } else {
                // the units of the plan line ("restoring N files, M folders, …") and of --json
                ctx.info(String.format(java.util.Locale.ROOT, "restored %d files, %d folders%s, %s in %s", res.files(),
                        res.dirs(), res.others() > 0 ? ", " + res.others() + " other entries" : "",
                        ProgressLine.bytes(res.bytes()), ProgressLine.duration((long) secs)));
                if (res.skipped() > 0) {
                    ctx.info("skipped " + res.skipped() + " entries already in the target (" + ProgressLine.bytes(res.bytesSkipped()) + ")");
                }
                if (verify && res.ok()) {
                    ctx.info("verified: every file of the snapshot in " + dst + " matches the snapshot");
                }
            }
            // One line per damaged file (not per blob), naming the pack files as they lie in the repository.
            for (String d : res.damaged()) report(ctx, "error: ", "damaged in the repository: ", d);
            for (String f : res.failed()) report(ctx, "error: ", "not restored: ", f);
            for (String v : res.verifyFailures()) report(ctx, "error: ", "verification failed: ", v);
            if (res.verifyFailureCount() > res.verifyFailures().size()) {
                report(ctx, "error: ", "verification failed: ", Plural.of(res.verifyFailureCount() - res.verifyFailures().size(),
                        "more difference") + " not listed");
            }
            if (res.rootDamage() != null) {
                // Nothing below a folder whose tree cannot be read was restored: say so, never "all other files".
                ctx.err.println("Fatal: nothing could be restored from " + name + ": " + res.rootDamage());
                return ExitCodes.FATAL;
            }
            if (!res.ok()) {
                List<String> parts = new ArrayList<>();
                if (!res.damaged().isEmpty()) parts.add(Plural.of(res.damaged().size(), "file or folder", "files or folders") + " damaged in the repository");
                if (!res.failed().isEmpty()) parts.add(res.failed().size() + " entries that could not be written in the target");
                if (res.verifyFailureCount() > 0) parts.add(Plural.of(res.verifyFailureCount(), "difference") + " found by --verify");
                boolean none = res.files() + res.dirs() + res.others() + res.skipped() == 0;
                ctx.err.println("Fatal: " + String.join(", ", parts) + (none ? "; nothing was restored" : "; all other files were restored")
                        + (res.damaged().isEmpty() ? "" : " (once the repository is repaired, restore again with "
                        + "--overwrite if-changed --verify to repair them)"));
                return ExitCodes.FATAL;
            }
            if (res.partial()) {
                // entries of a type this version does not know (a newer restic's): named above, left out
                ctx.err.println("Warning: " + res.unknownTypes().size() + " entries of an unknown type were not restored;"
                        + " all other files were restored");
                return ExitCodes.PARTIAL;
            }
        }
        return ExitCodes.OK;
    }

    /**
     * restic's restore "status" object (also the start of its "summary"): seconds_elapsed,
     * percent_done, total_files, files_restored, files_skipped, files_deleted (always 0: Lifeboat
     * has no --delete), total_bytes, bytes_restored, bytes_skipped.
     */
    private static com.fasterxml.jackson.databind.node.ObjectNode counts(String type, long t0, Restorer r, long files) {
        long done = r.bytesDone.sum();
        long total = r.totalBytes;
        return Json.MAPPER.createObjectNode().put("message_type", type)
                .put("seconds_elapsed", (System.nanoTime() - t0) / 1_000_000_000L)
                .put("percent_done", total > 0 ? Math.min(1.0, (double) done / total) : 0.0)
                .put("total_files", r.totalFiles).put("files_restored", files).put("files_skipped", r.skipped.sum())
                .put("files_deleted", 0).put("total_bytes", total).put("bytes_restored", done)
                .put("bytes_skipped", r.bytesSkipped.sum());
    }

    /** One entry done, with -v: restic's verbose_status object, or its text line. */
    private static void item(Context ctx, Restorer.Action action, String item, long size) {
        String a = action.name().toLowerCase(java.util.Locale.ROOT);
        if (ctx.json()) {
            ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "verbose_status").put("action", a)
                    .put("item", item).put("size", size));
        } else {
            ctx.verbose(String.format(java.util.Locale.ROOT, "%-9s %s with size %s", a, Names.display(item),
                    ProgressLine.bytes(size)));
        }
    }

    /**
     * Every problem restore reports goes through here: "LEVEL WHAT LINE" on stderr ({@code level}
     * is "warning: " or "error: "), or with --json restic's error object
     * ({@code {"message_type":"error","error":{"message":…},"during":"restore","item":PATH}}) on
     * stderr, the item being the path the line starts with (restic has no separate warning type).
     */
    private static void report(Context ctx, String level, String what, String line) {
        if (!ctx.json()) {
            ctx.err.println(level + what + line);
            return;
        }
        int colon = line.indexOf(": ");
        int paren = line.indexOf(" (");
        int end = colon < 0 ? paren : paren < 0 ? colon : Math.min(colon, paren);
        var o = Json.MAPPER.createObjectNode().put("message_type", "error");
        o.putObject("error").put("message", what + line);
        o.put("during", "restore").put("item", end < 0 ? line : line.substring(0, end));
        ctx.err.println(o.toString());
    }

    /**
     * The error for an {@code ID:folder} that could not be resolved: when a folder on the way cannot
     * be read (its tree blob missing or damaged), one sentence naming that folder by its path, as
     * for a folder that breaks the tree rules; otherwise {@code e} itself (it names the path already).
     */
    private static RepositoryException namedFolder(Repository repo, org.lifeboat.repository.Snapshot snap, String prefix,
            RepositoryException e) {
        Id cur = snap.tree();
        String walked = "";
        StringBuilder wanted = new StringBuilder();
        for (String part : prefix.split("/")) if (!part.isEmpty()) wanted.append('/').append(TreeWalker.shownName(part));
        for (String part : prefix.split("/")) {
            if (part.isEmpty()) continue;
            List<Node> nodes;
            try {
                nodes = TreeWalker.load(repo, cur);
            } catch (IOException ex) {
                return new RepositoryException("snapshot " + snap.id().shortHex() + ": folder " + (walked.isEmpty() ? "/" : TreeWalker.abbreviate(walked))
                        + " cannot be read (" + ex.getMessage() + "), so path " + TreeWalker.abbreviate(wanted.toString())
                        + " cannot be resolved through it", e);
            }
            Node found = nodes.stream().filter(n -> n.name().equals(part)).findFirst().orElse(null);
            if (found == null || found.type() != NodeType.DIR || found.subtree() == null) return e;
            walked += "/" + TreeWalker.shownName(part);
            cur = found.subtree();
        }
        return e;
    }

    private static boolean nonEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }
}
