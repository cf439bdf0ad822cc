package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;

/**
 * One recorded drill in a listing. {@code failed} counts the systems that did not pass (failed or
 * blocked); {@code duration} is null when the drill has no finish time.
 */
public record DrillSummary(String id, Instant started, String site, boolean passed, int systems, int failed,
                           Duration duration) {}
