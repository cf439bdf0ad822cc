package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Progress;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemBackup;
import org.lifeboat.repository.Json;

/** {@code backup --system/--all}: each system into its own tagged snapshot; one failing does not stop the others. */
final class SystemBackupRunner {
    private SystemBackupRunner() {}

    static int run(Context ctx, List<String> names) throws Exception {
        return run(ctx, names, false);
    }

    /**
     * Backs up the systems, then (unless {@code noForget}) applies each one's keep policy to its
     * snapshots, for the systems whose backup succeeded without errors, under an exclusive lock
     * taken after the backups' locks are released.
     */
    static int run(Context ctx, List<String> names, boolean noForget) throws Exception {
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        List<String> chosen = names.isEmpty() ? List.copyOf(plan.systems().keySet()) : names;
        for (String n : chosen) {
            if (!plan.systems().containsKey(n)) {
                throw new UserException("there is no system '" + n + "' in " + plan.file() + " (systems: "
                        + String.join(", ", plan.systems().keySet()) + ")");
            }
        }
        int failed = 0, partial = 0, copyFailures = 0, forgetFailures = 0;
        List<String> forgettable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (Repositories repos = ctx.repositories(plan, false)) {
            for (String n : chosen) {
                SystemSpec s = plan.system(n);
                if (s.backup() == null || s.backup().sources().isEmpty()) {
                    if (!names.isEmpty()) {
                        ctx.err.println("error: system '" + n + "' has no backup sources");
                        failed++;
                    } else {
                        skipped.add(n);
                    }
                    continue;
                }
                ctx.info("backing up " + n + " to repository '" + s.backup().repository() + "'");
                try {
                    SystemBackup.Outcome o = SystemBackup.run(plan, s, repos, new Progress(), w -> {
                        if (!ctx.json()) ctx.err.println("warning: " + n + ": " + w);
                    }, ctx.cancel());
                    if (o.result().errors() > 0 || !o.warnings().isEmpty()) partial++;
                    if (o.result().errors() == 0 && s.retention() != null) forgettable.add(n);
                    if (ctx.json()) {
                        for (String w : o.warnings()) {
                            ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "warning").put("system", n).put("warning", w));
                        }
                    }
                    var sum = o.result().summary();
                    if (ctx.json()) {
                        // backup's own summary (restic's fields), naming the system: each system's
                        // numbers are its own backup's, never the sum of those before it.
                        ObjectNode j = BackupCommand.summaryJson(o.result(), o.took().toMillis() / 1000.0, false).put("system", n);
                        ctx.printJson(j);
                    } else {
                        ctx.out.println(n + ": snapshot " + o.snapshot().id().shortHex() + " saved (" + sum.totalFilesProcessed()
                                + " files, " + ProgressLine.bytes(sum.totalBytesProcessed()) + ", "
                                + ProgressLine.bytes(sum.dataAdded()) + " new, " + ProgressLine.duration(o.took().toSeconds()) + ")");
                    }
                    // The plan's copy-to (3-2-1): a failed copy leaves the saved snapshot as it is, exit code 3.
                    copyFailures += copies(ctx, plan, s, repos, o);
                } catch (Exception e) {
                    failed++;
                    if (Interrupts.interrupted()) break; // the interrupt's line says it all
                    if (ctx.json()) {
                        ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "error").put("system", n)
                                .put("error", String.valueOf(e.getMessage())));
                    } else {
                        ctx.err.println("error: backup of system '" + n + "' failed: " + e.getMessage());
                    }
                }
            }
        }
        if (!noForget && !forgettable.isEmpty() && !Interrupts.interrupted()) {
            try (Repositories repos = ctx.repositories(plan, true)) {
                for (String n : forgettable) {
                    if (!ForgetCommand.forgetSystem(ctx, plan.system(n), repos)) forgetFailures++;
                }
            } catch (Exception e) {
                if (Interrupts.interrupted()) return 130;
                ctx.err.println("error: the retention of the systems backed up was not applied: " + e.getMessage());
                forgetFailures++;
            }
        }
        if (!skipped.isEmpty()) ctx.info("no backup configured for: " + String.join(", ", skipped));
        if (failed > 0 && Interrupts.interrupted()) return 130;
        if (failed > 0) {
            ctx.err.println("Fatal: " + failed + " of " + chosen.size() + " system backups failed");
            return ExitCodes.FATAL;
        }
        if (copyFailures > 0 && !ctx.json()) {
            ctx.err.println("Warning: " + copyFailures + " cop" + (copyFailures == 1 ? "y" : "ies")
                    + " to the plan's copy-to repositories failed; the snapshots are saved in their own repositories");
        }
        if (forgetFailures > 0 && !ctx.json()) {
            ctx.err.println("Warning: the retention of " + forgetFailures + " system" + (forgetFailures == 1 ? " was" : "s were")
                    + " not applied (named above); the new snapshots are saved");
        }
        return partial > 0 || copyFailures > 0 || forgetFailures > 0 ? ExitCodes.PARTIAL : ExitCodes.OK;
    }

    /** Copies a system's new snapshot along copy-to and reports each copy; returns how many failed. */
    private static int copies(Context ctx, Plan plan, SystemSpec s, Repositories repos, SystemBackup.Outcome o)
            throws Cancel.Cancelled {
        int failures = 0;
        for (org.lifeboat.recovery.SystemCopies.Copy c : org.lifeboat.recovery.SystemCopies.afterBackup(plan, s, repos,
                o.snapshot(), org.lifeboat.recovery.SystemCopies.DEFAULT, ctx.cancel())) {
            if (c.failed()) failures++;
            if (ctx.json()) {
                ObjectNode j = Json.MAPPER.createObjectNode().put("message_type", "copy").put("system", s.name())
                        .put("from", c.from()).put("repository", c.to()).put("snapshot_id", c.snapshot())
                        .put("result", c.failed() ? "failed" : c.alreadyThere() ? "already_there" : "copied")
                        .put("catch_up", c.catchUp());
                if (c.copy() != null) j.put("copy_id", c.copy());
                if (c.error() != null) j.put("error", c.error());
                ctx.printJson(j);
            } else if (c.failed()) {
                ctx.err.println("error: " + s.name() + ": copy of snapshot " + c.snapshot().substring(0, 8) + " from '" + c.from()
                        + "' to '" + c.to() + "' failed: " + c.error());
            } else {
                ctx.out.println(s.name() + ": " + (c.catchUp() ? "missed earlier: " : "") + "snapshot " + c.snapshot().substring(0, 8)
                        + (c.alreadyThere() ? " already in '" : " copied to '") + c.to() + "' as " + c.copy().substring(0, 8));
            }
        }
        return failures;
    }
}
