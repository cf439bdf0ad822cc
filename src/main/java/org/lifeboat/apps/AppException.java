package org.lifeboat.apps;

import java.io.IOException;
import java.time.Duration;

/**
 * An external tool (pg_dump, mariadb, initdb, ...) failed or could not be run. The message names
 * the command, its exit code and the last lines it wrote to stderr, which is what a user needs to
 * fix the cause (wrong password, missing database, version mismatch, full disk).
 */
public final class AppException extends IOException {
    /** Exit code when the process did not exit on its own (timeout, could not start). */
    public static final int NO_EXIT_CODE = -1;

    private final String command;
    private final int exitCode;
    private final String stderrTail;

    AppException(String message) {
        this(message, null, NO_EXIT_CODE, "", null);
    }

    AppException(String message, Throwable cause) {
        this(message, null, NO_EXIT_CODE, "", cause);
    }

    private AppException(String message, String command, int exitCode, String stderrTail, Throwable cause) {
        super(message, cause);
        this.command = command;
        this.exitCode = exitCode;
        this.stderrTail = stderrTail;
    }

    /** {@code command} exited with {@code exitCode}; stderrTail is what it last wrote to stderr. */
    static AppException failed(String command, int exitCode, String stderrTail) {
        String tail = stderrTail == null ? "" : stderrTail.strip();
        String message = command + " failed with exit code " + exitCode
                + (tail.isEmpty() ? " and wrote nothing to stderr" : ":\n" + tail);
        return new AppException(message, command, exitCode, tail, null);
    }

    /** {@code command} ran longer than allowed and was killed. */
    static AppException timedOut(String command, Duration timeout, String stderrTail) {
        String tail = stderrTail == null ? "" : stderrTail.strip();
        String message = command + " did not finish within " + Exec.human(timeout) + " and was killed"
                + (tail.isEmpty() ? "" : "; its last output on stderr:\n" + tail);
        return new AppException(message, command, NO_EXIT_CODE, tail, null);
    }

    /** {@code command}, whose output was being streamed, passed its deadline and was killed. */
    static AppException streamTimedOut(String command, Duration timeout, String stderrTail) {
        String tail = stderrTail == null ? "" : stderrTail.strip();
        String message = command + " timed out after " + Exec.human(timeout) + " and was killed"
                + (tail.isEmpty() ? "" : "; its last output on stderr:\n" + tail);
        return new AppException(message, command, NO_EXIT_CODE, tail, null);
    }

    /** The same failure with {@code extra} appended to the message (a hint or a log file's tail). */
    AppException withDetail(String extra) {
        AppException e = new AppException(getMessage() + "\n" + extra, command, exitCode, stderrTail, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The same failure with every occurrence of {@code secret} masked (tools may echo SQL we fed them). */
    AppException redact(String secret) {
        if (secret == null || secret.isEmpty()) return this;
        AppException e = new AppException(getMessage().replace(secret, "***"), command, exitCode,
                stderrTail.replace(secret, "***"), getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The command that failed (program name and arguments), or null if the failure was not a process's. */
    public String command() {
        return command;
    }

    /** The exit code, or {@link #NO_EXIT_CODE} if the process did not exit on its own. */
    public int exitCode() {
        return exitCode;
    }

    /** The last lines the process wrote to stderr ("" if none). */
    public String stderrTail() {
        return stderrTail;
    }
}
