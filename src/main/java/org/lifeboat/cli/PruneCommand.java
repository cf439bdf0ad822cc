package org.lifeboat.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lifeboat.prune.PruneException;
import org.lifeboat.prune.PruneListener;
import org.lifeboat.prune.PruneOptions;
import org.lifeboat.prune.PruneResult;
import org.lifeboat.prune.PruneStats;
import org.lifeboat.prune.Pruner;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "prune", description = {"Remove unneeded data from the repository (restic's prune).",
        "Finds the data every snapshot uses, repacks partly used packs, writes a new index, then removes the old"
                + " index files and the packs nothing needs. Crash-safe: a kill at any moment leaves every snapshot"
                + " restorable, and the next prune finishes the work."},
        footer = {"", "Examples:", "  lifeboat prune -n                  # what would go (changes nothing)",
                "  lifeboat prune --max-unused 0      # repack until nothing unused is left",
                "  lifeboat prune --max-repack-size 1G  # repack at most 1 GiB"})
final class PruneCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-n", "--dry-run"}, description = "do not modify the repository, just print what would be done")
    boolean dryRun;

    @Mixin
    PruneFlags flags = new PruneFlags();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (main.noLock && !dryRun) {
            throw new UserException("--no-lock is only applicable in combination with --dry-run for prune command");
        }
        PruneOptions opts = flags.options(dryRun); // malformed flags before the password is asked for
        flags.warnDeprecated(ctx);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            return run(ctx, repo, opts, java.util.Set.of(), ctx.out);
        }
    }

    /**
     * The prune of {@code forget --prune}: the caller has opened {@code repo} and holds an exclusive
     * lock on it. Prints restic's statistics and steps to {@code out} ({@code --json}: restic's
     * summary object), warnings to standard error.
     *
     * @return the exit code (0, also when files under retention were left in place)
     * @throws UserException (exit 1, one sentence) for a malformed flag or when prune refuses (a
     *     damaged snapshot, tree or index) or stops
     * @throws IOException when the storage fails
     */
    static int run(Context ctx, Repository repo, PruneFlags flags, boolean dryRun, PrintStream out) throws IOException {
        return run(ctx, repo, flags, dryRun, java.util.Set.of(), out);
    }

    /**
     * {@link #run(Context, Repository, PruneFlags, boolean, PrintStream)} counting the snapshots
     * {@code ignored} as removed ({@code forget --dry-run --prune}).
     */
    static int run(Context ctx, Repository repo, PruneFlags flags, boolean dryRun,
                   java.util.Set<org.lifeboat.repository.Id> ignored, PrintStream out) throws IOException {
        PruneOptions opts = flags.options(dryRun);
        flags.warnDeprecated(ctx);
        return run(ctx, repo, opts, ignored, out);
    }

    /** {@link #run(Context, Repository, PruneFlags, boolean, PrintStream)} without a dry run. */
    static int run(Context ctx, Repository repo, PruneFlags flags, PrintStream out) throws IOException {
        return run(ctx, repo, flags, false, out);
    }

    private static int run(Context ctx, Repository repo, PruneOptions opts, java.util.Set<org.lifeboat.repository.Id> ignored,
                           PrintStream out) throws IOException {
        boolean quiet = ctx.quiet();
        PruneListener listener = new PruneListener() {
            @Override
            public void step(String message) {
                if (!quiet) out.println(message);
            }

            @Override
            public void skipped(String file, Instant until, String why) {
                ctx.warn(file + " was left in place: " + why + (until != null ? " until " + until : ""));
            }

            @Override
            public void warning(String message) {
                ctx.warn(message);
            }
        };
        Pruner pruner = new Pruner(repo, opts, listener, ctx.cancel()).ignoring(ignored);
        PruneResult result;
        try {
            var plan = pruner.plan();
            if (ctx.json()) {
                ctx.printJson(json(plan.stats()));
            } else if (!quiet) {
                if (opts.dryRun()) out.println("\nWould have made the following changes:");
                printStats(out, plan.stats());
            }
            result = pruner.execute(plan);
        } catch (PruneException e) {
            // the engine's sentence names the step (PruneException.advice() says it as a value)
            throw new UserException(e.getMessage());
        }
        if (!result.skipped().isEmpty() && !quiet) {
            out.println(result.skipped().size() + " file" + (result.skipped().size() == 1 ? " was" : "s were")
                    + " left in place (retention, S3 Object Lock); a later prune removes them once their lock has ended");
        }
        return ExitCodes.OK;
    }

    /** restic's ui.FormatPercent: "%3.2f%%", 0 of 0 being 0. */
    static String percent(long n, long total) {
        double p = total == 0 ? 0 : 100.0 * n / total;
        return String.format(Locale.ROOT, "%3.2f%%", p);
    }

    /** restic's printPruneStats (every line, not only restic's verbose ones). */
    static void printStats(PrintStream out, PruneStats s) {
        out.printf(Locale.ROOT, "%nused:         %10d blobs / %s%n", s.usedBlobs(), DiffCommand.goBytes(s.usedSize()));
        if (s.duplicateBlobs() > 0) out.printf(Locale.ROOT, "duplicates:   %10d blobs / %s%n", s.duplicateBlobs(), DiffCommand.goBytes(s.duplicateSize()));
        out.printf(Locale.ROOT, "unused:       %10d blobs / %s%n", s.unusedBlobs(), DiffCommand.goBytes(s.unusedSize()));
        if (s.unreferencedSize() > 0) out.printf(Locale.ROOT, "unreferenced:                    %s%n", DiffCommand.goBytes(s.unreferencedSize()));
        out.printf(Locale.ROOT, "total:        %10d blobs / %s%n", s.totalBlobs(), DiffCommand.goBytes(s.totalSize()));
        out.printf(Locale.ROOT, "unused size: %s of total size%n", percent(s.duplicateSize() + s.unusedSize(), s.totalSize()));
        out.printf(Locale.ROOT, "%nto repack:    %10d blobs / %s%n", s.repackBlobs(), DiffCommand.goBytes(s.repackSize()));
        out.printf(Locale.ROOT, "this removes: %10d blobs / %s%n", s.repackRemoveBlobs(), DiffCommand.goBytes(s.repackRemoveSize()));
        out.printf(Locale.ROOT, "to delete:    %10d blobs / %s%n", s.removeBlobs(), DiffCommand.goBytes(s.removeSize() + s.unreferencedSize()));
        out.printf(Locale.ROOT, "total prune:  %10d blobs / %s%n", s.removeTotalBlobs(), DiffCommand.goBytes(s.removeTotalSize()));
        if (s.uncompressedSize() > 0) out.printf(Locale.ROOT, "not yet compressed:              %s%n", DiffCommand.goBytes(s.uncompressedSize()));
        out.printf(Locale.ROOT, "remaining:    %10d blobs / %s%n", s.remainingBlobs(), DiffCommand.goBytes(s.remainingSize()));
        out.printf(Locale.ROOT, "unused size after prune: %s (%s of remaining size)%n%n", DiffCommand.goBytes(s.remainingUnusedSize()),
                percent(s.remainingUnusedSize(), s.remainingSize()));
        out.printf(Locale.ROOT, "totally used packs: %10d%n", s.usedPacks());
        out.printf(Locale.ROOT, "partly used packs:  %10d%n", s.partlyUsedPacks());
        out.printf(Locale.ROOT, "unused packs:       %10d%n%n", s.unusedPacks());
        out.printf(Locale.ROOT, "to keep:      %10d packs%n", s.keepPacks());
        out.printf(Locale.ROOT, "to repack:    %10d packs%n", s.repackPacks());
        out.printf(Locale.ROOT, "to delete:    %10d packs%n", s.removePacks());
        if (s.unreferencedPacks() > 0) out.printf(Locale.ROOT, "to delete:    %10d unreferenced packs%n", s.unreferencedPacks());
        if (s.lockedPacks() > 0) out.printf(Locale.ROOT, "locked:       %10d packs (retention; left in place)%n", s.lockedPacks());
        out.println();
    }

    /** restic's prune summary JSON (message_type "summary", blobs, bytes, packfiles). */
    static com.fasterxml.jackson.databind.node.ObjectNode json(PruneStats s) {
        var o = Json.MAPPER.createObjectNode().put("message_type", "summary");
        o.putObject("blobs").put("used", s.usedBlobs()).put("duplicate", s.duplicateBlobs()).put("unused", s.unusedBlobs())
                .put("total", s.totalBlobs()).put("repack", s.repackBlobs()).put("repack_remove", s.repackRemoveBlobs())
                .put("remove", s.removeBlobs()).put("remove_total", s.removeTotalBlobs()).put("remaining", s.remainingBlobs());
        o.putObject("bytes").put("used", s.usedSize()).put("duplicate", s.duplicateSize()).put("unused", s.unusedSize())
                .put("unreferenced", s.unreferencedSize()).put("uncompressed", s.uncompressedSize()).put("total", s.totalSize())
                .put("repack", s.repackSize()).put("repack_remove", s.repackRemoveSize()).put("remove", s.removeSize())
                .put("remove_total", s.removeTotalSize()).put("remaining", s.remainingSize()).put("remaining_unused", s.remainingUnusedSize());
        o.putObject("packfiles").put("used", s.usedPacks()).put("unused", s.unusedPacks()).put("partly_used", s.partlyUsedPacks())
                .put("unreferenced", s.unreferencedPacks()).put("total", s.totalPacks()).put("keep", s.keepPacks())
                .put("repack", s.repackPacks()).put("remove", s.removePacks()).put("remove_total", s.removeTotalPacks())
                .put("locked", s.lockedPacks());
        return o;
    }
}
