package org.lifeboat.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.lifeboat.plan.Durations;
import org.lifeboat.repository.Json;
import org.lifeboat.service.alert.Alert;
import org.lifeboat.service.alert.AlertChannel;
import org.lifeboat.service.alert.DeliveryUnknownException;
import org.lifeboat.state.Incident;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.SystemStatus;

/**
 * Turns each look at the systems into alerts (issue 13): an RPO breached, a failed job, a failed
 * or missing drill, a forecast over the RTO. Each condition is an incident in the state
 * ({@link Incidents}): it alerts every channel once when it begins and sends one recovery notice
 * when it clears, however many looks see it, and a restarted service does not alert again.
 */
public final class Monitor {
    private final String host;
    private final Incidents incidents;
    private final List<AlertChannel> channels;
    private final Consumer<String> say;

    /**
     * A monitor alerting {@code channels}; each channel's {@link AlertChannel#warnings()} are said
     * here, once (e.g. "email alerts: the SMTP login to HOST:PORT goes unencrypted (starttls: false)").
     *
     * @param host this service's host name, recorded with each incident
     * @param incidents where incidents are kept
     * @param channels where alerts go
     * @param say where delivery failures and the channels' warnings go (a channel that cannot be
     *     reached does not stop the others)
     */
    public Monitor(String host, Incidents incidents, List<AlertChannel> channels, Consumer<String> say) {
        this.host = host;
        this.incidents = incidents;
        this.channels = List.copyOf(channels);
        this.say = say;
        for (AlertChannel c : this.channels) {
            for (String w : c.warnings()) say.accept(w);
        }
    }

    /**
     * Looks at {@code statuses} and each system's newest run per job kind, raising and resolving
     * incidents.
     *
     * @param lastRuns  each system's newest finished run of each kind (backup, copy, check, prune), by system
     * @param backingUp the systems whose backup runs now: an RPO breach is not raised while it is being
     *                  mended (a new system's first backup, a late one catching up)
     * @return the alerts sent (new incidents and recovery notices), in order
     * @throws StateStoreException when the incidents cannot be read or written (nothing is sent then)
     */
    public List<Alert> look(List<SystemStatus> statuses, Map<String, List<JobRun>> lastRuns, java.util.Set<String> backingUp,
                            Instant now) throws StateStoreException {
        List<Alert> sent = new java.util.ArrayList<>();
        for (SystemStatus s : statuses) {
            String sys = s.name();
            // RPO
            Map<String, Object> rpo = new LinkedHashMap<>();
            rpo.put("rpo_seconds", s.rpo() == null ? null : s.rpo().toSeconds());
            rpo.put("snapshot_age_seconds", s.snapshotAge() == null ? null : s.snapshotAge().toSeconds());
            rpo.put("last_snapshot", s.lastSnapshot() == null ? null : s.lastSnapshot().toString());
            if (s.problem() != null) rpo.put("problem", s.problem());
            String rpoMessage = s.snapshotAge() == null
                    ? sys + " has no snapshot" + (s.problem() == null ? "" : " that can be read (" + s.problem() + ")")
                            + ": everything since it was set up would be lost; RPO " + Durations.format(s.rpo())
                    : "the newest snapshot of " + sys + " is " + Durations.format(s.snapshotAge()) + " old, over its RPO of "
                            + Durations.format(s.rpo());
            // While its backup runs, a breach is neither raised (it is being mended) nor cleared (it still holds).
            if (!(s.rpoBreached() && backingUp.contains(sys))) {
                condition(sent, s, Alert.Kind.RPO_BREACHED, s.rpoBreached(), rpoMessage,
                        "the newest snapshot of " + sys + " is within its RPO of " + Durations.format(s.rpo()) + " again", rpo, now);
            }
            // jobs
            JobRun failed = null;
            for (JobRun r : lastRuns.getOrDefault(sys, List.of())) {
                // a failed drill is drill_failed, said below from the drill's record; one that could
                // not start (a lock held elsewhere) has no record and is a failed job
                if (r.kind().equals("drill") && (r.message() == null || !r.message().startsWith(PlanJobs.DRILL_NOT_STARTED))
                        || r.kind().equals("restore")) continue;
                if (JobRun.FAILED.equals(r.result()) && (failed == null || r.started().isAfter(failed.started()))) failed = r;
            }
            Map<String, Object> job = new LinkedHashMap<>();
            if (failed != null) {
                job.put("job", failed.id());
                job.put("kind", failed.kind());
                job.put("started", failed.started().toString());
                job.put("error", failed.message());
            }
            condition(sent, s, Alert.Kind.JOB_FAILED, failed != null,
                    failed == null ? "" : sys + ": " + failed.kind() + " failed: " + failed.message(),
                    "the jobs of " + sys + " succeed again", job, now);
            // drills
            Map<String, Object> drill = new LinkedHashMap<>();
            drill.put("last_drill", s.lastDrill() == null ? null : s.lastDrill().toString());
            drill.put("rto_seconds", s.rto() == null ? null : s.rto().toSeconds());
            drill.put("rto_measured_seconds", s.rtoMeasured() == null ? null : s.rtoMeasured().toMillis() / 1000.0);
            condition(sent, s, Alert.Kind.DRILL_FAILED, Boolean.FALSE.equals(s.lastDrillPassed()),
                    sys + " failed its last drill (" + s.lastDrill() + "): its recovery does not work as planned",
                    sys + " passed a drill again", drill, now);
            condition(sent, s, Alert.Kind.DRILL_OVERDUE, s.drillOverdue() && !Boolean.FALSE.equals(s.lastDrillPassed()),
                    s.lastDrill() == null ? sys + " was never drilled: its recovery time is a guess"
                            : "the last drill of " + sys + " was " + Durations.format(Duration.between(s.lastDrill(), now)) + " ago: it is overdue",
                    sys + " was drilled again", drill, now);
            Map<String, Object> rto = new LinkedHashMap<>(drill);
            rto.put("forecast_seconds", s.forecast() == null ? null : s.forecast().toMillis() / 1000.0);
            condition(sent, s, Alert.Kind.RTO_AT_RISK, s.forecastExceedsRto(),
                    s.forecast() == null ? "" : sys + " would take about " + Durations.format(s.forecast())
                            + " to recover today, over its RTO of " + Durations.format(s.rto()),
                    "the forecast recovery time of " + sys + " is within its RTO again", rto, now);
            // ransomware-like change: open while a snapshot of the latest suspicious run is there
            SystemStatus.Suspicion su = s.suspicion();
            Map<String, Object> sus = new LinkedHashMap<>();
            if (su != null) {
                sus.put("first_snapshot", su.firstSnapshot());
                sus.put("since", su.since().toString());
                sus.put("snapshots", su.snapshots());
                sus.put("clean_point", su.cleanPoint());
            }
            condition(sent, s, Alert.Kind.SUSPICIOUS_BACKUP, su != null,
                    su == null ? "" : sys + ": the backup of " + su.since() + " (snapshot " + su.firstSnapshot().substring(0, 8)
                            + ") looks like ransomware and is tagged suspicious; see `lifeboat anomalies " + sys + "`; "
                            + (su.cleanPoint() == null ? "no snapshot before it is left to recover"
                                    : "`lifeboat recover --clean --systems " + sys + "` restores snapshot " + su.cleanPoint().substring(0, 8)
                                    + " from before it"),
                    "no snapshot of " + sys + " is tagged suspicious any more", sus, now);
        }
        return sent;
    }

