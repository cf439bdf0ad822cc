package org.lifeboat.assess;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Plan;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incident;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.Runbooks;
import org.lifeboat.status.SystemStatus;

/**
 * Everything an assessment looks at, read once ({@link EvidenceReader}): the plan, what the
 * repositories hold and what the state store recorded. Judging it ({@link Assessor}) reads nothing
 * more, so the same evidence always gives the same findings.
 *
 * @param now         the time ages and windows are measured at
 * @param serviceHere true when a running {@code lifeboat serve} assesses its own plan (the dashboard)
 * @param host        this machine's name
 * @param statuses    every system's status ({@code lifeboat status}), in the plan's order
 * @param copies      each backed-up system's places (own repository, copies) and 3-2-1 gaps
 * @param snapshots   each backed-up system's snapshot times in its own repository
 * @param state       what the state store holds
 */
public record Evidence(Plan plan, Instant now, boolean serviceHere, String host, List<SystemStatus> statuses,
                       Map<String, SystemCopies.Report> copies, Map<String, Snapshots> snapshots, State state) {

    /**
     * A system's snapshots in its own repository (the plan's one rule), oldest first.
     *
     * @param times null when the repository could not be read
     * @param error why it could not be read, else null
     */
    public record Snapshots(List<Instant> times, String error) {}

    /** Whether the state store could be read. */
    public enum Availability {
        /** Read. */
        OK,
        /** There is none yet (no service, drill or runbook has written one). */
        NONE,
        /** It exists but could not be read ({@link State#error()} says why). */
        UNREACHABLE
    }

    /**
     * What the state store recorded; every list is empty when it was not read.
     *
     * @param where            the SQLite file or the PostgreSQL location (without password)
     * @param error            why it could not be read, or null
     * @param drills           every recorded drill run of every system, oldest first
     * @param lastDrillReasons for a system whose newest drill did not pass: that drill's reasons
     * @param jobs             the service's recent job runs (backup, check, prune) of the plan's systems, newest first
     * @param incidents        recent alert incidents, newest first
     * @param runbooks         recorded runbook generations, newest first
     * @param fleet            every host's published status rows
     */
    public record State(String where, Availability availability, String error, List<SystemRun> drills,
                        Map<String, List<String>> lastDrillReasons, List<JobRun> jobs, List<Incident> incidents,
                        List<Runbooks.Generated> runbooks, List<FleetStatus.Row> fleet) {
        /** A state that was not read: none there yet, or unreachable with {@code error}. */
        public static State missing(String where, Availability availability, String error) {
            return new State(where, availability, error, List.of(), Map.of(), List.of(), List.of(), List.of(), List.of());
        }
    }

    /** The status of {@code system}, or null. */
    SystemStatus status(String system) {
        for (SystemStatus s : statuses) if (s.name().equals(system)) return s;
        return null;
    }
}
