package org.lifeboat.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How one system's recovery went. {@code reason} says why it failed or was blocked;
 * {@code snapshotTime} is the point its data comes from (the data loss is the recovery's start
 * minus it).
 */
public record SystemResult(String name, int wave, Outcome result, String reason, String snapshot, Instant snapshotTime,
                           String repository, Instant started, Instant finished, Duration rpoTarget, Duration rtoTarget,
                           List<StepResult> steps, List<CheckResult> checks) {
    public enum Outcome {
        RECOVERED, FAILED, BLOCKED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Duration duration() {
        return started == null || finished == null ? Duration.ZERO : Duration.between(started, finished);
    }
}
