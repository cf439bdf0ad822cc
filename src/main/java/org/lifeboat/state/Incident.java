package org.lifeboat.state;

import java.time.Instant;

/**
 * One alert incident: a condition of one system on one host, open from {@code since} until
 * {@code resolved} (null while open). One incident raises one alert and one recovery notice,
 * however many checks see it.
 *
 * @param kind rpo_breached, job_failed, drill_failed, drill_overdue or rto_at_risk
 * @param detailsJson a JSON object with the figures (ages and targets in seconds)
 */
public record Incident(String id, String host, String system, String kind, Instant since, String message,
                       String detailsJson, Instant resolved) {
    /** Whether it is still open (not resolved). */
    public boolean open() {
        return resolved == null;
    }
}
