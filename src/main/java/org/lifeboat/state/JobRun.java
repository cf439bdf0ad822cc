package org.lifeboat.state;

import java.time.Duration;
import java.time.Instant;

/**
 * One job the service ran (or runs): a backup, copy, check, prune or drill of one system.
 *
 * @param id unique, sortable by start ({@code 20261202-140000-backup-files-3fa2})
 * @param host the host whose service ran it
 * @param kind backup, copy, check, prune or drill
 * @param trigger what started it: schedule, catch-up, retry, manual (dashboard or API), continuous
 * @param finished null while it runs
 * @param result running, succeeded, partial (done with warnings), failed or cancelled
 * @param files files processed, -1 when not known
 * @param bytes bytes processed, -1 when not known
 * @param bytesAdded bytes added to the repository, -1 when not known
 * @param snapshot the snapshot made or checked (full hex ID), or null
 * @param message the error or the summary, one line, or null
 */
public record JobRun(String id, String host, String system, String kind, String trigger, Instant started,
                     Instant finished, String result, long files, long bytes, long bytesAdded, String snapshot,
                     String message) {
    /** A job's results. */
    public static final String RUNNING = "running", SUCCEEDED = "succeeded", PARTIAL = "partial", FAILED = "failed",
            CANCELLED = "cancelled";

    /** How long it ran (so far, for a running job: null). */
    public Duration duration() {
        return finished == null ? null : Duration.between(started, finished);
    }

    /** True once it ended well (succeeded or partial: a snapshot with warnings is still a snapshot). */
    public boolean ok() {
        return SUCCEEDED.equals(result) || PARTIAL.equals(result);
    }

    /**
     * The API's shape ({@code GET /api/jobs/ID}): id, system, host, kind, trigger, started,
     * finished (null while running), result, files, bytes, bytes_added (-1: not counted), snapshot, message.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        var o = org.lifeboat.repository.Json.MAPPER.createObjectNode().put("id", id).put("system", system).put("host", host)
                .put("kind", kind).put("trigger", trigger).put("started", started.toString());
        if (finished == null) o.putNull("finished");
        else o.put("finished", finished.toString());
        return o.put("result", result).put("files", files).put("bytes", bytes).put("bytes_added", bytesAdded)
                .put("snapshot", snapshot).put("message", message);
    }
}
