package org.lifeboat.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import org.lifeboat.repository.Json;

/** Steps and checks as JSON, the same in recover's output and in drill reports (and read back from the store). */
public final class ResultJson {
    private ResultJson() {}

    public static ObjectNode step(StepResult r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("index", r.index()).put("kind", r.kind()).put("description", r.description())
                .put("result", r.result().name().toLowerCase(Locale.ROOT)).put("detail", r.detail())
                .put("started", str(r.started()));
        if (r.firstByte() != null) o.put("first_byte", str(r.firstByte()));
        o.put("finished", str(r.finished()));
        if (r.started() != null && r.finished() != null) o.put("duration_seconds", r.duration().toMillis() / 1000.0);
        if (r.bytes() > 0) o.put("bytes", r.bytes());
        if (r.pid() != null) o.put("pid", r.pid());
        // A command's output file, or the folder of a database server the step created.
        if (r.log() != null) o.put(r.kind().equals("command") ? "log" : "server_dir", r.log());
        return o;
    }

    public static ObjectNode check(CheckResult c) {
        return Json.MAPPER.createObjectNode().put("kind", c.kind()).put("description", c.description())
                .put("result", c.passed() ? "passed" : "failed").put("detail", c.detail()).put("attempts", c.attempts())
                .put("started", str(c.started())).put("finished", str(c.finished()));
    }

    public static StepResult readStep(JsonNode r) {
        String log = text(r, "log");
        return new StepResult(r.path("index").asInt(), text(r, "kind"), text(r, "description"),
                StepResult.Outcome.valueOf(text(r, "result").toUpperCase(Locale.ROOT)), text(r, "detail"),
                time(r, "started"), time(r, "first_byte"), time(r, "finished"), r.path("bytes").asLong(),
                r.has("pid") ? r.get("pid").asLong() : null, log != null ? log : text(r, "server_dir"));
    }

    public static CheckResult readCheck(JsonNode c) {
        return new CheckResult(text(c, "kind"), text(c, "description"), "passed".equals(text(c, "result")),
                text(c, "detail"), c.path("attempts").asInt(), time(c, "started"), time(c, "finished"));
    }

    private static String text(JsonNode o, String k) {
        JsonNode v = o.get(k);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(JsonNode o, String k) {
        String s = text(o, k);
        return s == null ? null : Instant.parse(s);
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }
}
