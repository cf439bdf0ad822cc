package org.lifeboat.plan;

import java.util.List;
import java.util.Map;

/**
 * What {@code lifeboat serve} reads of the plan (issue 13): its listener and login, where alerts
 * go, and each system's schedules and ping URLs. Every part is optional; an empty ServicePlan runs
 * each system's backups often enough to meet its RPO and nothing else.
 *
 * @param serve   the {@code serve:} section
 * @param alerts  the {@code alerts:} channels; every channel gets every alert
 * @param systems each system's {@code schedule:} and {@code ping:} (systems without them are absent)
 * @param stateDb the plan's {@code state-db:} (a postgresql:// URL shared by several hosts), or null
 */
public record ServicePlan(Serve serve, List<AlertChannel> alerts, Map<String, SystemJobs> systems, String stateDb) {
    /** No serve, alerts or schedules given. */
    public static final ServicePlan EMPTY = new ServicePlan(new Serve(null, null, null, null, null), List.of(), Map.of(), null);

    /** A system's jobs; an absent system has none of its own. */
    public SystemJobs jobs(String system) {
        return systems.getOrDefault(system, SystemJobs.NONE);
    }

    /**
     * {@code serve:}: the listener ({@code 127.0.0.1:8480} when null), the dashboard password's
     * file or environment variable (the login is {@code admin}), and TLS's PEM files (both or none).
     */
    public record Serve(String listen, String passwordFile, String passwordEnv, String tlsCert, String tlsKey) {}

    /** One alert channel of {@code alerts:}. */
    public sealed interface AlertChannel {}

    /** {@code webhook: { url, format }}: format json, slack or ntfy. */
    public record Webhook(String url, String format) implements AlertChannel {}

    /** {@code email: { to, from, smtp: { host, port, user, password-file | password-env, starttls } }}. */
    public record Email(List<String> to, String from, String host, int port, String user, String passwordFile,
                        String passwordEnv, boolean starttls) implements AlertChannel {}

    /** {@code command: "…"}: run by /bin/sh with the alert as JSON on standard input. */
    public record Command(String run) implements AlertChannel {}

    /**
     * A system's {@code schedule:} (job kind: backup, copy, check, prune, drill → when) and
     * {@code ping:} (job kind → a Healthchecks-style URL).
     */
    public record SystemJobs(Map<String, Schedule> schedule, Map<String, String> ping) {
        public static final SystemJobs NONE = new SystemJobs(Map.of(), Map.of());
    }

    /** The job kinds a schedule may name. */
    public static final List<String> JOB_KINDS = List.of("backup", "copy", "check", "prune", "drill");
}
