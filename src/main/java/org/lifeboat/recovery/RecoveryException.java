package org.lifeboat.recovery;

/** A recovery or system backup cannot go on; the message says what the operator must know. */
public final class RecoveryException extends Exception {
    public RecoveryException(String message) {
        super(message);
    }

    public RecoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
