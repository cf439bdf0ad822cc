package org.lifeboat.prune;

import java.time.Instant;

/**
 * What a prune tells its caller as it goes (the CLI renders it; an engine prints nothing). Called
 * from the prune's threads, possibly several at once for {@link #progress}.
 */
public interface PruneListener {
    /** A listener that ignores everything. */
    PruneListener NONE = new PruneListener() {};

    /** A step starts, in restic's words ("loading all snapshots...", "repacking packs", "rebuilding index", …). */
    default void step(String message) {}

    /**
     * Progress within a step: {@code done} of {@code total} units ({@code what}: "snapshots",
     * "packs repacked", "files deleted"); total may be 0 when unknown.
     */
    default void progress(String what, long done, long total) {}

    /**
     * A file the storage keeps under retention (S3 Object Lock) until {@code until}, or that a
     * remaining index file still names ({@code until} null), so it was left in place (not an error).
     *
     * @param file restic's name, e.g. {@code data/1a/1a2b…} or {@code index/3c4d…}
     */
    default void skipped(String file, Instant until, String why) {}

    /** Something worth saying that does not stop the prune (a pack that could not be removed, a missing pack forgotten). */
    default void warning(String message) {}
}
