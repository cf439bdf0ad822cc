package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
 * personal data), keeps only some ({@code --include}, restic 0.19), or changes their host or time,
 * as restic's {@code rewrite} (0.17, 0.18's {@code --snapshot-summary}): each snapshot that changes is saved anew (tag
 * {@value SnapshotRewriter#TAG}, {@code original} set); the original stays unless
 * {@code --forget}. The removed data stays in the packs until {@code prune}.
 */
@Command(name = "rewrite", description = "Rewrite snapshots to exclude (or keep only) files or change their host or time (new snapshots are written; the originals are kept unless --forget).",
        footer = {"", "Examples:", "  lifeboat rewrite --exclude /home/anna/.aws --dry-run", "  lifeboat rewrite --exclude '*.pem' --forget 1a2b3c4d",
                "  lifeboat rewrite --exclude-file secrets.txt --host web1 --forget",
                "  lifeboat rewrite --iinclude '*.jpg' --iinclude '*.png' 1a2b3c4d",
                "  lifeboat rewrite --new-host web2 --new-time '2024-05-01 03:00:00' 1a2b3c4d",
                "  lifeboat rewrite --snapshot-summary --forget"})
final class RewriteCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Mixin
    ExcludeOptions exclude = new ExcludeOptions();

    @Mixin
    IncludeOptions include = new IncludeOptions();

    @Option(names = "--new-host", paramLabel = "HOST", description = "replace the host name")
    String newHost;

    @Option(names = "--new-time", paramLabel = "TIME", description = "replace the time of the backup (ex. '2012-11-01 22:08:41', local time)")
    String newTime;

    @Option(names = {"-s", "--snapshot-summary"}, description = "record the count and size of the files in the snapshot's summary, adding a summary where there is none")
    boolean snapshotSummary;

    @Option(names = "--forget", description = "remove each original snapshot once its rewrite is saved (the data goes with 'prune')")
    boolean forget;

    @Option(names = {"-n", "--dry-run"}, description = "write nothing; print what would be done")
    boolean dryRun;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "snapshot IDs or 'latest' (default: all snapshots the filters match)")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        // restic counts the options, not the patterns: "--exclude $UNSET" (skipped) is no error
        // (the trees are walked and, as restic 0.18, a missing or wrong summary is still set)
        if (exclude.none() && include.none() && !snapshotSummary && !newHostGiven() && (newTime == null || newTime.isEmpty())) {
            throw new UserException("nothing to do: give --exclude, --iexclude, --exclude-file, --iexclude-file, --include,"
                    + " --iinclude, --include-file, --iinclude-file, --new-host, --new-time or --snapshot-summary");
        }
        if (!exclude.none() && !include.none()) {
            throw new UserException("exclude and include patterns are mutually exclusive");
        }
        PathPatterns patterns = !exclude.none() ? exclude.read().pathPatterns()
                : !include.none() ? include.read().pathPatterns() : null;
        SnapshotRewriter.Changes changes = new SnapshotRewriter.Changes(patterns, !include.none(), snapshotSummary, newHost,
                newTime == null || newTime.isEmpty() ? null : parseNewTime(newTime));
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
            SnapshotRewriter rewriter = new SnapshotRewriter(repo, changes, forget, dryRun, ctx.cancel());
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
        Snapshot next = o.rewritten();
        if (ctx.json()) {
            var j = Json.MAPPER.createObjectNode().put("message_type", o.changed() ? "changed" : "unchanged")
                    .put("old_snapshot_id", o.original().id().hex());
            if (o.changed() && next.id() != null) j.put("new_snapshot_id", next.id().hex());
            var removed = j.putArray("removed");
            o.removed().forEach(removed::add);
            if (o.changed() && newHostGiven()) j.put("hostname", next.hostname());
            if (o.changed() && newTime != null && !newTime.isEmpty()) j.put("time", org.lifeboat.repository.Times.format(next.time()));
            j.put("forgotten", o.forgotten());
            ctx.printJson(j);
            return;
        }
        if (!o.changed()) {
            ctx.info("snapshot " + old + ": nothing to rewrite");
            return;
        }
        String head = "snapshot " + old + " of " + o.original().paths();
        if (!o.removed().isEmpty()) {
            ctx.info(head + ": " + (dryRun ? "would remove " : "removed ") + o.removed().size() + " entr"
                    + (o.removed().size() == 1 ? "y" : "ies"));
            for (String p : o.removed()) ctx.info("  " + Names.display(p));
        } else {
            ctx.info(head + ":");
        }
        // the same words in the dry run and the real run (restic's differ: "would set hostname to", "setting host to")
        if (newTime != null && !newTime.isEmpty()) {
            ctx.info("  " + (dryRun ? "would set time to " : "setting time to ") + next.time().format(SHOWN_TIME));
        }
        if (newHostGiven()) ctx.info("  " + (dryRun ? "would set hostname to " : "setting hostname to ") + next.hostname());
        Snapshot.Summary was = o.original().summary();
        Snapshot.Summary now = next.summary();
        if (now != null && !now.equals(was)) {
            ctx.info("  " + (dryRun ? "would record" : "recorded") + " in the " + (was == null ? "new " : "") + "summary: "
                    + now.totalFilesProcessed() + " file" + (now.totalFilesProcessed() == 1 ? "" : "s") + ", "
                    + now.totalBytesProcessed() + " bytes");
        }
        if (dryRun) {
            ctx.info("  would save a new snapshot" + (forget ? " and remove the old one" : ""));
        } else {
            ctx.info("  saved new snapshot " + next.id().shortHex());
            if (o.forgotten()) ctx.info("  removed old snapshot " + old);
        }
    }

    /** restic's way of showing a time it sets: "1999-01-01 11:11:11 +0100". */
    private static final java.time.format.DateTimeFormatter SHOWN_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx");

    private boolean newHostGiven() {
        return newHost != null && !newHost.isEmpty();
    }

    /**
     * {@code --new-time} in restic's format, "2006-01-02 15:04:05", read as local time.
     *
     * @throws UserException naming the option and the format when it is not such a time
     */
    static java.time.OffsetDateTime parseNewTime(String s) {
        try {
            return java.time.LocalDateTime.parse(s, java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
                            .withResolverStyle(java.time.format.ResolverStyle.STRICT))
                    .atZone(java.time.ZoneId.systemDefault()).toOffsetDateTime();
        } catch (java.time.format.DateTimeParseException e) {
            throw new UserException("--new-time '" + s + "' is not a time; write it as 2024-01-02 03:04:05 (local time), as restic does");
        }
    }

    private void refuseNoLockWhenWriting() {
        TagCommand.refuseNoLock(main, "'rewrite' writes snapshots and must lock the repository (only 'rewrite --dry-run' may skip the lock)");
    }
}
