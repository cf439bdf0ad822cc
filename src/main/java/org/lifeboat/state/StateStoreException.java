package org.lifeboat.state;

/** The state store cannot be used; the message names the database file and says what to do. */
public final class StateStoreException extends Exception {
    public StateStoreException(String message) {
        super(message);
    }

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
