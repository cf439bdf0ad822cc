package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot as restic stores it. {@code id} is the storage ID (null until saved). {@code summary}
 * is restic's newer backup summary (ignored by restic 0.14, which still reads the snapshot).
 */
public record Snapshot(Id id, OffsetDateTime time, Id parent, Id tree, List<String> paths, String hostname,
                       String username, long uid, long gid, List<String> excludes, List<String> tags,
                       Id original, String programVersion, Summary summary) {

    /** Backup statistics, in restic's newer {@code summary} field names. */
    public record Summary(OffsetDateTime backupStart, OffsetDateTime backupEnd, long filesNew, long filesChanged,
                          long filesUnmodified, long dirsNew, long dirsChanged, long dirsUnmodified,
                          long dataBlobs, long treeBlobs, long dataAdded, long dataAddedPacked,
                          long totalFilesProcessed, long totalBytesProcessed, long errors) {}

    public Snapshot withId(Id newId) {
        return new Snapshot(newId, time, parent, tree, paths, hostname, username, uid, gid, excludes, tags,
                original, programVersion, summary);
    }

    public Snapshot withTags(List<String> newTags) {
        return new Snapshot(id, time, parent, tree, paths, hostname, username, uid, gid, excludes, newTags,
                original, programVersion, summary);
    }

    public boolean hasTag(String t) {
        return tags != null && tags.contains(t);
    }

    static Snapshot parse(Id id, byte[] json) throws RepositoryException {
        try {
            JsonNode j = Json.MAPPER.readTree(json);
            if (!j.hasNonNull("tree")) throw new RepositoryException("snapshot " + id.shortHex() + " has no tree");
            Summary s = null;
            JsonNode sj = j.get("summary");
            if (sj != null && sj.isObject()) {
                s = new Summary(optTime(sj, "backup_start"), optTime(sj, "backup_end"), sj.path("files_new").asLong(),
                        sj.path("files_changed").asLong(), sj.path("files_unmodified").asLong(),
                        sj.path("dirs_new").asLong(), sj.path("dirs_changed").asLong(),
                        sj.path("dirs_unmodified").asLong(), sj.path("data_blobs").asLong(),
                        sj.path("tree_blobs").asLong(), sj.path("data_added").asLong(),
                        sj.path("data_added_packed").asLong(), sj.path("total_files_processed").asLong(),
                        sj.path("total_bytes_processed").asLong(), sj.path("lifeboat_errors").asLong());
            }
            return new Snapshot(id, time(j.path("time"), "time"), optId(j, "parent"), Id.parse(j.get("tree").asText()),
                    strings(j, "paths"), text(j, "hostname"), text(j, "username"), j.path("uid").asLong(),
                    j.path("gid").asLong(), strings(j, "excludes"), strings(j, "tags"), optId(j, "original"),
                    text(j, "program_version"), s);
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException("snapshot " + id.shortHex() + " is malformed: " + e.getMessage(), e);
        }
    }

    private static OffsetDateTime optTime(JsonNode j, String f) {
        return j.hasNonNull(f) ? time(j.get(f), f) : null;
    }

    /** A time field; a malformed one is named with its value ("its "time" field 'x' is not a time"). */
    private static OffsetDateTime time(JsonNode v, String field) {
        String t = v.asText();
        try {
            return Times.parse(t);
        } catch (RuntimeException e) {
            String shown = t.length() > 40 ? t.substring(0, 40) + "…" : t;
            throw new IllegalArgumentException("its \"" + field + "\" field '" + shown + "' is not a time", e);
        }
    }

    private static Id optId(JsonNode j, String f) {
        return j.hasNonNull(f) ? Id.parse(j.get(f).asText()) : null;
    }

    private static String text(JsonNode j, String f) {
        return j.hasNonNull(f) ? j.get(f).asText() : null;
    }

    private static List<String> strings(JsonNode j, String f) {
        List<String> out = new ArrayList<>();
        JsonNode a = j.get(f);
        if (a != null && a.isArray()) a.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** Encodes in restic's field order, omitting empty optional fields as restic does. */
    byte[] toJson() {
        ObjectNode o = toJsonNode(false);
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON object; with {@code withId}, also "id" and "short_id" as restic's {@code snapshots --json}. */
    public ObjectNode toJsonNode(boolean withId) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("time", Times.format(time));
        if (parent != null) o.put("parent", parent.hex());
        o.put("tree", tree.hex());
        array(o, "paths", paths, true);
        if (hostname != null && !hostname.isEmpty()) o.put("hostname", hostname);
        if (username != null && !username.isEmpty()) o.put("username", username);
        if (uid != 0) o.put("uid", uid);
        if (gid != 0) o.put("gid", gid);
        array(o, "excludes", excludes, false);
        array(o, "tags", tags, false);
        if (original != null) o.put("original", original.hex());
        if (programVersion != null) o.put("program_version", programVersion);
        if (summary != null) {
            ObjectNode s = o.putObject("summary");
            if (summary.backupStart() != null) s.put("backup_start", Times.format(summary.backupStart()));
            if (summary.backupEnd() != null) s.put("backup_end", Times.format(summary.backupEnd()));
            s.put("files_new", summary.filesNew());
            s.put("files_changed", summary.filesChanged());
            s.put("files_unmodified", summary.filesUnmodified());
            s.put("dirs_new", summary.dirsNew());
            s.put("dirs_changed", summary.dirsChanged());
            s.put("dirs_unmodified", summary.dirsUnmodified());
            s.put("data_blobs", summary.dataBlobs());
            s.put("tree_blobs", summary.treeBlobs());
            s.put("data_added", summary.dataAdded());
            s.put("data_added_packed", summary.dataAddedPacked());
            s.put("total_files_processed", summary.totalFilesProcessed());
            s.put("total_bytes_processed", summary.totalBytesProcessed());
            if (summary.errors() > 0) s.put("lifeboat_errors", summary.errors());
        }
        if (withId && id != null) {
            o.put("id", id.hex());
            o.put("short_id", id.shortHex());
        }
        return o;
    }

    private static void array(ObjectNode o, String f, List<String> l, boolean always) {
        if (l == null || l.isEmpty()) {
            if (always) o.putArray(f);
            return;
        }
        ArrayNode a = o.putArray(f);
        l.forEach(a::add);
    }
}
