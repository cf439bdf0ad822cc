package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.StepResult;

/**
 * One system in a drill: what was restored, how long each phase took, and the targets.
 * rtoMeasured: from the drill's start until the system's checks passed (null when it never came
 * back). rpoAchieved: the age of the restored snapshot at the drill's start. worstGap: the largest
 * gap between consecutive snapshots (and from the newest to now) in the look-back window.
 * Phases: timeToFirstByte (the system's start to its first restored byte), restoreTime (data restore
 * steps), startTime (command steps: starting services), checkTime (until the checks passed).
 */
public record DrillSystem(String name, int wave, Outcome result, List<String> reasons, String snapshot,
                          Instant snapshotTime, long bytesRestored, Duration rpoTarget, Duration rpoAchieved,
                          Duration worstGap, Duration rtoTarget, Duration rtoMeasured, Instant started, Instant finished,
                          Duration timeToFirstByte, Duration restoreTime, Duration startTime, Duration checkTime,
                          Verification verification, List<StepResult> steps, List<CheckResult> checks) {

    public enum Outcome {
        PASSED, FAILED, BLOCKED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Outcome parse(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * The drill's own checks of the restored data: files compared with the snapshot (contentChecked
     * of filesCompared read and hashed), and the repository check of the packs the snapshot uses.
     */
    public record Verification(long filesCompared, long contentChecked, long differences, long packsChecked,
                               List<String> problems) {
        public static final Verification NONE = new Verification(0, 0, 0, 0, List.of());

        public boolean ok() {
            return differences == 0 && problems.isEmpty();
        }
    }
}
