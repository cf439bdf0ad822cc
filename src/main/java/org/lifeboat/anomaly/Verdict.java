package org.lifeboat.anomaly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.repository.Json;

/**
 * One snapshot's score, with the signals it was computed from: what the state keeps and
 * {@code lifeboat anomalies} shows.
 *
 * @param system the plan system
 * @param snapshot the snapshot's ID (64 hex digits)
 * @param parent the snapshot compared with, or null for a first snapshot
 * @param time the snapshot's time
 * @param signals what changed
 * @param score how unusual it is
 * @param late true when scored after the backup (a snapshot restic or an older Lifeboat wrote):
 *     it was never tagged, whatever its score
 */
public record Verdict(String system, String snapshot, String parent, OffsetDateTime time, Signals signals,
                      Scorer.Score score, boolean late) {

    /**
     * The JSON of {@code lifeboat anomalies --json}, one object per snapshot (a contract):
     * {@code {"snapshot", "system", "score", "suspicious", "signals": {name: value, ...}}}, and
     * {@code scored_as}, {@code time}, {@code parent} (as scored), {@code threshold}, {@code late}, {@code baseline} and
     * {@code points} (per signal), {@code counts}, {@code reasons}, {@code examples}, {@code history}.
     *
     * @param current the snapshot's ID now (64 hex digits): a snapshot whose tags changed is a new
     *     file, and {@code "snapshot"} must name one that exists; the ID it was scored as is then
     *     {@code "scored_as"}
     * @param suspicious whether the snapshot carries the {@code suspicious} tag now (not the score's
     *     verdict: a person may have removed the tag, a late score never added it)
     */
    public ObjectNode toJson(String current, boolean suspicious) {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("snapshot", current).put("system", system).put("score", score.score()).put("suspicious", suspicious);
        ObjectNode sig = j.putObject("signals");
        ObjectNode base = Json.MAPPER.createObjectNode();
        ObjectNode pts = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, Scorer.Part> e : score.parts().entrySet()) {
            // counts are whole numbers (ransom_notes), shares fractions
            if (e.getKey().equals("ransom_notes")) sig.put(e.getKey(), (long) e.getValue().value());
            else sig.put(e.getKey(), round(e.getValue().value()));
            base.put(e.getKey(), round(e.getValue().baseline()));
            pts.put(e.getKey(), round(e.getValue().points()));
        }
        if (!current.equals(snapshot)) j.put("scored_as", snapshot);
        j.put("time", time.toString());
        j.put("parent", parent);
        j.put("threshold", score.threshold());
        j.put("late", late);
        j.set("baseline", base);
        j.set("points", pts);
        j.set("counts", counts(signals));
        ArrayNode r = j.putArray("reasons");
        score.reasons().forEach(r::add);
        ArrayNode ex = j.putArray("examples");
        signals.examples().forEach(ex::add);
        j.put("history", score.history());
        return j;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    /** The raw counts of {@code s}, by snake_case name (stored, and shown as {@code counts}). */
    public static ObjectNode counts(Signals s) {
        return Json.MAPPER.createObjectNode()
                .put("files_before", s.filesBefore()).put("files_after", s.filesAfter())
                .put("added", s.added()).put("deleted", s.deleted()).put("modified", s.modified())
                .put("renamed", s.renamed()).put("extension_changed", s.extensionChanged())
                .put("ransom_notes", s.ransomNotes()).put("ransom_extensions", s.ransomExtensions())
                .put("rewritten", s.rewritten()).put("lost_compression", s.lostCompression())
                .put("modified_bytes", s.modifiedBytes()).put("new_bytes", s.newBytes())
                .put("bytes_before", s.bytesBefore()).put("bytes_after", s.bytesAfter())
                .put("compression_known", s.compressionKnown());
    }

    /** The stored form of {@code s}: its counts and examples. */
    public static ObjectNode signalsJson(Signals s) {
        ObjectNode j = counts(s);
        ArrayNode ex = j.putArray("examples");
        s.examples().forEach(ex::add);
        return j;
    }

    /**
     * Reads what {@link #signalsJson} wrote; missing numbers are 0.
     *
     * @throws IllegalArgumentException when {@code j} is not an object
     */
    public static Signals signalsFromJson(JsonNode j) {
        if (j == null || !j.isObject()) throw new IllegalArgumentException("stored signals are not a JSON object");
        List<String> ex = new ArrayList<>();
        for (JsonNode e : j.path("examples")) if (e.isTextual() && ex.size() < Signals.MAX_EXAMPLES) ex.add(e.asText());
        return new Signals(j.path("files_before").asLong(), j.path("files_after").asLong(), j.path("added").asLong(),
                j.path("deleted").asLong(), j.path("modified").asLong(), j.path("renamed").asLong(),
                j.path("extension_changed").asLong(), j.path("ransom_notes").asLong(), j.path("ransom_extensions").asLong(),
                j.path("rewritten").asLong(), j.path("lost_compression").asLong(), j.path("modified_bytes").asLong(),
                j.path("new_bytes").asLong(), j.path("bytes_before").asLong(), j.path("bytes_after").asLong(),
                j.path("compression_known").asBoolean(true), ex);
    }

    /** The stored form of a score: its parts, reasons and history length. */
    public static ObjectNode scoreJson(Scorer.Score s) {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("score", s.score()).put("threshold", s.threshold()).put("suspicious", s.suspicious()).put("history", s.history());
        ObjectNode parts = j.putObject("parts");
        for (Map.Entry<String, Scorer.Part> e : s.parts().entrySet()) {
            Scorer.Part p = e.getValue();
            parts.putArray(e.getKey()).add(p.value()).add(p.baseline()).add(p.strength()).add(p.points());
        }
        ArrayNode r = j.putArray("reasons");
        s.reasons().forEach(r::add);
        return j;
    }

    /**
     * Reads what {@link #scoreJson} wrote.
     *
     * @throws IllegalArgumentException when {@code j} is not such an object
     */
    public static Scorer.Score scoreFromJson(JsonNode j) {
        if (j == null || !j.isObject()) throw new IllegalArgumentException("a stored score is not a JSON object");
        Map<String, Scorer.Part> parts = new LinkedHashMap<>();
        var it = j.path("parts").fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode a = e.getValue();
            parts.put(e.getKey(), new Scorer.Part(a.path(0).asDouble(), a.path(1).asDouble(), a.path(2).asDouble(), a.path(3).asDouble()));
        }
        List<String> reasons = new ArrayList<>();
        for (JsonNode r : j.path("reasons")) reasons.add(r.asText());
        int threshold = j.path("threshold").asInt(Scorer.DEFAULT_THRESHOLD);
        return new Scorer.Score(j.path("score").asInt(), threshold, j.path("suspicious").asBoolean(), parts, reasons,
                j.path("history").asInt());
    }
}
