package org.lifeboat.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A whole recovery: the site, the waves, and each system's result in recovery order. */
public record RecoveryResult(String site, String planHash, boolean dryRun, Instant started, Instant finished,
                             List<List<String>> waves, List<SystemResult> systems) {

    public boolean recovered() {
        return systems.stream().allMatch(s -> s.result() == SystemResult.Outcome.RECOVERED);
    }

    public Duration duration() {
        return Duration.between(started, finished);
    }

    /** Time from the start of the recovery until this system was back: what its RTO is measured against. */
    public Duration elapsed(SystemResult s) {
        return s.finished() == null ? null : Duration.between(started, s.finished());
    }

    /** The data this system lost: from its snapshot to the start of the recovery. */
    public Duration dataLoss(SystemResult s) {
        return s.snapshotTime() == null ? null : Duration.between(s.snapshotTime(), started);
    }
}
