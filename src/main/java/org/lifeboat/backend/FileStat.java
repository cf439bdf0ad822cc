package org.lifeboat.backend;

import java.time.Instant;

/**
 * What {@link Backend#stat} tells of one file.
 *
 * @param size          its length in bytes (-1 for a lock entry that is not a regular file)
 * @param modified      when it was written, or null if the backend does not say
 * @param retainUntil   until when it cannot be removed (Object Lock retention), or null if it can be
 * @param retentionMode the mode of that retention (GOVERNANCE can be bypassed, COMPLIANCE cannot),
 *     {@link PutOptions.Retention#NONE} when there is none or the backend does not say
 */
public record FileStat(long size, Instant modified, Instant retainUntil, PutOptions.Retention retentionMode) {
    /** Null mode means none. */
    public FileStat {
        if (retentionMode == null) retentionMode = PutOptions.Retention.NONE;
    }

    /** A stat whose retention mode is not known ({@link PutOptions.Retention#NONE}). */
    public FileStat(long size, Instant modified, Instant retainUntil) {
        this(size, modified, retainUntil, PutOptions.Retention.NONE);
    }
}
