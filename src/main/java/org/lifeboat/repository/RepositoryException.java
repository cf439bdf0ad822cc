package org.lifeboat.repository;

import java.io.IOException;

/** The repository is missing, malformed or damaged; the message says what and where. */
public class RepositoryException extends IOException {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
