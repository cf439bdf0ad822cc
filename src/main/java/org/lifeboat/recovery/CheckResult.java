package org.lifeboat.recovery;

import java.time.Instant;

/** One check as it ran: the attempts until it passed or its deadline passed. */
public record CheckResult(String kind, String description, boolean passed, String detail, int attempts, Instant started,
                          Instant finished) {}
