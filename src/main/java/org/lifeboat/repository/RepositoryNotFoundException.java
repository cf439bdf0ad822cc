package org.lifeboat.repository;

/** There is no repository (no config file) at the location. */
public final class RepositoryNotFoundException extends RepositoryException {
    public RepositoryNotFoundException(String message) {
        super(message);
    }
}
