package org.lifeboat.backend;

import java.time.Instant;

/**
 * What {@link Backend#stat} tells of one file.
 *
 * @param size        its length in bytes (-1 for a lock entry that is not a regular file)
 * @param modified    when it was written, or null if the backend does not say
 * @param retainUntil until when it cannot be removed (Object Lock retention), or null if it can be
 */
public record FileStat(long size, Instant modified, Instant retainUntil) {}
