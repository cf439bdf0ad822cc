package org.lifeboat.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.Schedule;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.StatusReader;

/**
 * Decides when each system's jobs run and runs them on {@code workers} (issue 13):
 * <ul>
 *   <li>each (system, job kind) has a {@link Schedule}: the plan's, else backups every half RPO
 *       ({@link StatusReader#defaultBackupInterval});
 *   <li>a job whose due time passed while the service was down runs once at start-up (the last
 *       start is read from the job log), not once per missed time;
 *   <li>never two conflicting jobs on one repository ({@link JobRunner#repositories}): backups, copies,
 *       drills and restores share it, as restic's non-exclusive locks do; a check or prune has it alone
 *       ({@link JobRunner#exclusive}), and a due job waits for what it conflicts with;
 *   <li>a failed job is retried after 1, 2, 4 … {@code retryBase}, at most {@link #MAX_RETRY},
 *       unless its schedule comes first; every run is recorded in the job log.
 * </ul>
 * Time comes from {@code clock}, so tests drive it with a fixed clock and {@link #tick()}.
 */
public final class Scheduler {
    /** A job this late counts as missed (run as a catch-up), not as merely started a moment late. */
    static final Duration CATCH_UP_GRACE = Duration.ofMinutes(1);

    /** The longest wait between retries of a failing job. */
    public static final Duration MAX_RETRY = Duration.ofHours(1);

    /** What the scheduler tells: jobs as they start and end. */
    public interface Listener {
        default void jobStarted(JobRun run) {}

        default void jobFinished(JobRun run) {}
    }

    /** A job being run now: its record so far, its live progress line, and its cancel token. */
    public record Running(JobRun run, Cancel cancel, String[] progress) {
        public String progressLine() {
            return progress[0];
        }
    }

    /** A job that cannot be started now. */
    public static final class Busy extends Exception {
        public Busy(String message) {
            super(message);
        }
    }

    private record Key(String system, JobKind kind) {}

    /** What the scheduler remembers of one (system, kind). */
    private static final class Slot {
        Schedule schedule;
        Instant lastStart;
        int failures;
        Instant retryAt;
        /** Asked for outside the schedule (a file change, a button): runs as soon as it can. */
        String pending;
        /** When this (system, kind) was first scheduled by this service. */
        Instant since;
        /** Why the job, due, has not started (null when it is not held back), and since when. */
        String heldBy;
        Instant heldSince;
        /**
         * A backup that must end before the system's scheduled copies and drills run: its first one,
         * or the catch-up of what was missed while the service was down. Cleared when it ends
         * (whatever its result); in steady state nothing waits for a backup, so back-to-back
         * backups never starve a drill.
         */
        String awaited;
    }

    /**
     * A scheduled job that is due but held back.
     *
     * @param since  when it was first found due and held back
     * @param reason what it waits for, as a sentence: "waits for a's first backup (job ID)", "repository
     *               'main' is in use by a's check (job ID)"
     */
    public record Waiting(String system, JobKind kind, Instant since, String reason) {}

    /** Runs whose records could not be written (the state down), oldest first, to record later. */
    private final java.util.ArrayDeque<JobRun> unrecorded = new java.util.ArrayDeque<>();

    /** At most this many runs wait to be recorded: a state down for days must not grow memory without end. */
    static final int MAX_UNRECORDED = 10_000;

    private synchronized void keepUnrecorded(JobRun run) {
        if (unrecorded.size() >= MAX_UNRECORDED) unrecorded.pollFirst();
        unrecorded.addLast(run);
    }

    /**
     * Records the runs kept while the state could not be written, oldest first, stopping at the
     * first that still cannot be (called by every look).
     *
     * @return how many still wait
     */
    public int recordKept() {
        while (true) {
            JobRun r;
            synchronized (this) {
                r = unrecorded.peekFirst();
            }
            if (r == null) return 0;
            try {
                log.record(r);
            } catch (StateStoreException | RuntimeException e) {
                synchronized (this) {
                    return unrecorded.size();
                }
            }
            synchronized (this) {
                unrecorded.remove(r);
            }
        }
    }

