package org.lifeboat.cli;

/** An error caused by the user's input: printed as one sentence, no stack trace. */
final class UserException extends RuntimeException {
    private final int exitCode;

    UserException(String message) {
        this(message, ExitCodes.FATAL);
    }

    UserException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
