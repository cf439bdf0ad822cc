package org.lifeboat.recovery;

import java.time.Duration;
import java.time.Instant;

/**
 * One restore step as it ran. {@code pid} is set for a process left running (a background command
 * or a database server Lifeboat started), {@code log} for where its output goes.
 * {@code firstByte} is when the first restored byte was written (null when not measured).
 */
public record StepResult(int index, String kind, String description, Outcome result, String detail, Instant started,
                         Instant firstByte, Instant finished, long bytes, Long pid, String log) {
    public enum Outcome { OK, FAILED, SKIPPED }

    public Duration duration() {
        return started == null || finished == null ? Duration.ZERO : Duration.between(started, finished);
    }
}
