package org.lifeboat.copy;

import org.lifeboat.repository.RepositoryException;

/**
 * A snapshot could not be copied (a blob of it cannot be read from the source, or a tree of it is
 * malformed): the message names the snapshot and the blob. No snapshot was written for it.
 */
public final class CopyException extends RepositoryException {
    private static final long serialVersionUID = 1L;

    CopyException(String message, Throwable cause) {
        super(message, cause);
    }
}
