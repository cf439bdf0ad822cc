package org.lifeboat.service;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanException;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Problem;
import org.lifeboat.plan.ServicePlan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.service.alert.AlertChannel;
import org.lifeboat.service.alert.CommandChannel;
import org.lifeboat.service.alert.EmailChannel;
import org.lifeboat.service.alert.Pinger;
import org.lifeboat.service.alert.WebhookChannel;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStore;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.StatusReader;
import org.lifeboat.status.SystemStatus;

/**
 * {@code lifeboat serve} without its web face (issue 13): holds the plan (reloaded when its file
 * changes or on {@link #reload()}, an invalid one refused and the old kept), runs the
 * {@link Scheduler}, looks at every system after each job and every {@code statusEvery}
 * ({@link StatusReader}), publishes what it saw to the state (the fleet's dashboard), raises and
 * clears alerts ({@link Monitor}), pings Healthchecks URLs and keeps the metrics.
 *
 * <p>Threads: one schedules, one looks (status, alerts, metrics, plan changes), one per running
 * job. {@link #close()} cancels running jobs (their locks are removed as they unwind) and waits
 * for them up to a minute.
 */
public final class Service implements AutoCloseable {
    /**
     * How the service runs.
     *
     * @param stateDb     a postgresql:// URL for a shared state, or null for the plan's state-db, else SQLite
     * @param host        this host's name in the state (several services may share it)
     * @param statusEvery how often every system is looked at besides after each job
     * @param retryBase   the first wait before a failed job is retried
     * @param keepJobs    how long finished runs stay in the job log
     * @param continuousQuiet how long a continuous system's files must be quiet before their backup (at most 6 times that after the first change)
     */
    public record Options(String stateDb, String host, Duration statusEvery, Duration retryBase, Duration keepJobs, Clock clock,
                          Duration continuousQuiet) {
        public Options(String stateDb, String host, Duration statusEvery, Duration retryBase, Duration keepJobs, Clock clock) {
            this(stateDb, host, statusEvery, retryBase, keepJobs, clock, Duration.ofSeconds(10));
        }

        /** Status every minute, retries from a minute, runs kept 90 days, this machine's name, the system clock. */
        public static Options defaults() {
            return new Options(null, StatusReader.localHost(), Duration.ofMinutes(1), Duration.ofMinutes(1),
                    Duration.ofDays(90), Clock.systemUTC());
        }
    }

    private final Path planFile;
    private final Options opts;
    private final PlanJobs.Opener opener;
    private final Consumer<String> say;

    private volatile Plan plan;
    private StateStore store;
    private JobLog jobs;
    private Incidents incidents;
    private FleetStatus fleet;
    private Scheduler scheduler;
    private Monitor monitor;
    private final ServiceMetrics metrics = new ServiceMetrics();
    private final Pinger pinger = new Pinger(Duration.ofSeconds(10));
    private ExecutorService workers;
    private Thread scheduling, looking;
    private ContinuousWatcher watcher;
    private volatile List<SystemStatus> statuses = List.of();
    private volatile Instant lookedAt;
    private volatile boolean lookNow;
    private final Object lookLock = new Object();
    private volatile boolean closed;
    private Instant lastTrim = Instant.EPOCH;
    private Instant lastGc = Instant.EPOCH;
    private volatile int jobsSinceGc;
    /** How long after start-up (or a system's addition) a backup that is due but waits for its repository is no RPO breach. */
    static final Duration START_UP_GRACE = Duration.ofMinutes(2);

    /**
     * @param say where the service's own lines go (started, reloaded, a job's end, delivery failures)
     */
    public Service(Path planFile, Options opts, PlanJobs.Opener opener, Consumer<String> say) {
        this.planFile = planFile.toAbsolutePath().normalize();
        this.opts = opts;
        // every job's and look's repositories give their request figures to the metrics as they close
        this.opener = (plan, exclusive, cancel) -> opener.open(plan, exclusive, cancel).onClose(metrics::backendRequests);
        this.say = say;
    }

