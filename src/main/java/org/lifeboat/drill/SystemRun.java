package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;

/**
 * One system in one recorded drill, as history and forecasts need it. {@code started} is the
 * drill's start; durations are null where the drill measured nothing (a system that never came
 * back has no measured RTO).
 */
public record SystemRun(String drillId, Instant started, String name, DrillSystem.Outcome result, Duration rtoTarget,
                        Duration rtoMeasured, Duration rpoTarget, Duration rpoAchieved, Duration worstGap,
                        long bytesRestored, Duration restoreTime) {}