    private void condition(List<Alert> sent, SystemStatus s, Alert.Kind kind, boolean holds, String message,
                           String clearedMessage, Map<String, Object> details, Instant now) throws StateStoreException {
        String h = s.host() == null ? host : s.host();
        if (holds) {
            Optional<Incident> raised = incidents.raise(host, s.name(), kind.json(), message, json(details), now);
            if (raised.isPresent()) sent.add(send(new Alert(Alert.Event.ALERT, kind, s.name(), h, message, now, details)));
        } else {
            Optional<Incident> cleared = incidents.resolve(host, s.name(), kind.json(), now);
            if (cleared.isPresent()) {
                Map<String, Object> d = new LinkedHashMap<>(details);
                d.put("resolved", now.toString());
                d.put("lasted_seconds", Duration.between(cleared.get().since(), now).toSeconds());
                sent.add(send(new Alert(Alert.Event.RESOLVED, kind, s.name(), h, clearedMessage, cleared.get().since(), d)));
            }
        }
    }

    /**
     * Sends {@code a} to every channel, each on a queue of its own: a slow or hung channel (an SMTP
     * server that never answers) delays only its own alerts, never the looks, the metrics or the
     * other channels. A channel that fails is said, and {@code a} is sent to it again at each
     * {@link #retry()} (the channels that took it are not sent it twice), unless the channel may
     * have delivered it ({@link DeliveryUnknownException}: an alert command that hung past its
     * timeout is not run again, so it does not page again every minute).
     *
     * @return {@code a}
     */
    public Alert send(Alert a) {
        for (AlertChannel c : channels) queue(c, a);
        return a;
    }

    /** Alerts kept for another try, per channel, at most: the oldest go first. */
    static final int MAX_PENDING = 100;

