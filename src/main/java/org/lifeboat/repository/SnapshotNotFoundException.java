package org.lifeboat.repository;

/** A snapshot argument matched none, or more than one, snapshot. */
public final class SnapshotNotFoundException extends RepositoryException {
    public SnapshotNotFoundException(String message) {
        super(message);
    }
}
