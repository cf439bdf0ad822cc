package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.PlanBackup;
import org.lifeboat.recovery.SystemBackup;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.recovery.SystemRetention;
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
     * taken after the backups' locks are released ({@link PlanBackup}); this prints what it reports.
     */
    static int run(Context ctx, List<String> names, boolean noForget) throws Exception {
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        PlanBackup.Result r;
        // Anomaly scores are kept in the state, and each system's baseline read from there.
        org.lifeboat.state.StateStore state = Plans.openState(ctx, plan,
                "backups are scored against the repository's history only and their scores are not kept");
        try {
            r = PlanBackup.run(plan, names, exclusive -> ctx.repositories(plan, exclusive), !noForget, new Printer(ctx), ctx.cancel(),
                    state == null ? null : new org.lifeboat.state.AnomalyLog(state));
        } catch (org.lifeboat.recovery.RecoveryException e) {
            throw new UserException(e.getMessage());
        } finally {
            if (state != null) state.close();
        }
        if (!r.skipped().isEmpty()) ctx.info("no backup configured for: " + String.join(", ", r.skipped()));
        if (r.failed() > 0 && Interrupts.interrupted()) return 130;
        if (r.failed() > 0) {
            ctx.err.println("Fatal: " + r.failed() + " of " + r.chosen() + " system backups failed");
            return ExitCodes.FATAL;
        }
        if (Interrupts.interrupted() && r.forgetFailures() > 0) return 130;
        if (r.copyFailures() > 0 && !ctx.json()) {
            ctx.err.println("Warning: " + r.copyFailures() + " cop" + (r.copyFailures() == 1 ? "y" : "ies")
                    + " to the plan's copy-to repositories failed; the snapshots are saved in their own repositories");
        }
        if (r.forgetFailures() > 0 && !ctx.json()) {
            ctx.err.println("Warning: the retention of " + r.forgetFailures() + " system" + (r.forgetFailures() == 1 ? " was" : "s were")
                    + " not applied (named above); the new snapshots are saved");
        }
        return r.partial() > 0 || r.copyFailures() > 0 || r.forgetFailures() > 0 ? ExitCodes.PARTIAL : ExitCodes.OK;
    }

    /** Prints a plan backup's events: text for people, restic-style JSON lines with --json. */
    private record Printer(Context ctx) implements PlanBackup.Listener {
        @Override
        public void started(String n, String repository) {
            ctx.info("backing up " + n + " to repository '" + repository + "'");
        }

        @Override
        public void warning(String n, String w) {
            // with --json the outcome's warnings are printed with its summary (saved)
            if (!ctx.json()) ctx.err.println("warning: " + n + ": " + w);
        }

        @Override
        public void retentionWarning(String n, String w) {
            ctx.warn(w);
        }

        @Override
        public void saved(SystemBackup.Outcome o) {
            String n = o.system();
            var sum = o.result().summary();
            if (ctx.json()) {
                for (String w : o.warnings()) {
                    ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "warning").put("system", n).put("warning", w));
                }
                // backup's own summary (restic's fields), naming the system: each system's
                // numbers are its own backup's, never the sum of those before it.
                ObjectNode j = BackupCommand.summaryJson(o.result(), o.took().toMillis() / 1000.0, false).put("system", n);
                if (o.anomaly() != null) {
                    ObjectNode a = j.putObject("anomaly");
                    a.put("score", o.anomaly().score().score()).put("threshold", o.anomaly().score().threshold())
                            .put("suspicious", o.suspicious()).put("seconds", Math.round(o.anomalySeconds() * 1000) / 1000.0);
                    var reasons = a.putArray("reasons");
                    o.anomaly().score().reasons().forEach(reasons::add);
                }
                ctx.printJson(j);
            } else {
                ctx.out.println(n + ": snapshot " + o.snapshot().id().shortHex() + " saved (" + sum.totalFilesProcessed()
                        + " files, " + ProgressLine.bytes(sum.totalBytesProcessed()) + ", "
                        + ProgressLine.bytes(sum.dataAdded()) + " new, " + ProgressLine.duration(o.took().toSeconds()) + ")");
            }
            if (o.suspicious() && !ctx.json()) {
                var sc = o.anomaly().score();
                ctx.err.println("warning: " + n + ": snapshot " + o.snapshot().id().shortHex() + " is tagged suspicious: its changes"
                        + " look like ransomware (score " + sc.score() + ", threshold " + sc.threshold() + "): "
                        + String.join("; ", sc.reasons().subList(0, Math.min(3, sc.reasons().size())))
                        + ". See `lifeboat anomalies " + n + "`; `lifeboat recover --clean --systems " + n + "` restores the snapshot from before it");
            }
        }

        @Override
        public void copied(String n, SystemCopies.Copy c) {
            if (ctx.json()) {
                ObjectNode j = Json.MAPPER.createObjectNode().put("message_type", "copy").put("system", n)
                        .put("from", c.from()).put("repository", c.to()).put("snapshot_id", c.snapshot())
                        .put("result", c.failed() ? "failed" : c.alreadyThere() ? "already_there" : "copied")
                        .put("catch_up", c.catchUp());
                if (c.copy() != null) j.put("copy_id", c.copy());
                if (c.error() != null) j.put("error", c.error());
                ctx.printJson(j);
            } else if (c.failed()) {
                ctx.err.println("error: " + n + ": copy of snapshot " + c.snapshot().substring(0, 8) + " from '" + c.from()
                        + "' to '" + c.to() + "' failed: " + c.error());
            } else {
                ctx.out.println(n + ": " + (c.catchUp() ? "missed earlier: " : "") + "snapshot " + c.snapshot().substring(0, 8)
                        + (c.alreadyThere() ? " already in '" : " copied to '") + c.to() + "' as " + c.copy().substring(0, 8));
            }
        }

        @Override
        public void failed(String n, Exception e) {
            if (ctx.json()) {
                ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "error").put("system", n)
                        .put("error", String.valueOf(e.getMessage())));
            } else {
                ctx.err.println("error: backup of system '" + n + "' failed: " + e.getMessage());
            }
        }

        @Override
        public void noSources(String n) {
            ctx.err.println("error: system '" + n + "' has no backup sources");
        }

        @Override
        public void retention(SystemSpec s, SystemRetention.Result r) {
            ForgetCommand.render(ctx, s, r);
        }

        @Override
        public void retentionFailed(Exception e) {
            ctx.err.println("error: the retention of the systems backed up was not applied: " + e.getMessage());
        }
    }
}