    /**
     * When {@code s}'s job is due: a system's first backup at once, whatever its schedule (a cron
     * time may be hours away); a cron job that never ran at its first time after it was first
     * scheduled (counted from now, the next time would always lie ahead and never come);
     * otherwise as its schedule says after the last start.
     */
    private Instant due(Slot s, JobKind kind, Instant now) {
        if (kind == JobKind.BACKUP && s.lastStart == null) return now;
        Instant last = s.lastStart == null && s.schedule instanceof Schedule.Cron ? s.since : s.lastStart;
        return s.schedule.next(last, now, zone);
    }

    private final Clock clock;
    private final ZoneId zone;
    private final String host;
    private final JobLog log;
    private final JobRunner runner;
    private final Executor workers;
    private final Listener listener;
    private final Duration retryBase;
    private final Consumer<String> say;

    private Plan plan;
    private final Map<Key, Slot> slots = new LinkedHashMap<>();
    /** When each system of the plan was first scheduled (start-up, or the reload that added it). */
    private final Map<String, Instant> firstSeen = new HashMap<>();
    private final Map<String, Running> running = new LinkedHashMap<>();
    /** Jobs holding each repository: shared ones (backups, copies, drills, restores) count, an exclusive one is -1. */
    private final Map<String, Integer> holders = new HashMap<>();
    /** The repositories each running job holds, by the same key as {@link #running}. */
    private final Map<String, Set<String>> repositoriesOf = new HashMap<>();
    /** Manual jobs waiting for their repositories, each with the id it will run under. */
    private final Map<String, JobRequest> queued = new LinkedHashMap<>();
    private boolean stopped;

    /**
     * @param host      this host's name, recorded with each run (a shared state holds several hosts' runs)
     * @param retryBase the first wait before a failed job is retried (1 minute in service; shorter in tests)
     * @param say       where the scheduler's own problems go (the job log cannot be written)
     */
    public Scheduler(Clock clock, ZoneId zone, String host, JobLog log, JobRunner runner, Executor workers,
                     Listener listener, Duration retryBase, Consumer<String> say) {
        this.clock = clock;
        this.zone = zone;
        this.host = host;
        this.log = log;
        this.runner = runner;
        this.workers = workers;
        this.listener = listener;
        this.retryBase = retryBase;
        this.say = say;
    }

    /**
     * Takes {@code plan} (at start and on every reload): each system's schedules are set anew, what
     * was remembered of systems and kinds still in it is kept, and a (system, kind) seen for the
     * first time takes its last start from the job log (catch-up after a restart).
     */
    public synchronized void setPlan(Plan plan) {
        this.plan = plan;
        Map<Key, Slot> old = new HashMap<>(slots);
        slots.clear();
        for (SystemSpec s : plan.systems().values()) {
            Map<String, Schedule> own = plan.service().jobs(s.name()).schedule();
            boolean backs = s.backup() != null && !s.backup().sources().isEmpty();
            for (JobKind k : List.of(JobKind.BACKUP, JobKind.COPY, JobKind.CHECK, JobKind.PRUNE, JobKind.DRILL)) {
                Schedule sch = own.get(k.json());
                if (sch == null && k == JobKind.BACKUP && backs) {
                    Duration every = StatusReader.defaultBackupInterval(s);
                    sch = new Schedule.Every(org.lifeboat.plan.Durations.toPlanText(every), every);
                }
                if (sch == null) continue;
                // A plan where no drill can run (no sandbox site, or it is production) schedules no
                // drill: validate warns of it, and a drill that fails at once every retry would fill
                // the job log.
                if (k == JobKind.DRILL && org.lifeboat.plan.DrillSite.refusal(plan) != null) continue;
                if (sch instanceof Schedule.Continuous) {
                    // File changes trigger it (the service's watcher); the RPO still bounds the wait.
                    Duration every = StatusReader.defaultBackupInterval(s);
                    sch = new Schedule.Every("continuous", every);
                }
                Key key = new Key(s.name(), k);
                Slot slot = old.get(key);
                if (slot == null) {
                    slot = new Slot();
                    slot.lastStart = lastStart(s.name(), k);
                    slot.since = clock.instant();
                    if (k == JobKind.BACKUP) {
                        slot.schedule = sch;
                        Instant due = slot.lastStart == null ? null : sch.next(slot.lastStart, slot.since, zone);
                        slot.awaited = slot.lastStart == null ? "first backup"
                                : due != null && due.isBefore(slot.since.minus(CATCH_UP_GRACE)) ? "catch-up backup" : null;
                    }
                }
                slot.schedule = sch;
                slots.put(key, slot);
            }
        }
        queued.values().removeIf(q -> !plan.systems().containsKey(q.system()));
        firstSeen.keySet().retainAll(plan.systems().keySet());
        for (String name : plan.systems().keySet()) firstSeen.putIfAbsent(name, clock.instant());
    }

