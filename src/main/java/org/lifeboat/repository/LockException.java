package org.lifeboat.repository;

/** Another process holds a conflicting lock; the message names it. */
public final class LockException extends RepositoryException {
    public LockException(String message) {
        super(message);
    }
}