    /**
     * Loads the plan, opens the state, marks runs left running by a previous process as
     * cancelled, and starts scheduling and looking.
     *
     * @throws PlanException when the plan is not valid (the service does not start)
     * @throws StateStoreException when the state cannot be opened
     * @throws IOException when the plan cannot be read, or a password file of an alert channel cannot
     */
    public void start() throws PlanException, StateStoreException, IOException {
        open();
        run();
    }

    /**
     * The first half of {@link #start()}: the plan loaded, the state opened and locked, nothing
     * run yet (a face that cannot start, a port in use, says so before any job has run).
     *
     * @throws PlanException when the plan is not valid
     * @throws StateStoreException when the state cannot be opened
     * @throws IOException when the plan cannot be read or another serve holds the state
     */
    public void open() throws PlanException, StateStoreException, IOException {
        Plan p = load();
        List<AlertChannel> channels = channels(p);
        lockInstance(StateDir.of(p));
        String db = opts.stateDb() != null ? opts.stateDb() : p.service().stateDb();
        store = StateStore.open(db, StateDir.of(p));
        jobs = new JobLog(store);
        incidents = new Incidents(store);
        fleet = new FleetStatus(store);
        int left = jobs.abandon(opts.host(), opts.clock().instant(), "the service stopped while it ran");
        if (left > 0) say.accept(left + " job" + (left == 1 ? "" : "s") + " left running by the previous service marked cancelled");
        monitor = new Monitor(opts.host(), incidents, channels, say);
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newThreadPerTaskExecutor(r -> {
            Thread t = new Thread(r, "lifeboat-job-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        PlanJobs runner = new PlanJobs(opener, StateDir.of(p), db);
        // a restore's target is judged again when its job starts: the API's look may be minutes old
        runner.restoreRefusal = target -> {
            try {
                RestoreTarget.check(this, target);
                return null;
            } catch (RestoreTarget.Refused e) {
                return e.getMessage();
            }
        };
        scheduler = new Scheduler(opts.clock(), ZoneId.systemDefault(), opts.host(), jobs, runner, workers, new Scheduler.Listener() {
            @Override
            public void jobStarted(JobRun run) {
                ping(run, null);
            }

            @Override
            public void jobFinished(JobRun run) {
                say.accept(run.system() + ": " + run.kind() + " " + run.result() + (run.message() == null ? "" : ": " + run.message()));
                metrics.jobFinished(run);
                jobsSinceGc++;
                ping(run, run.result());
                lookSoon();
            }
        }, opts.retryBase(), say);
        plan = p;
        scheduler.setPlan(p);
    }

    /** The second half of {@link #start()}: scheduling, watching and looking begin. */
    public void run() {
        watch(plan);
        // The first due jobs start before the first look, which then sees them running.
        scheduler.tick();
        scheduling = Thread.ofPlatform().name("lifeboat-scheduler").daemon(true).start(this::scheduleLoop);
        looking = Thread.ofPlatform().name("lifeboat-status").daemon(true).start(this::lookLoop);
    }

    private Plan load() throws PlanException, IOException {
        Plan p = PlanLoader.load(planFile, null, PlanLoader.Generators.placeholders());
        for (Problem w : p.warnings()) say.accept(w.toString());
        return p;
    }

    /**
     * Reads the plan again: a changed, valid plan replaces the running one (schedules, alerts);
     * an invalid one is refused with its problems said, and the old one kept.
     *
     * @return true when a changed plan was taken
     */
    private java.nio.channels.FileChannel instanceLock;

    /**
     * One service per plan state on this machine: a second would run every job twice and take
     * the first one's running jobs for abandoned. Held (an OS file lock, gone with the process)
     * in the state folder's {@code serve.lock}.
     *
     * @throws IOException naming the process that holds it
     */
    private void lockInstance(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path f = stateDir.resolve("serve.lock");
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.READ);
        java.nio.channels.FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            String who = "";
            try {
                who = " (PID " + Files.readString(f).strip() + ")";
            } catch (IOException ignored) {
                // the message names the file anyway
            }
            ch.close();
            throw new IOException("another lifeboat serve" + who + " runs on this plan's state (" + f
                    + "); stop it first, or give this one its own state-dir");
        }
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
        instanceLock = ch;
    }

    /** Told after every reload request (SIGHUP, a changed file), whether the plan changed or not. */
    public void onReload(Runnable r) {
        reloadListeners.add(r);
    }

    private final List<Runnable> reloadListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public synchronized boolean reload() {
        try {
            return reloadPlan();
        } finally {
            for (Runnable r : reloadListeners) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    say.accept("reload: " + e.getMessage());
                }
            }
        }
    }

    private boolean reloadPlan() {
        Plan p;
        List<AlertChannel> channels;
        try {
            p = load();
            channels = channels(p);
        } catch (PlanException e) {
            say.accept("the plan " + planFile + " was not reloaded, it has problems (the old plan stays):\n" + e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            say.accept("the plan " + planFile + " was not reloaded: " + e.getMessage() + " (the old plan stays)");
            return false;
        }
        if (p.hash().equals(plan.hash())) return false;
        plan = p;
        Monitor before = monitor;
        monitor = new Monitor(opts.host(), incidents, channels, say);
        before.close(Duration.ofMinutes(2)); // its channels still send what they hold
        scheduler.setPlan(p);
        watch(p);
        scheduler.wake();
        say.accept("plan " + planFile + " reloaded (" + p.systems().size() + (p.systems().size() == 1 ? " system)" : " systems)"));
        lookSoon();
        return true;
    }

    /** (Re)starts watching the continuous systems' folders of {@code p}. */
    private synchronized void watch(Plan p) {
        if (watcher != null) watcher.close();
        watcher = null;
        boolean any = p.service().systems().values().stream()
                .anyMatch(j -> j.schedule().get("backup") instanceof org.lifeboat.plan.Schedule.Continuous);
        if (!any) return;
        try {
            watcher = new ContinuousWatcher(p, opts.continuousQuiet(), opts.continuousQuiet().multipliedBy(6),
                    (system, trigger) -> {
                        scheduler.trigger(system, JobKind.BACKUP, trigger);
                        scheduler.wake();
                    }, say);
        } catch (IOException e) {
            say.accept("cannot watch files for continuous backups (" + e.getMessage() + "); they run every half RPO instead");
        }
    }

    private void scheduleLoop() {
        long lastCheck = 0;
        while (!closed && !scheduler.stopped()) {
            try {
                Instant next = scheduler.tick();
                // The plan file is watched by its hash every few seconds: an edit is picked up without a SIGHUP.
                if (System.nanoTime() - lastCheck > 2_000_000_000L) {
                    lastCheck = System.nanoTime();
                    if (changed()) reload();
                }
                scheduler.await(next);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // said once per kind of failure, and never a busy loop: wait before the next try
                String line = "scheduler: " + e;
                if (!line.equals(lastSchedulerError)) say.accept(line);
                lastSchedulerError = line;
                try {
                    scheduler.await(opts.clock().instant().plusSeconds(5));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private String lastSchedulerError;

    private byte[] lastRead;

    private boolean changed() {
        try {
            byte[] now = Files.readAllBytes(planFile);
            if (lastRead == null) {
                lastRead = now;
                return false;
            }
            if (java.util.Arrays.equals(now, lastRead)) return false;
            lastRead = now;
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void lookLoop() {
        while (!closed) {
            try {
                look();
            } catch (RuntimeException e) {
                say.accept("status: " + e);
            }
            synchronized (lookLock) {
                long until = System.nanoTime() + lookEvery(plan).toNanos();
                while (!closed && !lookNow) {
                    long left = until - System.nanoTime();
                    if (left <= 0) break;
                    try {
                        lookLock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                lookNow = false;
            }
        }
    }

    /**
     * How often every system is looked at: {@code statusEvery}, or a quarter of the smallest RPO
     * when that is shorter (at least every 5 s), so a breach is seen well within the RPO.
     */
    Duration lookEvery(Plan p) {
        Duration every = opts.statusEvery();
        for (org.lifeboat.plan.SystemSpec s : p.systems().values()) {
            if (s.backup() == null || s.rpo() == null || s.rpo().isZero()) continue;
            Duration q = s.rpo().dividedBy(4);
            if (q.compareTo(every) < 0) every = q;
        }
        return every.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : every;
    }

    /** Asks for a look at every system now (after a job, a reload). */
    public void lookSoon() {
        synchronized (lookLock) {
            lookNow = true;
            lookLock.notifyAll();
        }
    }

    /**
     * Whether {@code r} is a backup whose end may still clear its system's breach: one that has run
     * for less than the system's RPO (at least {@link #HUNG_BACKUP_MIN}). A backup that runs longer
     * (a dump waiting on a lock, a stalled network share) no longer keeps the breach from being
     * raised: it would otherwise keep it silent for as long as it hangs.
     */
    static boolean backupThatMayCatchUp(Plan p, Scheduler.Running r, Instant now) {
        if (!r.run().kind().equals("backup")) return false;
        SystemSpec s = p.system(r.run().system());
        Duration allowed = s == null || s.rpo() == null || s.rpo().compareTo(HUNG_BACKUP_MIN) < 0 ? HUNG_BACKUP_MIN : s.rpo();
        return Duration.between(r.run().started(), now).compareTo(allowed) < 0;
    }

    /** The least time a running backup keeps its system's breach from being raised. */
    static final Duration HUNG_BACKUP_MIN = Duration.ofMinutes(1);

    /**
     * Looks at every system once: statuses, the fleet's rows, alerts and metrics. An unreachable
     * repository is a problem of its systems, never the end of the service.
     */
    public void look() {
        Plan p = plan;
        Instant now = opts.clock().instant();
        try {
            if (store.reopenIfRemoved()) {
                say.accept("the state database " + store.where() + " was removed while the service ran; a new one is made there:"
                        + " the job history, drill records and open alerts recorded before are gone (open alerts are raised again)");
            }
        } catch (StateStoreException e) {
            say.accept("the state database " + store.where() + " was removed and cannot be made again: " + e.getMessage());
        }
        // runs that ended while the state could not be written are recorded as soon as it can be
        int unrecorded = scheduler.recordKept();
        List<SystemRun> history;
        try (DrillStore drills = new DrillStore(store)) {
            history = drills.history(null, null);
            metrics.state(true, unrecorded);
        } catch (StateStoreException e) {
            say.accept("cannot read the drill history: " + e.getMessage());
            metrics.state(false, unrecorded);
            history = List.of();
        }
        // Systems whose backup runs or (at start-up) is due as this look begins: what is read below
        // may be from before that backup ended, so a breach it shows is not alerted this time.
        java.util.Set<String> backingUp = new java.util.HashSet<>();
        for (Scheduler.Running r : scheduler.running()) if (backupThatMayCatchUp(p, r, now)) backingUp.add(r.run().system());
        // At start-up (or after the reload that added a system) the first backups wait for each
        // other's repository: a system whose first backup is due but not started yet is not a
        // breach to wake someone for.
        for (String name : p.systems().keySet()) {
            Instant first = scheduler.firstSeen(name);
            if (first == null || Duration.between(first, now).compareTo(START_UP_GRACE) >= 0) continue;
            Instant due = scheduler.nextDue(name, JobKind.BACKUP);
            if (due != null && !due.isAfter(opts.clock().instant())) backingUp.add(name);
        }
        List<SystemStatus> seen = null;
        // Read without locks, a look can meet a snapshot that a forget removes as it is listed: a
        // problem is read once more before it counts (a repository that stays unreadable stays a problem).
        for (int attempt = 0; attempt < 2; attempt++) {
            try (Repositories repos = opener.open(p, false, Cancel.NEVER).forStatus().withoutLocks()) {
                seen = StatusReader.read(p, repos, history, opts.host(), now);
                if (Duration.between(lastSized, now).compareTo(SIZE_EVERY) >= 0) {
                    lastSized = now;
                    metrics.repositorySizes(sizes(p, repos));
                }
            } catch (IOException e) {
                say.accept("status: " + e.getMessage());
                return;
            }
            if (seen.stream().noneMatch(x -> x.problem() != null)) break;
        }
        // a look cut short by the stop read "nothing": never turned into statuses or incidents
        if (closed || scheduler.stopped()) return;
        statuses = seen;
        lookedAt = now;
        Map<String, List<JobRun>> lastRuns = new LinkedHashMap<>(), lastOk = new LinkedHashMap<>();
        try {
            // the newest run that ended: a run going on says nothing yet (a retry must not clear a failure)
            for (SystemStatus s : seen) {
                lastRuns.put(s.name(), new ArrayList<>());
                lastOk.put(s.name(), new ArrayList<>());
            }
            for (JobRun r : jobs.newestFinished(opts.host(), false)) {
                if (!r.kind().equals(JobKind.RESTORE.json()) && lastRuns.containsKey(r.system())) lastRuns.get(r.system()).add(r);
            }
            for (JobRun r : jobs.newestFinished(opts.host(), true)) {
                if (!r.kind().equals(JobKind.RESTORE.json()) && lastOk.containsKey(r.system())) lastOk.get(r.system()).add(r);
            }
            List<FleetStatus.Row> rows = new ArrayList<>();
            for (SystemStatus s : seen) rows.add(new FleetStatus.Row(opts.host(), s.name(), now, s.toJson().toString()));
            fleet.publish(opts.host(), rows);
            for (Scheduler.Running r : scheduler.running()) if (backupThatMayCatchUp(p, r, now)) backingUp.add(r.run().system());
            monitor.look(seen, lastRuns, backingUp, now);
            monitor.gone(p.systems().keySet(), now);
            monitor.retry();
            metrics.update(seen, lastRuns, lastOk, now);
            metrics.counts(scheduler.running().size(), incidents.open(opts.host()).size());
            Duration sinceGc = Duration.between(lastGc, now);
            if (jobsSinceGc > 0 && sinceGc.compareTo(Duration.ofMinutes(1)) >= 0
                    && (scheduler.running().isEmpty() || sinceGc.compareTo(Duration.ofMinutes(5)) >= 0)) {
                // Idle after jobs (or every 5 minutes when jobs never pause): a full collection lets
                // the collector give their memory back to the system (MaxHeapFreeRatio), so a
                // service's RSS follows its live data.
                lastGc = now;
                jobsSinceGc = 0;
                System.gc();
            }
            if (Duration.between(lastTrim, now).compareTo(Duration.ofDays(1)) > 0) {
                lastTrim = now;
                jobs.deleteBefore(now.minus(opts.keepJobs()));
            }
        } catch (StateStoreException e) {
            say.accept("the state cannot be used now: " + e.getMessage());
            metrics.state(false, unrecorded);
        }
    }

    private void ping(JobRun run, String result) {
        String url = plan.service().jobs(run.system()).ping().get(run.kind());
        if (url == null) return;
        URI u;
        try {
            u = new URI(url);
        } catch (java.net.URISyntaxException e) {
            say.accept(run.system() + ": the " + run.kind() + " ping URL is not a URL (" + e.getReason() + ")");
            return;
        }
        // Started on a thread of its own: a slow ping endpoint never holds a job back.
        Thread.ofVirtual().start(() -> {
            java.util.Optional<String> bad = result == null ? pinger.tryStart(u)
                    : JobRun.SUCCEEDED.equals(result) || JobRun.PARTIAL.equals(result) ? pinger.trySuccess(u)
                    : pinger.tryFailure(u, run.system() + " " + run.kind() + " " + result + ": " + run.message());
            bad.ifPresent(m -> say.accept(run.system() + ": the " + run.kind() + " " + m));
        });
    }

    /** The alert channels of the plan, their passwords read now. */
    static List<AlertChannel> channels(Plan p) throws IOException {
        List<AlertChannel> out = new ArrayList<>();
        for (ServicePlan.AlertChannel c : p.service().alerts()) {
            try {
                out.add(channel(c));
            } catch (IllegalArgumentException e) {
                throw new IOException("alert channel " + c + " cannot be used: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static AlertChannel channel(ServicePlan.AlertChannel c) throws IOException {
        {
            return (switch (c) {
                case ServicePlan.Webhook w -> new WebhookChannel(URI.create(w.url()), WebhookChannel.Format.parse(w.format()),
                        Duration.ofSeconds(10));
                case ServicePlan.Email e -> new EmailChannel(e.to(), e.from(), e.host(), e.port(), e.user(),
                        secret(e.passwordFile(), e.passwordEnv(), "the SMTP password"), e.starttls(), Duration.ofSeconds(30));
                case ServicePlan.Command x -> new CommandChannel(x.run(), Duration.ofSeconds(60));
            });
        }
    }

    /**
     * A password from a file (trimmed) or an environment variable; null when neither is named.
     *
     * @throws IOException naming the file or variable when it cannot be read or is empty
     */
    public static String secret(String file, String env, String what) throws IOException {
        if (file != null) {
            String s;
            try {
                s = Files.readString(Path.of(file)).strip();
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("cannot read " + what + " from " + file + ": it does not exist", e);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IOException("cannot read " + what + " from " + file + ": permission denied", e);
            } catch (IOException e) {
                throw new IOException("cannot read " + what + " from " + file + ": " + e.getMessage(), e);
            }
            if (s.isEmpty()) throw new IOException(what + " file " + file + " is empty");
            return s;
        }
        if (env != null) {
            String s = System.getenv(env);
            if (s == null || s.isEmpty()) throw new IOException(what + " variable " + env + " is not set");
            return s;
        }
        return null;
    }

    /** The plan running now (the newest valid one). */
    public Plan plan() {
        return plan;
    }

    /** The scheduler (running jobs, manual jobs). */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The job log in the state. */
    public JobLog jobs() {
        return jobs;
    }

    /** The alert incidents in the state. */
    public Incidents incidents() {
        return incidents;
    }

    /** Every host's published status in the state. */
    public FleetStatus fleet() {
        return fleet;
    }

    /** The state (SQLite or PostgreSQL). */
    public StateStore store() {
        return store;
    }

    /** The alerts' sender (tests wait for its queues with {@link Monitor#drain}). */
    public Monitor monitor() {
        return monitor;
    }

    /** The Prometheus metrics. */
    public ServiceMetrics metrics() {
        return metrics;
    }

    /** This host's name in the state. */
    public String host() {
        return opts.host();
    }

    /** The service's clock. */
    public Clock clock() {
        return opts.clock();
    }

    /** The statuses of the newest look (empty before the first). */
    public List<SystemStatus> statuses() {
        return statuses;
    }

    /** When the newest look was, or null. */
    public Instant lookedAt() {
        return lookedAt;
    }

    /** How often the repositories' sizes are measured (a listing of every pack file). */
    static final Duration SIZE_EVERY = Duration.ofMinutes(10);
    private Instant lastSized = Instant.EPOCH;

    /** The bytes of the pack files of each repository of the plan that could be opened. */
    private static Map<String, Long> sizes(Plan p, Repositories repos) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : p.repositories().keySet()) {
            try {
                long sum = 0;
                for (org.lifeboat.repository.Repository.PackFile f : repos.get(name).listPacks()) sum += f.size();
                out.put(name, sum);
            } catch (Exception e) {
                // not reachable now: its systems show the problem; no size is better than a wrong one
            }
        }
        return out;
    }

    /** Says {@code line} where the service's own lines go (its log). */
    public void say(String line) {
        say.accept(line);
    }

    /**
     * What of Lifeboat's own {@code target} lies in or holds: a local repository of the plan, the
     * state folder, or a file the service reads (the plan file, a password file, the TLS
     * certificate and key), as named and with symbolic links of its existing part resolved; else
     * null. A restore from the dashboard is never written there, nor into a folder above one: a
     * snapshot holding a file of the same name would replace the plan or lose a repository's
     * password.
     */
    public String protectedPlace(Path target) {
        Plan p = plan;
        Map<String, Path> places = new LinkedHashMap<>();
        for (Plan.RepositorySpec r : p.repositories().values()) {
            String url = r.url();
            String local = url.startsWith("local:") ? url.substring(6) : url.startsWith("/") ? url : null;
            if (local != null) places.put("repository '" + r.name() + "' (" + local + ")", Path.of(local));
        }
        places.put("the state folder " + StateDir.of(p), StateDir.of(p));
        Path base = p.file() == null ? Path.of("") : p.file().toAbsolutePath().getParent();
        java.util.function.BiConsumer<String, String> file = (what, name) -> {
            if (name != null && !name.isBlank()) {
                Path f = base.resolve(name);
                places.put(what + " " + f, f);
            }
        };
        if (p.file() != null) places.put("the plan file " + p.file(), p.file());
        for (Plan.RepositorySpec r : p.repositories().values()) file.accept("the password file of repository '" + r.name() + "'", r.passwordFile());
        ServicePlan.Serve serve = p.service().serve();
        if (serve != null) {
            file.accept("the dashboard's password file", serve.passwordFile());
            file.accept("the TLS certificate", serve.tlsCert());
            file.accept("the TLS key", serve.tlsKey());
        }
        for (ServicePlan.AlertChannel a : p.service().alerts()) {
            if (a instanceof ServicePlan.Email e) file.accept("the SMTP password file", e.passwordFile());
        }
        Path t = target.toAbsolutePath().normalize();
        Path real = realOfExisting(t);
        for (Map.Entry<String, Path> e : places.entrySet()) {
            Path place = e.getValue().toAbsolutePath().normalize();
            Path placeReal = realOfExisting(place);
            if (t.startsWith(place) || real.startsWith(placeReal) || real.startsWith(place)) return e.getKey();
            // a target holding one: the snapshot's folders of the same names would be written into it
            if (place.startsWith(t) || placeReal.startsWith(real) || placeReal.startsWith(t)) return e.getKey() + ", which lies inside it";
        }
        return null;
    }

    /** {@code p} with its longest existing ancestor's symbolic links resolved. */
    private static Path realOfExisting(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return p;
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return p;
        }
    }

    /** The plan's repositories opened without locks, to list snapshots only; the caller closes them. */
    public Repositories openForListing() {
        return opener.open(plan, false, Cancel.NEVER).forReading().withoutLocks();
    }

    /** The plan's repositories opened for reading (the snapshot browser); the caller closes them. */
    public Repositories openForReading() {
        return opener.open(plan, false, Cancel.NEVER).forReading();
    }

    /**
     * Stops: no new jobs, running ones cancelled (their locks removed as they unwind), waited for
     * up to a minute; then the state is closed.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (scheduler != null) {
            List<Scheduler.Running> r = scheduler.stop("the service is stopping");
            if (!r.isEmpty()) say.accept("stopping: cancelling " + r.size() + " running job" + (r.size() == 1 ? "" : "s"));
            try {
                if (!scheduler.awaitIdle(Duration.ofMinutes(1))) say.accept("stopping: jobs still running after a minute");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lookSoon();
        synchronized (this) {
            if (watcher != null) watcher.close();
        }
        for (Thread t : new Thread[] {scheduling, looking}) {
            if (t == null) continue;
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (workers != null) workers.shutdownNow();
        if (monitor != null) {
            try {
                monitor.drain(Duration.ofSeconds(5)); // alerts already raised still go out
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            monitor.close(Duration.ofSeconds(1));
        }
        metrics.registry().close();
        if (store != null) store.close();
        if (instanceLock != null) {
            try {
                instanceLock.close();
            } catch (IOException ignored) {
                // the OS lock goes with the process anyway
            }
        }
    }
}
