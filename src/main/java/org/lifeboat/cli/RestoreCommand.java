package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
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

    @Option(names = "--verify", description = "re-read restored files and check them against the snapshot")
    boolean verify;

    @Option(names = "--overwrite", paramLabel = "always|if-changed|never",
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
            throw new UserException("restore target " + dst + " is not empty; choose --overwrite always, if-changed or never");
        }
        if (Files.exists(dst) && !Files.isDirectory(dst)) throw new UserException("restore target " + dst + " is not a folder");
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            // ID:subfolder and the patterns name things in the snapshot: raw bytes as they are there
            Snapshots s = Snapshots.resolve(ctx, repo, filter.filter(), RawArgs.raw(snapshot));
            Id root = TreeWalker.subtree(repo, s.snapshot().tree(), s.subfolder());
            String prefix = s.subfolder().isEmpty() ? "" : "/" + s.subfolder().replaceAll("^/+|/+$", "");
            ctx.info("restoring snapshot " + s.snapshot().id().shortHex() + (prefix.isEmpty() ? "" : ":" + prefix)
                    + " of " + String.join(", ", s.snapshot().paths()) + " to " + dst.toAbsolutePath());
            String name = "snapshot " + s.snapshot().id().shortHex() + (prefix.isEmpty() ? "" : ":" + prefix);
            Restorer r = new Restorer(repo, new RestoreOptions(dst, RawArgs.raw(includes), RawArgs.raw(excludes), ow, verify, threads), name)
                    .onPlan(p -> ctx.info("restoring " + p));
            long t0 = System.nanoTime();
            RestoreResult res;
            try (ProgressLine pl = ProgressLine.start(ctx, () -> ProgressLine.status(t0, r.filesDone.sum(), 0,
                    r.bytesDone.sum(), r.totalBytes), () -> ProgressLine.statusJson(t0, r.filesDone.sum(), r.totalFiles,
                    r.bytesDone.sum(), r.totalBytes))) {
                res = r.run(root, prefix);
            } catch (Restorer.NotEnoughSpaceException e) {
                throw new UserException(e.getMessage());
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            // res.files() counts the files planned; a file whose writing failed (it is in res.failed())
            // never reaches the end of its restore, which is what filesDone counts.
            long restored = Math.min(res.files(), r.filesDone.sum());
            for (String w : res.warnings()) ctx.warn(w);
            if (ctx.json()) {
                var o = Json.MAPPER.createObjectNode().put("message_type", "summary")
                        .put("snapshot_id", s.snapshot().id().hex()).put("files_restored", restored)
                        .put("dirs_restored", res.dirs()).put("bytes_restored", res.bytes())
                        .put("files_skipped", res.skipped()).put("total_duration", secs);
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
                ctx.info(String.format(java.util.Locale.ROOT, "restored %d files, %d folders, %s in %s", restored,
                        res.dirs(), ProgressLine.bytes(res.bytes()), ProgressLine.duration((long) secs)));
                if (verify && res.ok()) {
                    ctx.info("verified: every file of the snapshot in " + dst + " matches the snapshot");
                }
            }
            // One line per damaged file (not per blob), naming the pack files as they lie in the repository.
            for (String d : res.damaged()) ctx.err.println("error: damaged in the repository: " + d);
            for (String f : res.failed()) ctx.err.println("error: not restored: " + f);
            for (String v : res.verifyFailures()) ctx.err.println("error: verification failed: " + v);
            if (res.verifyFailureCount() > res.verifyFailures().size()) {
                ctx.err.println("error: verification failed: " + (res.verifyFailureCount() - res.verifyFailures().size())
                        + " more difference(s) not listed");
            }
            if (!res.ok()) {
                List<String> parts = new ArrayList<>();
                if (!res.damaged().isEmpty()) parts.add(res.damaged().size() + " file(s) or folder(s) damaged in the repository");
                if (!res.failed().isEmpty()) parts.add(res.failed().size() + " entries that could not be written in the target");
                if (res.verifyFailureCount() > 0) parts.add(res.verifyFailureCount() + " difference(s) found by --verify");
                ctx.err.println("Fatal: " + String.join(", ", parts) + "; all other files were restored"
                        + (res.damaged().isEmpty() ? "" : " (once the repository is repaired, restore again with "
                        + "--overwrite if-changed --verify to repair them)"));
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }

    private static boolean nonEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }
}
