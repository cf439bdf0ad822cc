package org.lifeboat.cli;

/** restic's exit codes, so scripts written for restic work unchanged. */
final class ExitCodes {
    static final int OK = 0;
    static final int FATAL = 1;
    static final int PARTIAL = 3;
    static final int NO_REPOSITORY = 10;
    static final int LOCKED = 11;
    static final int WRONG_PASSWORD = 12;

    private ExitCodes() {}
}
