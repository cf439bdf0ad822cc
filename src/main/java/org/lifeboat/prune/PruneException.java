package org.lifeboat.prune;

import java.util.List;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.RepositoryException;

/**
 * Prune refuses or stops: the message is one sentence saying why and what to do (a missing tree:
 * run repair snapshots; an index naming missing packs: run repair index). What was stored is never
 * lost: nothing is removed before the new index names every blob kept. {@link #advice()} says the
 * step the message names as a value, so that callers act on it without reading the wording.
 */
public final class PruneException extends RepositoryException {
    private static final long serialVersionUID = 1L;

    /** What to run when data the snapshots use is missing from the index. */
    public enum Advice {
        /** Not a case of missing data: the message says what to do. */
        IN_MESSAGE,
        /** Packs no index names hold blobs the index lacks: {@code repair index} reads them. */
        REPAIR_INDEX,
        /**
         * Packs no index names cannot be read and may hold the data ({@link #packs()}): {@code repair
         * packs} with their IDs (it keeps a copy of each), before the snapshots are cut.
         */
        REPAIR_PACKS,
        /** No pack outside the index can hold it: the data is gone, {@code repair snapshots --forget}. */
        REPAIR_SNAPSHOTS
    }

    private final Advice advice;
    private final transient List<Id> packs;

    public PruneException(String message) {
        this(message, Advice.IN_MESSAGE, List.of());
    }

    public PruneException(String message, Throwable cause) {
        super(message, cause);
        this.advice = Advice.IN_MESSAGE;
        this.packs = List.of();
    }

    /**
     * @param advice the step the message names
     * @param packs  the packs that step is for ({@link Advice#REPAIR_PACKS}), else empty
     */
    public PruneException(String message, Advice advice, List<Id> packs) {
        super(message);
        this.advice = advice;
        this.packs = List.copyOf(packs);
    }

    /** The step the message names. */
    public Advice advice() {
        return advice;
    }

    /** The packs {@link Advice#REPAIR_PACKS} is for (full IDs), else empty. */
    public List<Id> packs() {
        return packs == null ? List.of() : packs;
    }
}
