package org.lifeboat.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.lifeboat.state.JobRun;
import org.lifeboat.status.SystemStatus;

/**
 * The service's Prometheus metrics ({@code /metrics}, text format 0.0.4), named by Prometheus'
 * conventions (base units in the name, {@code _seconds}, {@code _bytes}, {@code _total}):
 * <ul>
 *   <li>{@code lifeboat_snapshot_age_seconds{system,repository}}, {@code lifeboat_rpo_target_seconds{system}},
 *       {@code lifeboat_rpo_breached{system}} (0/1), {@code lifeboat_rto_target_seconds{system}},
 *       {@code lifeboat_rto_measured_seconds{system}}, {@code lifeboat_rto_forecast_seconds{system}},
 *       {@code lifeboat_offsite_age_seconds{system}}, {@code lifeboat_drill_passed{system}} (0/1),
 *       {@code lifeboat_last_drill_timestamp_seconds{system}};
 *   <li>per system and job kind: {@code lifeboat_last_success_timestamp_seconds{system,job}},
 *       {@code lifeboat_job_duration_seconds{system,job}} and {@code lifeboat_job_bytes{system,job}}
 *       (the newest run), {@code lifeboat_jobs_total{system,job,result}};
 *   <li>{@code lifeboat_backend_requests_total{repository,op}} and {@code _bytes_total}, {@code _errors_total},
 *       {@code _retries_total}: every request of the service's jobs and looks to each repository's storage;
 *   <li>{@code lifeboat_repository_size_bytes{repository}} (every 10 minutes), {@code lifeboat_jobs_running}
 *       and {@code lifeboat_alerts_open}.
 * </ul>
 * A value that is not known (no snapshot, never drilled) is left out rather than given as 0.
 */
