package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.backup.PatternFiles;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PathPatterns;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.rewrite.SnapshotRewriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rewrite}: removes files from existing snapshots (a leaked secret, a request to erase
 * personal data), as restic 0.17's {@code rewrite --exclude}: each snapshot with a matching entry
 * is saved anew without it (tag {@value SnapshotRewriter#TAG}, {@code original} set); the original
 * stays unless {@code --forget}. The removed data stays in the packs until {@code prune}.
 */
@Command(name = "rewrite", description = "Remove files from existing snapshots (new snapshots are written; the originals are kept unless --forget).",
        footer = {"", "Examples:", "  lifeboat rewrite --exclude /home/anna/.aws --dry-run", "  lifeboat rewrite --exclude '*.pem' --forget 1a2b3c4d",
                "  lifeboat rewrite --exclude-file secrets.txt --host web1 --forget"})
final class RewriteCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Option(names = {"-e", "--exclude"}, paramLabel = "PATTERN", description = "remove matching paths (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--iexclude", paramLabel = "PATTERN", description = "like --exclude, ignoring case")
    List<String> iexcludes = new ArrayList<>();

    @Option(names = "--exclude-file", paramLabel = "FILE", description = "read exclude patterns from FILE")
    List<String> excludeFiles = new ArrayList<>();

    @Option(names = "--iexclude-file", paramLabel = "FILE", description = "like --exclude-file, ignoring case")
    List<String> iexcludeFiles = new ArrayList<>();

    @Option(names = "--forget", description = "remove each original snapshot once its rewrite is saved (the data goes with 'prune')")
    boolean forget;

    @Option(names = {"-n", "--dry-run"}, description = "write nothing; print what would be removed")
    boolean dryRun;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "snapshot IDs or 'latest' (default: all snapshots the filters match)")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        PathPatterns patterns = patterns();
        // restic counts the options, not the patterns: "--exclude $UNSET" (skipped) rewrites nothing, and is no error
        if (excludes.isEmpty() && iexcludes.isEmpty() && excludeFiles.isEmpty() && iexcludeFiles.isEmpty()) {
            throw new UserException("nothing to do: give --exclude, --iexclude, --exclude-file or --iexclude-file");
        }
        if (patterns.isEmpty()) {
            ctx.info("every pattern given is empty (empty patterns are skipped): nothing to rewrite, no snapshots were modified");
            return ExitCodes.OK;
        }
        if (!dryRun) refuseNoLockWhenWriting();
        int changed = 0;
        int leftOver = 0;
        try (Repository repo = ctx.open();
             // restic: a dry run takes no lock; --forget removes snapshots, so it locks exclusively
             RepositoryLock lock = dryRun ? null : ctx.lock(repo, forget)) {
            ctx.loadIndex(repo);
            List<Snapshot> chosen = TagCommand.select(ctx, repo, filter.filter(), ids);
            if (forget && !dryRun) {
                ctx.refuseWithoutRemovals(repo, Repository.FileKind.SNAPSHOT, "'rewrite --forget' removes each original snapshot");
            }
            SnapshotRewriter rewriter = new SnapshotRewriter(repo, patterns, forget, dryRun, ctx.cancel());
            for (Snapshot s : chosen) {
                SnapshotRewriter.Outcome o;
                String earlier = changed == 0 ? "" : " (" + changed + " earlier snapshot" + (changed == 1 ? " was" : "s were")
                        + (dryRun ? " to be" : "") + " rewritten)";
                try {
                    o = rewriter.rewrite(s);
                } catch (org.lifeboat.repository.RepositoryException e) {
                    throw new UserException("snapshot " + s.id().shortHex() + " cannot be rewritten: " + e.getMessage()
                            + "; it was left as it is" + earlier);
                } catch (java.io.InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    // packs, index or the new snapshot could not be written: the original is as it was
                    throw new UserException("snapshot " + s.id().shortHex() + " could not be rewritten: " + e.getMessage()
                            + "; the original snapshot is untouched" + earlier);
                }
                if (o.notForgotten() != null) {
                    ctx.err.println("error: snapshot " + s.id().shortHex() + " was rewritten as " + o.rewritten().id().shortHex()
                            + ", but the original could not be removed: " + o.notForgotten());
                    leftOver++;
                }
                report(ctx, o);
                if (o.changed()) changed++;
            }
        }
        if (ctx.json()) {
            ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "summary").put("changed_snapshots", changed)
                    .put("dry_run", dryRun));
        } else if (changed == 0) {
            ctx.info(dryRun ? "no snapshots would be modified" : "no snapshots were modified");
        } else {
            ctx.info((dryRun ? "would modify " : "modified ") + changed + " snapshot" + (changed == 1 ? "" : "s"));
        }
        if (leftOver > 0) {
            throw new UserException(leftOver + " original snapshot" + (leftOver == 1 ? " was" : "s were")
                    + " rewritten but could not be removed (see above); remove " + (leftOver == 1 ? "it" : "them") + " with 'forget'");
        }
        return ExitCodes.OK;
    }

    private void report(Context ctx, SnapshotRewriter.Outcome o) {
        String old = o.original().id().shortHex();
        if (ctx.json()) {
            var j = Json.MAPPER.createObjectNode().put("message_type", o.changed() ? "changed" : "unchanged")
                    .put("old_snapshot_id", o.original().id().hex());
            if (o.changed() && o.rewritten().id() != null) j.put("new_snapshot_id", o.rewritten().id().hex());
            var removed = j.putArray("removed");
            o.removed().forEach(removed::add);
            j.put("forgotten", o.forgotten());
            ctx.printJson(j);
            return;
        }
        if (!o.changed()) {
            ctx.info("snapshot " + old + ": nothing to rewrite");
            return;
        }
        ctx.info("snapshot " + old + " of " + o.original().paths() + ": " + (dryRun ? "would remove " : "removed ")
                + o.removed().size() + " entr" + (o.removed().size() == 1 ? "y" : "ies"));
        for (String p : o.removed()) ctx.info("  " + Names.display(p));
        if (dryRun) {
            ctx.info("  would save a new snapshot" + (forget ? " and remove the old one" : ""));
        } else {
            ctx.info("  saved new snapshot " + o.rewritten().id().shortHex());
            if (o.forgotten()) ctx.info("  removed old snapshot " + old);
        }
    }

    private void refuseNoLockWhenWriting() {
        TagCommand.refuseNoLock(main, "'rewrite' writes snapshots and must lock the repository (only 'rewrite --dry-run' may skip the lock)");
    }

    /** The patterns of the options and files, checked as backup checks them (restic's order). */
    private PathPatterns patterns() {
        List<String> ex = new ArrayList<>(excludes);
        List<String> iex = new ArrayList<>(iexcludes);
        ex.addAll(patternFile("--exclude-file", excludeFiles));
        iex.addAll(patternFile("--iexclude-file", iexcludeFiles));
        BackupCommand.checkPatterns("--iexclude", iexcludes);
        BackupCommand.checkPatterns("--exclude", excludes);
        return new PathPatterns(ex, iex);
    }

    /** The patterns of each file; a file that cannot be read, or a bad pattern in it, is named. */
    private static List<String> patternFile(String option, List<String> files) {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            List<String> got;
            try {
                got = PatternFiles.read(List.of(f), System::getenv);
            } catch (IOException e) {
                throw new UserException(BackupCommand.fileProblem(option.substring(2).replace('-', ' '), f, e));
            }
            List<String> bad = PathPatterns.invalid(got);
            if (!bad.isEmpty()) {
                throw new UserException(option + ": invalid pattern(s) provided: " + String.join(", ", bad) + " (in " + f + ")");
            }
            out.addAll(got);
        }
        return out;
    }
}
