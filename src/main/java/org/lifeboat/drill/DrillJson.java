package org.lifeboat.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.ResultJson;
import org.lifeboat.recovery.StepResult;
import org.lifeboat.repository.Json;

/**
 * The drill report as JSON, written by {@code drill --json} and kept in the state store; read back
 * for reports and history. Times RFC 3339, durations in seconds (fractions allowed).
 */
public final class DrillJson {
    private DrillJson() {}

    public static ObjectNode toJson(DrillReport r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", r.id());
        o.put("site", r.site());
        o.put("result", r.passed() ? "passed" : "failed");
        o.put("started", str(r.started()));
        o.put("finished", str(r.finished()));
        o.put("duration_seconds", secs(r.duration()));
        o.put("plan_hash", r.planHash());
        o.put("plan_file", r.planFile());
        o.put("sandbox_root", r.sandboxRoot());
        o.put("kept", r.kept());
        ArrayNode waves = o.putArray("waves");
        for (List<String> w : r.waves()) {
            ArrayNode a = waves.addArray();
            w.forEach(a::add);
        }
        ArrayNode sys = o.putArray("systems");
        for (DrillSystem s : r.systems()) sys.add(system(s));
        ArrayNode left = o.putArray("leftovers");
        r.leftovers().forEach(left::add);
        return o;
    }

    private static ObjectNode system(DrillSystem s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", s.name());
        o.put("wave", s.wave());
        o.put("result", s.result().json());
        ArrayNode reasons = o.putArray("reasons");
        s.reasons().forEach(reasons::add);
        o.put("snapshot", s.snapshot());
        o.put("snapshot_time", str(s.snapshotTime()));
        o.put("bytes_restored", s.bytesRestored());
        putSecs(o, "rpo_target_seconds", s.rpoTarget());
        putSecs(o, "rpo_achieved_seconds", s.rpoAchieved());
        putSecs(o, "rpo_worst_gap_seconds", s.worstGap());
        putSecs(o, "rto_target_seconds", s.rtoTarget());
        putSecs(o, "rto_measured_seconds", s.rtoMeasured());
        o.put("started", str(s.started()));
        o.put("finished", str(s.finished()));
        putSecs(o, "time_to_first_byte_seconds", s.timeToFirstByte());
        putSecs(o, "restore_seconds", s.restoreTime());
        putSecs(o, "start_seconds", s.startTime());
        putSecs(o, "check_seconds", s.checkTime());
        DrillSystem.Verification v = s.verification();
        ObjectNode vo = o.putObject("verification");
        vo.put("files_compared", v.filesCompared()).put("content_checked", v.contentChecked())
                .put("differences", v.differences()).put("packs_checked", v.packsChecked());
        ArrayNode vp = vo.putArray("problems");
        v.problems().forEach(vp::add);
        ArrayNode steps = o.putArray("steps");
        for (StepResult r : s.steps()) steps.add(ResultJson.step(r));
        ArrayNode checks = o.putArray("checks");
        for (CheckResult c : s.checks()) checks.add(ResultJson.check(c));
        return o;
    }

    public static DrillReport fromJson(String text) throws IOException {
        JsonNode o = Json.MAPPER.readTree(text);
        List<List<String>> waves = new ArrayList<>();
        for (JsonNode w : o.path("waves")) waves.add(strings(w));
        List<DrillSystem> systems = new ArrayList<>();
        for (JsonNode s : o.path("systems")) systems.add(system(s));
        return new DrillReport(o.path("id").asText(), text(o, "plan_hash"), text(o, "plan_file"), text(o, "site"),
                text(o, "sandbox_root"), time(o, "started"), time(o, "finished"), "passed".equals(text(o, "result")), waves,
                systems, o.path("kept").asBoolean(), strings(o.path("leftovers")));
    }

    private static DrillSystem system(JsonNode s) {
        List<StepResult> steps = new ArrayList<>();
        for (JsonNode r : s.path("steps")) steps.add(ResultJson.readStep(r));
        List<CheckResult> checks = new ArrayList<>();
        for (JsonNode c : s.path("checks")) checks.add(ResultJson.readCheck(c));
        JsonNode v = s.path("verification");
        DrillSystem.Verification ver = new DrillSystem.Verification(v.path("files_compared").asLong(),
                v.path("content_checked").asLong(), v.path("differences").asLong(), v.path("packs_checked").asLong(),
                strings(v.path("problems")));
        return new DrillSystem(text(s, "name"), s.path("wave").asInt(), DrillSystem.Outcome.parse(text(s, "result")),
                strings(s.path("reasons")), text(s, "snapshot"), time(s, "snapshot_time"), s.path("bytes_restored").asLong(),
                dur(s, "rpo_target_seconds"), dur(s, "rpo_achieved_seconds"), dur(s, "rpo_worst_gap_seconds"),
                dur(s, "rto_target_seconds"), dur(s, "rto_measured_seconds"), time(s, "started"), time(s, "finished"),
                dur(s, "time_to_first_byte_seconds"), dur(s, "restore_seconds"), dur(s, "start_seconds"),
                dur(s, "check_seconds"), ver, steps, checks);
    }

    private static List<String> strings(JsonNode a) {
        List<String> l = new ArrayList<>();
        for (JsonNode x : a) l.add(x.asText());
        return l;
    }

    private static String text(JsonNode o, String k) {
        JsonNode v = o.get(k);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(JsonNode o, String k) {
        String s = text(o, k);
        return s == null ? null : Instant.parse(s);
    }

    private static Duration dur(JsonNode o, String k) {
        JsonNode v = o.get(k);
        return v == null || v.isNull() ? null : Duration.ofNanos(Math.round(v.asDouble() * 1e9));
    }

    private static void putSecs(ObjectNode o, String k, Duration d) {
        if (d == null) o.putNull(k);
        else o.put(k, secs(d));
    }

    static double secs(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }
}
