package org.lifeboat.repository;

import java.time.Instant;

/**
 * A file could not be removed because the storage keeps it under retention (S3 Object Lock):
 * the message names the file and the end of its retention; nothing was removed.
 */
public final class RetainedException extends RepositoryException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final transient Instant until;

    /**
     * @param file     the file, e.g. "keys/1a2b…"
     * @param until    the end of its retention
     * @param location the repository, for the message
     * @param more     the rest of the sentence ("" or "; …")
     */
    RetainedException(String file, Instant until, String location, String more) {
        super(file + " in " + location + " is locked by the storage's retention (S3 Object Lock) until "
                + until.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " and cannot be removed before then; nothing was removed"
                + more);
        this.file = file;
        this.until = until;
    }

    /** The file, as "keys/ID", "data/ID", "snapshots/ID", "index/ID", "locks/ID" or "config". */
    public String file() {
        return file;
    }

    /** When its retention ends. */
    public Instant until() {
        return until;
    }
}