    private record Pending(AlertChannel channel, Alert alert) {}

    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    private final Map<AlertChannel, java.util.concurrent.ExecutorService> queues = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();

    private void queue(AlertChannel c, Alert a) {
        java.util.concurrent.ExecutorService q = queues.computeIfAbsent(c, k -> java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lifeboat-alert-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }));
        try {
            q.execute(() -> {
                try {
                    c.send(a);
                } catch (DeliveryUnknownException e) {
                    say.accept("alert to " + c.describe() + " failed: " + e.getMessage());
                } catch (IOException | RuntimeException e) {
                    say.accept("alert to " + c.describe() + " failed: " + e.getMessage());
                    synchronized (pending) {
                        if (pending.size() >= MAX_PENDING) pending.removeFirst();
                        pending.addLast(new Pending(c, a));
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            say.accept("alert to " + c.describe() + " not sent: the service is stopping");
        }
    }

    /** Sends again what a channel did not take, oldest first, to that channel only. */
    public void retry() {
        List<Pending> again;
        synchronized (pending) {
            again = List.copyOf(pending);
            pending.clear();
        }
        for (Pending p : again) queue(p.channel(), p.alert());
    }

    /** How many (channel, alert) pairs wait for another try. */
    int pending() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /**
     * Waits until every channel's queue has sent what it holds, at most {@code timeout}.
     *
     * @return true when they all did
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        for (java.util.concurrent.ExecutorService q : queues.values()) {
            java.util.concurrent.Future<?> f;
            try {
                f = q.submit(() -> { });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                continue;
            }
            try {
                f.get(Math.max(1, end - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops the channels' queues after {@code grace} for what they still hold (a replaced plan's
     * channels finish their alerts; a stopping service gives them a few seconds), then closes the
     * channels: an alert command still running is stopped with what it started
     * ({@link AlertChannel#close()}). Returns at once; the returned future completes when all is
     * closed. (A JVM that ends first stops the alert commands still running itself.)
     *
     * @param grace how long the queues may still send
     * @return completed when the queues have stopped and the channels are closed
     */
    public java.util.concurrent.CompletableFuture<Void> close(Duration grace) {
        for (java.util.concurrent.ExecutorService q : queues.values()) q.shutdown();
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            long end = System.nanoTime() + grace.toNanos();
            for (java.util.concurrent.ExecutorService q : queues.values()) {
                try {
                    if (!q.awaitTermination(Math.max(1, end - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                        q.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    q.shutdownNow();
                }
            }
            for (AlertChannel c : channels) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    say.accept("closing alert " + c.describe() + " failed: " + e.getMessage());
                }
            }
            done.complete(null);
        });
        return done;
    }

    /**
     * How long a system must stay out of the plan before its incidents are closed: a plan edited
     * in steps (a system cut, then pasted back) must not page a notice and a new alert per step.
     */
    public static final java.time.Duration GONE_GRACE = java.time.Duration.ofMinutes(5);

    /** When each system with open incidents was first seen missing from the plan. */
    private final Map<String, Instant> missingSince = new java.util.HashMap<>();

    /**
     * Closes the open incidents of systems that left the plan, each with a notice that says so:
     * nobody is left waiting for a recovery that can no longer come. A system is closed once it
     * has been missing for {@link #GONE_GRACE}; one that comes back before keeps its incidents, and
     * nobody is paged twice.
     *
     * @param systems the names of the plan's systems now
     * @param now the time of this look
     * @throws StateStoreException when the incidents cannot be read or written
     */
    public void gone(java.util.Set<String> systems, Instant now) throws StateStoreException {
        missingSince.keySet().retainAll(incidents.open(host).stream().map(Incident::system)
                .filter(n -> !systems.contains(n)).collect(java.util.stream.Collectors.toSet()));
        for (Incident i : incidents.open(host)) {
            if (systems.contains(i.system())) continue;
            Instant since = missingSince.computeIfAbsent(i.system(), n -> now);
            if (java.time.Duration.between(since, now).compareTo(GONE_GRACE) < 0) continue;
            Optional<Incident> closed = incidents.resolve(host, i.system(), i.kind(), now);
            if (closed.isEmpty()) continue;
            Alert.Kind kind = null;
            for (Alert.Kind k : Alert.Kind.values()) if (k.json().equals(i.kind())) kind = k;
            if (kind == null) continue;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("resolved", now.toString());
            d.put("reason", "system removed from the plan");
            send(new Alert(Alert.Event.RESOLVED, kind, i.system(), i.host(), i.system() + " left the plan; its alert is closed",
                    i.since(), d));
        }
    }

    private static String json(Map<String, Object> details) {
        try {
            return Json.MAPPER.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
