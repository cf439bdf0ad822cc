package org.lifeboat.prune;

import org.lifeboat.repository.RepositoryException;

/**
 * Prune refuses or stops: the message is one sentence saying why and what to do (a missing tree:
 * run repair snapshots; an index naming missing packs: run repair index). What was stored is never
 * lost: nothing is removed before the new index names every blob kept.
 */
public final class PruneException extends RepositoryException {
    private static final long serialVersionUID = 1L;

    public PruneException(String message) {
        super(message);
    }

    public PruneException(String message, Throwable cause) {
        super(message, cause);
    }
}
