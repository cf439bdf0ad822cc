package org.lifeboat.service;

/**
 * How a job ended, as recorded in the job log.
 *
 * @param result     succeeded, partial (done with warnings: a snapshot with unreadable files), failed or cancelled
 * @param files      files processed, -1 when not counted
 * @param bytes      bytes processed, -1 when not counted
 * @param bytesAdded bytes added to the repository, -1 when not counted
 * @param snapshot   the snapshot made (full hex ID), or null
 * @param message    one line for people: the summary or the error
 */
public record JobOutcome(String result, long files, long bytes, long bytesAdded, String snapshot, String message) {
    /** Succeeded, nothing counted. */
    public static JobOutcome succeeded(String message) {
        return new JobOutcome(org.lifeboat.state.JobRun.SUCCEEDED, -1, -1, -1, null, message);
    }

    /** Failed with {@code message}, nothing counted. */
    public static JobOutcome failed(String message) {
        return new JobOutcome(org.lifeboat.state.JobRun.FAILED, -1, -1, -1, null, message);
    }
}