    private Instant lastStart(String system, JobKind kind) {
        try {
            for (JobRun r : log.recent(system, kind.json(), 20)) {
                // a cancelled run (the service stopped) did not do the job: it is due again at start-up
                if (r.host().equals(host) && !"manual".equals(r.trigger()) && !JobRun.CANCELLED.equals(r.result())) return r.started();
            }
        } catch (StateStoreException e) {
            say.accept("cannot read the job log: " + e.getMessage() + "; " + system + "'s " + kind.json() + " runs now");
        }
        return null;
    }

    /**
     * Starts every job that is due and whose repositories are free, in the plan's order (queued
     * manual jobs first).
     *
     * @return when the next job falls due (at the latest in a minute), for the caller's wait
     */
    public synchronized Instant tick() {
        Instant now = clock.instant();
        Instant next = now.plus(Duration.ofMinutes(1));
        if (stopped || plan == null) return next;
        for (Map.Entry<String, JobRequest> q : new ArrayList<>(queued.entrySet())) {
            if (tryStart(q.getValue(), now, q.getKey())) queued.remove(q.getKey());
        }
        for (Map.Entry<Key, Slot> e : slots.entrySet()) {
            Key k = e.getKey();
            Slot s = e.getValue();
            if (running.containsKey(runningKey(k.system(), k.kind()))) continue;
            Instant due;
            String trigger;
            if (s.pending != null) {
                due = now;
                trigger = s.pending;
            } else {
                due = due(s, k.kind(), now);
                // A due time well before this slot was scheduled: runs were missed while the service was
                // down (a job merely held back, or late behind a long one, is not a catch-up).
                trigger = due != null && due.isBefore(s.since.minus(CATCH_UP_GRACE)) ? "catch-up" : "schedule";
                if (s.retryAt != null && (due == null || s.retryAt.isBefore(due))) {
                    due = s.retryAt;
                    trigger = "retry";
                }
            }
            if (due == null) continue;
            if (!due.isAfter(now)) {
                JobRequest req = new JobRequest(k.system(), k.kind(), trigger);
                String held = waitsForBackup(k.kind(), k.system());
                if (held == null) held = conflict(req);
                if (held != null) {
                    if (s.heldSince == null) s.heldSince = now;
                    s.heldBy = held;
                    continue;
                }
                tryStart(req, now, null);
                s.pending = null;
                s.heldBy = null;
                s.heldSince = null;
            } else {
                s.heldBy = null;
                s.heldSince = null;
                if (due.isBefore(next)) next = due;
            }
        }
        return next;
    }

    private static String runningKey(String system, JobKind kind) {
        return system + "\u0000" + kind.json();
    }