public final class ServiceMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge snapshotAge = gauge("lifeboat.snapshot.age.seconds", "age of the newest snapshot of the system in its repository");
    private final MultiGauge rpoTarget = gauge("lifeboat.rpo.target.seconds", "the system's recovery point objective");
    private final MultiGauge rpoBreached = gauge("lifeboat.rpo.breached", "1 when the newest snapshot is older than the RPO (or there is none)");
    private final MultiGauge rtoTarget = gauge("lifeboat.rto.target.seconds", "the system's recovery time objective");
    private final MultiGauge rtoMeasured = gauge("lifeboat.rto.measured.seconds", "recovery time measured by the newest drill");
    private final MultiGauge rtoForecast = gauge("lifeboat.rto.forecast.seconds", "today's forecast recovery time");
    private final MultiGauge offsiteAge = gauge("lifeboat.offsite.age.seconds", "age of the newest off-site copy");
    private final MultiGauge drillPassed = gauge("lifeboat.drill.passed", "1 when the newest drill passed");
    private final MultiGauge lastDrill = gauge("lifeboat.last.drill.timestamp.seconds", "start of the newest drill, Unix time");
    private final MultiGauge lastSuccess = gauge("lifeboat.last.success.timestamp.seconds", "end of the newest successful run, Unix time");
    private final MultiGauge jobDuration = gauge("lifeboat.job.duration.seconds", "duration of the newest run");
    private final MultiGauge jobBytes = gauge("lifeboat.job.bytes", "bytes processed by the newest run");
    private final MultiGauge repositorySize = gauge("lifeboat.repository.size.bytes", "bytes of the repository's pack files");
    private volatile int running;
    private volatile int alertsOpen;
    private volatile int stateUp = 1;
    private volatile int unrecorded;

    public ServiceMetrics() {
        io.micrometer.core.instrument.Gauge.builder("lifeboat.jobs.running", this, m -> m.running)
                .description("jobs running now").register(registry);
        io.micrometer.core.instrument.Gauge.builder("lifeboat.alerts.open", this, m -> m.alertsOpen)
                .description("alert incidents open now").register(registry);
        io.micrometer.core.instrument.Gauge.builder("lifeboat.state.up", this, m -> m.stateUp)
                .description("1 when the last look could read the state database, 0 when it could not").register(registry);
        io.micrometer.core.instrument.Gauge.builder("lifeboat.jobs.unrecorded", this, m -> m.unrecorded)
                .description("job runs that ended while the state could not be written, waiting to be recorded").register(registry);
    }

    /**
     * Whether the state database answered the last look, and how many job runs wait to be
     * recorded in it (kept in memory while it is down).
     */
    public void state(boolean up, int unrecordedRuns) {
        stateUp = up ? 1 : 0;
        unrecorded = unrecordedRuns;
    }

    private MultiGauge gauge(String name, String help) {
        return MultiGauge.builder(name).description(help).register(registry);
    }

    /** The registry behind {@code /metrics}. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text of every metric now. */
    public String scrape() {
        return registry.scrape();
    }

    /** Counts a finished run in {@code lifeboat_jobs_total}. */
    public void jobFinished(JobRun r) {
        Counter.builder("lifeboat.jobs").description("jobs run, by result")
                .tags("system", r.system(), "job", r.kind(), "result", r.result()).register(registry).increment();
    }

    /** Sets {@code lifeboat_repository_size_bytes{repository}}: the bytes of each repository's pack files. */
    public void repositorySizes(Map<String, Long> sizes) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        sizes.forEach((name, bytes) -> rows.add(MultiGauge.Row.of(Tags.of("repository", name), bytes)));
        repositorySize.register(rows, true);
    }

    /**
     * Adds one closed set of repositories' request figures to {@code lifeboat_backend_requests_total},
     * {@code lifeboat_backend_bytes_total}, {@code lifeboat_backend_errors_total} and
     * {@code lifeboat_backend_retries_total}, each {@code {repository,op}}.
     */
    public void backendRequests(Map<String, List<org.lifeboat.recovery.Repositories.Requests>> byRepository) {
        byRepository.forEach((repo, list) -> {
            for (org.lifeboat.recovery.Repositories.Requests r : list) {
                if (r.requests() == 0) continue;
                counter("lifeboat.backend.requests", "requests to the repository's storage", repo, r.op()).increment(r.requests());
                if (r.bytes() > 0) counter("lifeboat.backend.bytes", "bytes read or written", repo, r.op()).increment(r.bytes());
                if (r.errors() > 0) counter("lifeboat.backend.errors", "requests that failed after retries", repo, r.op()).increment(r.errors());
                if (r.retries() > 0) counter("lifeboat.backend.retries", "attempts repeated after a transient fault", repo, r.op())
                        .increment(r.retries());
            }
        });
    }

    private Counter counter(String name, String help, String repo, String op) {
        return Counter.builder(name).description(help).tags("repository", repo, "op", op).register(registry);
    }

    /** Jobs running now and alert incidents open now. */
    public void counts(int runningJobs, int openAlerts) {
        running = runningJobs;
        alertsOpen = openAlerts;
    }

    /**
     * Sets every per-system gauge from one look: systems gone from the plan disappear.
     *
     * @param lastRuns each system's newest runs (any result), newest first
     * @param lastOk   each system's newest successful run of each kind
     */
    public void update(List<SystemStatus> statuses, Map<String, List<JobRun>> lastRuns, Map<String, List<JobRun>> lastOk,
                       Instant now) {
        // ages are computed when scraped, not at the look: a breach between looks shows at once
        List<MultiGauge.Row<?>> ages = new ArrayList<>(), breached = new ArrayList<>();
        for (SystemStatus s : statuses) {
            if (s.repository() == null) continue;
            Tags t = Tags.of("system", s.name());
            if (s.snapshotAge() != null && s.lastSnapshot() != null) {
                Instant at = s.lastSnapshot();
                ages.add(MultiGauge.Row.of(Tags.of("system", s.name(), "repository", s.repository()), at,
                        x -> Math.max(0, Duration.between(x, Instant.now()).toMillis() / 1000.0)));
                breached.add(MultiGauge.Row.of(t, at, x -> SystemStatus.RpoStatus.of(Duration.between(x, Instant.now()), s.rpo())
                        == SystemStatus.RpoStatus.BREACHED ? 1 : 0));
            } else {
                breached.add(MultiGauge.Row.of(t, s.rpoBreached() ? 1 : 0));
            }
        }
        snapshotAge.register(ages, true);
        rpoTarget.register(rows(statuses, s -> secs(s.rpo()), false), true);
        rpoBreached.register(breached, true);
        rtoTarget.register(rows(statuses, s -> secs(s.rto()), false), true);
        rtoMeasured.register(rows(statuses, s -> secs(s.rtoMeasured()), false), true);
        rtoForecast.register(rows(statuses, s -> secs(s.forecast()), false), true);
        offsiteAge.register(rows(statuses, s -> s.lastOffsite() == null ? Double.NaN
                : Math.max(0, Duration.between(s.lastOffsite(), now).toMillis() / 1000.0), false), true);
        drillPassed.register(rows(statuses, s -> s.lastDrillPassed() == null ? Double.NaN : s.lastDrillPassed() ? 1 : 0, false), true);
        lastDrill.register(rows(statuses, s -> s.lastDrill() == null ? Double.NaN : s.lastDrill().toEpochMilli() / 1000.0, false), true);
        List<MultiGauge.Row<?>> success = new ArrayList<>(), duration = new ArrayList<>(), bytes = new ArrayList<>();
        lastOk.forEach((system, runs) -> {
            for (JobRun r : runs) {
                if (r.finished() != null) success.add(MultiGauge.Row.of(Tags.of("system", system, "job", r.kind()), r.finished().toEpochMilli() / 1000.0));
            }
        });
        lastRuns.forEach((system, runs) -> {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (JobRun r : runs) {
                if (r.finished() == null || !seen.add(r.kind())) continue;
                Tags t = Tags.of("system", system, "job", r.kind());
                duration.add(MultiGauge.Row.of(t, secs(r.duration())));
                if (r.bytes() >= 0) bytes.add(MultiGauge.Row.of(t, r.bytes()));
            }
        });
        lastSuccess.register(success, true);
        jobDuration.register(duration, true);
        jobBytes.register(bytes, true);
    }

    private static List<MultiGauge.Row<?>> rows(List<SystemStatus> statuses, ToDoubleFunction<SystemStatus> value, boolean withRepo) {
        List<MultiGauge.Row<?>> out = new ArrayList<>();
        for (SystemStatus s : statuses) {
            double v = value.applyAsDouble(s);
            if (Double.isNaN(v)) continue;
            Tags t = withRepo ? Tags.of("system", s.name(), "repository", s.repository() == null ? "" : s.repository())
                    : Tags.of("system", s.name());
            out.add(MultiGauge.Row.of(t, v));
        }
        return out;
    }

    private static double secs(Duration d) {
        return d == null ? Double.NaN : d.toMillis() / 1000.0;
    }
}
