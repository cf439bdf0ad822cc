package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import org.lifeboat.plan.Durations;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.RecoveryResult;
import org.lifeboat.recovery.ResultJson;
import org.lifeboat.recovery.StepResult;
import org.lifeboat.recovery.SystemResult;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Snapshot;

/** How a recovery looks to the operator: live lines, the final table, and the JSON document. */
final class RecoveryOutput {
    private RecoveryOutput() {}

    /** One line per event, with the time: readable on a terminal and in a log. */
    static Recovery.Listener live(Context ctx) {
        if (ctx.quiet()) return new Recovery.Listener() {};
        PrintStream out = ctx.out;
        return new Recovery.Listener() {
            @Override
            public void systemStarted(String system, int wave, Snapshot snapshot) {
                say(out, "wave " + wave + ": " + system + ": recovering"
                        + (snapshot == null ? "" : " from snapshot " + snapshot.id().shortHex() + " of " + Plans.time(snapshot.time().toInstant())));
            }

            @Override
            public void stepStarted(String system, int index, org.lifeboat.plan.Step step) {
                say(out, system + ": step " + index + ": " + step.describe());
            }

            @Override
            public void stepFinished(String system, StepResult r) {
                say(out, system + ": step " + r.index() + " " + (r.result() == StepResult.Outcome.OK ? "done" : "FAILED")
                        + " in " + Durations.format(r.duration()) + (r.detail() == null ? "" : ": " + r.detail()));
            }

            @Override
            public void checkFinished(String system, CheckResult r) {
                say(out, system + ": check " + r.kind() + " " + (r.passed() ? "passed" : "FAILED") + ": " + r.description()
                        + (r.passed() ? "" : ": " + r.detail()));
            }

            @Override
            public void note(String system, String note) {
                say(out, system + ": " + note);
            }

            @Override
            public void systemFinished(SystemResult r) {
                say(out, r.name() + ": " + r.result().json().toUpperCase(java.util.Locale.ROOT)
                        + (r.reason() == null ? "" : " (" + r.reason() + ")"));
            }
        };
    }

    private static synchronized void say(PrintStream out, String s) {
        out.println("[" + Plans.clock(Instant.now()) + "] " + s);
        out.flush();
    }

    static void table(Context ctx, RecoveryResult res) {
        Table t = new Table("SYSTEM", "WAVE", "RESULT", "SNAPSHOT", "DATA LOSS", "START", "END", "DURATION", "BACK AFTER",
                "RTO", "CHECKS");
        for (SystemResult s : res.systems()) {
            Duration back = res.elapsed(s);
            long passed = s.checks().stream().filter(CheckResult::passed).count();
            String rto = s.result() != SystemResult.Outcome.RECOVERED ? Durations.format(s.rtoTarget())
                    : Durations.format(s.rtoTarget()) + (back.compareTo(s.rtoTarget()) <= 0 ? " met" : " MISSED");
            t.row(s.name(), s.wave(), s.result().json(), s.snapshot() == null ? "-" : s.snapshot().substring(0, 8),
                    loss(res, s), Plans.clock(s.started()),
                    Plans.clock(s.finished()), s.started() == null ? "-" : Durations.format(s.duration()),
                    s.result() == SystemResult.Outcome.RECOVERED ? Durations.format(back) : "-", rto,
                    s.checks().isEmpty() ? "-" : passed + "/" + s.checks().size());
        }
        ctx.out.println();
        t.print(ctx.out);
        ctx.out.println();
        long ok = res.systems().stream().filter(s -> s.result() == SystemResult.Outcome.RECOVERED).count();
        ctx.out.println((res.recovered() ? "recovered" : "NOT recovered") + ": " + ok + " of " + res.systems().size()
                 + " systems back into site " + (res.site() == null ? "(the plan has no sites)" : res.site()) + " in " + Durations.format(res.duration()));
        for (SystemResult s : res.systems()) {
            if (s.reason() != null) ctx.out.println("  " + s.name() + " " + s.result().json() + ": " + s.reason());
        }
    }

    /** The data loss for the table: "-" when unknown, never negative (a snapshot dated in the future says so). */
    private static String loss(RecoveryResult res, SystemResult s) {
        Duration d = res.dataLoss(s);
        if (d == null) return "-";
        return d.isNegative() ? org.lifeboat.recovery.SystemSnapshots.CLOCK_SKEW : Durations.format(d);
    }

    static ObjectNode json(RecoveryResult res) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("site", res.site());
        o.put("result", res.recovered() ? "recovered" : "failed");
        o.put("plan_hash", res.planHash());
        o.put("started", str(res.started()));
        o.put("finished", str(res.finished()));
        o.put("duration_seconds", seconds(res.duration()));
        ArrayNode waves = o.putArray("waves");
        for (var w : res.waves()) {
            ArrayNode a = waves.addArray();
            w.forEach(a::add);
        }
        ArrayNode systems = o.putArray("systems");
        for (SystemResult s : res.systems()) systems.add(system(res, s));
        return o;
    }

    static ObjectNode system(RecoveryResult res, SystemResult s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", s.name());
        o.put("wave", s.wave());
        o.put("result", s.result().json());
        if (s.reason() != null) o.put("reason", s.reason());
        o.put("snapshot", s.snapshot());
        o.put("snapshot_time", str(s.snapshotTime()));
        o.put("repository", s.repository());
        o.put("started", str(s.started()));
        o.put("finished", str(s.finished()));
        o.put("rpo_target_seconds", s.rpoTarget().toSeconds());
        o.put("rto_target_seconds", s.rtoTarget().toSeconds());
        Duration loss = res.dataLoss(s);
        // Never negative: a snapshot dated after the recovery's start has no known data loss.
        if (loss != null && loss.isNegative()) o.put("snapshot_in_future", true);
        else if (loss != null) o.put("data_loss_seconds", seconds(loss));
        Duration back = res.elapsed(s);
        if (back != null && s.result() == SystemResult.Outcome.RECOVERED) o.put("recovery_seconds", seconds(back));
        ArrayNode steps = o.putArray("steps");
        for (StepResult r : s.steps()) steps.add(ResultJson.step(r));
        ArrayNode checks = o.putArray("checks");
        for (CheckResult c : s.checks()) checks.add(ResultJson.check(c));
        return o;
    }

    static String str(Instant t) {
        return t == null ? null : t.toString();
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