    /**
     * Why a scheduled copy or drill of {@code system} waits for a backup, or null. A copy or a drill
     * started beside the backup that is about to make the snapshot it needs would use the one
     * before (or, on a new install, find none and fail): it waits for the first backup of its
     * system (of a drill, of every system the drill restores: its dependencies too) and for the
     * catch-up backup after the service was down ({@link Slot#awaited}), until that backup ends,
     * whatever its result (a failed one holds nothing back: the copy or drill then says what is
     * missing). Backups in steady state hold nothing back, however often they run.
     */
    private String waitsForBackup(JobKind kind, String system) {
        if (kind != JobKind.COPY && kind != JobKind.DRILL) return null;
        List<String> systems = List.of(system);
        if (kind == JobKind.DRILL) {
            try {
                systems = org.lifeboat.plan.Graph.closure(plan.systems(), List.of(system));
            } catch (RuntimeException e) {
                // a plan that validated has no cycle; should one slip through, the system alone
            }
        }
        for (String n : systems) {
            Slot b = slots.get(new Key(n, JobKind.BACKUP));
            if (b == null || b.awaited == null) continue;
            Running r = running.get(runningKey(n, JobKind.BACKUP));
            return "waits for " + n + "'s " + b.awaited + (r != null ? " (job " + r.run().id() + ")" : "");
        }
        return null;
    }

    /** Why {@code req} cannot start now (it runs already, or a repository it needs is in use), or null. */
    private String conflict(JobRequest req) {
        Running same = running.get(runningKey(req.system(), req.kind()));
        if (same != null) return "runs already (job " + same.run().id() + ")";
        Set<String> repos = runner.repositories(plan, req);
        boolean exclusive = runner.exclusive(req);
        for (String repo : repos) {
            int h = holders.getOrDefault(repo, 0);
            // as restic's locks: any number of shared users at once, an exclusive one alone
            if (h < 0 || (exclusive && h > 0)) {
                for (Map.Entry<String, Set<String>> e : repositoriesOf.entrySet()) {
                    if (e.getValue().contains(repo)) {
                        Running r = running.get(e.getKey());
                        return "repository '" + repo + "' is in use by " + r.run().system() + "'s " + r.run().kind()
                                + " (job " + r.run().id() + ")";
                    }
                }
                return "repository '" + repo + "' is in use";
            }
        }
        return null;
    }

    /** Starts {@code req} (under {@code id}, or a new one) unless it runs already or a repository it needs is busy. */
    private boolean tryStart(JobRequest req, Instant now, String givenId) {
        if (conflict(req) != null) return false;
        Set<String> repos = runner.repositories(plan, req);
        boolean exclusive = runner.exclusive(req);
        String id = givenId != null ? givenId : JobLog.newId(now, req.kind().json(), req.system());
        JobRun run = new JobRun(id, host, req.system(), req.kind().json(), req.trigger(), now, null, JobRun.RUNNING,
                -1, -1, -1, null, null);
        Cancel cancel = new Cancel();
        Running r = new Running(run, cancel, new String[] {null});
        running.put(runningKey(req.system(), req.kind()), r);
        repositoriesOf.put(runningKey(req.system(), req.kind()), repos);
        for (String repo : repos) holders.merge(repo, exclusive ? -1 : 1, Integer::sum);
        Slot slot = slots.get(new Key(req.system(), req.kind()));
        if (slot != null && !"manual".equals(req.trigger())) slot.lastStart = now;
        try {
            log.started(run);
        } catch (StateStoreException | RuntimeException e) {
            // the state may be down (a PostgreSQL restart): the job runs anyway, its record is the loss
            say.accept("cannot record job " + id + ": " + e.getMessage());
        }
        try {
            listener.jobStarted(run);
        } catch (RuntimeException e) {
            say.accept("job " + id + ": " + e.getMessage()); // a listener's fault never keeps a job from running
        }
        Plan p = plan;
        try {
            workers.execute(() -> execute(p, req, r, repos));
        } catch (RejectedExecutionException e) {
            finish(req, r, repos, JobOutcome.failed("the service is stopping"), JobRun.CANCELLED);
        }
        return true;
    }

    private void execute(Plan p, JobRequest req, Running r, Set<String> repos) {
        JobOutcome out;
        try {
            out = runner.run(p, req, r.cancel(), line -> r.progress()[0] = line);
            if (out == null) out = JobOutcome.failed("the job reported nothing");
            // A job stopped by a cancel may end as a failure of what it ran (a dump killed, exit 137):
            // it was cancelled, and that is what is recorded, never an alert-raising failure.
            if (r.cancel().cancelled() && JobRun.FAILED.equals(out.result())) {
                out = new JobOutcome(JobRun.CANCELLED, out.files(), out.bytes(), out.bytesAdded(), out.snapshot(),
                        "cancelled: " + r.cancel().reason());
            }
        } catch (Cancel.Cancelled e) {
            out = new JobOutcome(JobRun.CANCELLED, -1, -1, -1, null, "cancelled: " + e.getMessage());
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError v && !(e instanceof OutOfMemoryError)) throw v;
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            out = r.cancel().cancelled() ? new JobOutcome(JobRun.CANCELLED, -1, -1, -1, null, "cancelled: " + r.cancel().reason())
                    : JobOutcome.failed(m);
        }
        finish(req, r, repos, out, out.result());
    }

    private void finish(JobRequest req, Running r, Set<String> repos, JobOutcome out, String result) {
        Instant end = clock.instant();
        JobRun run = r.run();
        JobRun done = new JobRun(run.id(), run.host(), run.system(), run.kind(), run.trigger(), run.started(), end, result,
                out.files(), out.bytes(), out.bytesAdded(), out.snapshot(), out.message());
        try {
            // whole: its start may not have been recorded (the state was down then)
            log.record(done);
        } catch (StateStoreException | RuntimeException e) {
            keepUnrecorded(done);
            say.accept("cannot record the end of job " + run.id() + " now (kept to record when the state answers): " + e.getMessage());
        }
        synchronized (this) {
            running.remove(runningKey(req.system(), req.kind()));
            repositoriesOf.remove(runningKey(req.system(), req.kind()));
            for (String repo : repos) {
                int h = holders.getOrDefault(repo, 0);
                if (h <= 1) holders.remove(repo);
                else holders.put(repo, h - 1);
            }
            Slot slot = slots.get(new Key(req.system(), req.kind()));
            if (slot != null && !"manual".equals(req.trigger()) && !JobRun.CANCELLED.equals(result)) slot.awaited = null;
            if (slot != null && "manual".equals(req.trigger())) {
                // done by hand: the scheduled one, still due, is held back anew from now (not since before it)
                slot.heldSince = null;
                slot.heldBy = null;
            }
            if (slot != null) {
                if (done.ok()) {
                    slot.failures = 0;
                    slot.retryAt = null;
                } else if (JobRun.CANCELLED.equals(result)) {
                    // not done: due again as soon as the scheduler runs again (not a full interval later)
                    slot.retryAt = end;
                } else {
                    slot.failures++;
                    long factor = 1L << Math.min(slot.failures - 1, 20);
                    Duration wait = retryBase.multipliedBy(factor);
                    if (wait.compareTo(MAX_RETRY) > 0) wait = MAX_RETRY;
                    slot.retryAt = end.plus(wait);
                }
            }
            notifyAll();
        }
        try {
            listener.jobFinished(done);
        } catch (RuntimeException e) {
            say.accept("job " + done.id() + ": " + e.getMessage());
        }
    }

    /**
     * Asks for a job now (a button, the API, a file change): started at once when its repositories
     * are free, else queued until they are.
     *
     * @return the job's id, under which it runs now or will run once its repositories are free
     *     ({@link #queued(String)} until then)
     * @throws Busy when the same job of the same system runs or waits already, or the system is not in the plan
     */
    public synchronized String submit(JobRequest req) throws Busy {
        if (stopped) throw new Busy("the service is stopping");
        if (plan == null || !plan.systems().containsKey(req.system())) {
            throw new Busy("there is no system '" + req.system() + "' in the plan");
        }
        Running r = running.get(runningKey(req.system(), req.kind()));
        if (r != null) throw new Busy(req.system() + "'s " + req.kind().json() + " runs already (job " + r.run().id() + ")");
        for (JobRequest q : queued.values()) {
            if (q.system().equals(req.system()) && q.kind() == req.kind()) {
                throw new Busy(req.system() + "'s " + req.kind().json() + " waits already for its repository");
            }
        }
        Instant now = clock.instant();
        String id = JobLog.newId(now, req.kind().json(), req.system());
        if (!tryStart(req, now, id)) queued.put(id, req);
        return id;
    }

    /** The manual job waiting for its repositories under {@code id}, if any. */
    public synchronized Optional<JobRequest> queued(String id) {
        return Optional.ofNullable(queued.get(id));
    }

    /**
     * Marks the scheduled job of {@code system} and {@code kind} due now (a file change for a
     * continuous backup); nothing when it is not scheduled or already marked.
     */
    public synchronized void trigger(String system, JobKind kind, String trigger) {
        Slot s = slots.get(new Key(system, kind));
        if (s != null && s.pending == null) s.pending = trigger;
        notifyAll();
    }

    /** When {@code system} was first scheduled by this scheduler (start-up or the reload that added it), or null. */
    public synchronized Instant firstSeen(String system) {
        return firstSeen.get(system);
    }

    /** The jobs running now. */
    public synchronized List<Running> running() {
        return List.copyOf(running.values());
    }

    /** The scheduled jobs that are due but held back, each with what it waits for, in the plan's order. */
    public synchronized List<Waiting> waiting() {
        List<Waiting> out = new ArrayList<>();
        for (Map.Entry<Key, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            if (s.heldBy != null) out.add(new Waiting(e.getKey().system(), e.getKey().kind(), s.heldSince, s.heldBy));
        }
        return out;
    }

    /** The running job with this id. */
    public synchronized Optional<Running> running(String id) {
        return running.values().stream().filter(r -> r.run().id().equals(id)).findFirst();
    }

    /** The running job of {@code system}, if any (its newest). */
    public synchronized Optional<Running> runningFor(String system) {
        Running found = null;
        for (Running r : running.values()) if (r.run().system().equals(system)) found = r;
        return Optional.ofNullable(found);
    }

    /**
     * When the scheduled job of {@code system} and {@code kind} is next due (now when it is
     * overdue), or null when it is not scheduled or its schedule has no time to come.
     */
    public synchronized Instant nextDue(String system, JobKind kind) {
        Slot s = slots.get(new Key(system, kind));
        if (s == null) return null;
        Instant now = clock.instant();
        Instant due = due(s, kind, now);
        if (s.retryAt != null && (due == null || s.retryAt.isBefore(due))) due = s.retryAt;
        if (due == null) return null; // a schedule with no time to come
        return due.isBefore(now) ? now : due;
    }

    /**
     * Waits until {@code deadline} for the next thing to do or for {@link #wake()}; returns at once
     * when stopped. The service's scheduling thread calls {@link #tick()} and then this.
     */
    public synchronized void await(Instant deadline) throws InterruptedException {
        if (stopped) return;
        long ms = Duration.between(clock.instant(), deadline).toMillis();
        if (ms > 0) wait(Math.min(ms, 1000));
    }

    /** Makes {@link #await} return now (a plan reload, a stop). */
    public synchronized void wake() {
        notifyAll();
    }

    /**
     * Stops starting jobs and cancels those running (they remove their locks as they end).
     *
     * @return the jobs that were running
     */
    public synchronized List<Running> stop(String why) {
        stopped = true;
        // a manual job that never got its repository is recorded too: its id was given out
        Instant now = clock.instant();
        for (Map.Entry<String, JobRequest> q : queued.entrySet()) {
            JobRequest req = q.getValue();
            JobRun run = new JobRun(q.getKey(), host, req.system(), req.kind().json(), req.trigger(), now, now, JobRun.CANCELLED,
                    -1, -1, -1, null, "cancelled before it started: " + why);
            try {
                log.started(run);
            } catch (StateStoreException e) {
                say.accept("cannot record job " + run.id() + ": " + e.getMessage());
            }
        }
        queued.clear();
        for (Running r : running.values()) r.cancel().cancel(why);
        notifyAll();
        return List.copyOf(running.values());
    }

    /**
     * Waits up to {@code timeout} for the running jobs to end.
     *
     * @return true when none runs any more
     */
    public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!running.isEmpty()) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Whether {@link #stop} was called. */
    public synchronized boolean stopped() {
        return stopped;
    }
}
