package org.lifeboat.recovery;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.lifeboat.plan.Check;
import org.lifeboat.plan.Graph;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;

/**
 * Runs a recovery plan: the chosen systems and everything they depend on, wave by wave; the
 * systems of a wave in parallel (bounded). Per system: pick the snapshot (the latest, or the
 * latest at or before {@code at}), run the restore steps, then the checks. A system that fails
 * blocks everything that depends on it; independent systems go on.
 */
public final class Recovery {
    /** Live events, for the operator's terminal. Called from several threads. */
    public interface Listener {
        default void systemStarted(String system, int wave, Snapshot snapshot) {}

        default void stepStarted(String system, int index, Step step) {}

        default void stepFinished(String system, StepResult r) {}

        default void checkFinished(String system, CheckResult r) {}

        default void systemFinished(SystemResult r) {}

        /** How a system's snapshot was chosen, when that is worth saying ({@code recover --from}). */
        default void note(String system, String note) {}
    }

    /**
     * systems: what to recover (empty: all); at: the latest point to take data from (null: now);
     * parallel: systems at once within a wave; logDir: where background commands write; env: more
     * variables for every command (a drill marks its processes with its ID).
     */
    public record Options(List<String> systems, Instant at, int parallel, Path logDir, Map<String, String> env, String from,
                          boolean clean) {
        public Options(List<String> systems, Instant at, int parallel, Path logDir) {
            this(systems, at, parallel, logDir, Map.of());
        }

        public Options(List<String> systems, Instant at, int parallel, Path logDir, Map<String, String> env) {
            this(systems, at, parallel, logDir, env, null, false);
        }

        /** The same options restoring from the plan repository {@code repository} (null: each system's own). */
        public Options from(String repository) {
            return new Options(systems, at, parallel, logDir, env, repository, clean);
        }

        /**
         * The same options taking each system's clean point ({@code --clean}: the newest snapshot
         * before its latest run of suspicious ones, {@link Anomalies#cleanPoint}) unless {@code at} is given.
         */
        public Options clean(boolean clean) {
            return new Options(systems, at, parallel, logDir, env, from, clean);
        }
    }

    /**
     * The snapshot a system is recovered from and where: {@code repository} the plan repository it
     * is in; {@code note} how it was chosen when that is worth saying (null otherwise).
     */
    public record Choice(Snapshot snapshot, String repository, String note) {}

    /**
     * The snapshot of {@code sys} to recover from repository {@code from} (null: the system's own
     * repository, as {@link #chooseSnapshot}). From another repository it is the same snapshot the
     * system's own repository would give, found there by its {@code original} (or ID) with the same
     * time, tree, host, paths and tags ({@link org.lifeboat.copy.Copier#similar}, copy's rule): a copy is
     * the same data. When the own repository cannot be read (gone with the site) or its choice has
     * no copy in {@code from}, it is the newest snapshot of the system in {@code from} by the same
     * rules ({@link SystemSnapshots}, {@code at}); the note says which.
     *
     * @throws Exception when {@code from} cannot be opened or listed
     */
    public static Choice chooseSnapshot(Plan plan, SystemSpec sys, Repositories repos, Instant at, String from,
                                        java.util.function.Consumer<String> warn) throws Exception {
        return chooseSnapshot(plan, sys, repos, at, from, false, warn);
    }

    /**
     * {@link #chooseSnapshot(Plan, SystemSpec, Repositories, Instant, String, java.util.function.Consumer)},
     * taking the system's clean point when {@code clean} and {@code at} is null: the newest snapshot
     * from before its latest run of snapshots tagged suspicious ({@link Anomalies#cleanPoint}); the
     * choice's note says which snapshots were passed over, or that none is suspicious.
     *
     * @throws Exception when the repository cannot be opened or listed
     */
    public static Choice chooseSnapshot(Plan plan, SystemSpec sys, Repositories repos, Instant at, String from, boolean clean,
                                        java.util.function.Consumer<String> warn) throws Exception {
        if (clean && at == null && sys.backup() != null) {
            String in = from != null ? from : sys.backup().repository();
            List<Snapshot> mine = SystemSnapshots.of(sys, repos.snapshots(in, w -> {}));
            Anomalies.Clean c = Anomalies.cleanPoint(mine);
            if (c.firstSuspicious() == null) {
                Choice ch = chooseSnapshot(plan, sys, repos, null, from, false, warn);
                return new Choice(ch.snapshot(), ch.repository(), join(ch.note(), "--clean: no snapshot of system '" + sys.name()
                        + "' is tagged " + Anomalies.TAG + " in repository '" + in + "', so its latest is used"));
            }
            java.time.temporal.ChronoUnit sec = java.time.temporal.ChronoUnit.SECONDS;
            String passed = "snapshot " + c.firstSuspicious().id().shortHex() + " of " + c.firstSuspicious().time().truncatedTo(sec)
                    + " is suspicious" + (c.run() == 1 ? "" : ", the first of " + c.run() + " in a row")
                    + "; it and every later snapshot are passed over";
            if (c.snapshot() == null) {
                return new Choice(null, in, "--clean: no clean point: the oldest snapshot of system '" + sys.name() + "' in '" + in
                        + "' is already suspicious (" + passed + ")");
            }
            // The clean point's own time as --at: the same rules (host, paths, clock skew) pick it.
            Choice ch = chooseSnapshot(plan, sys, repos, c.firstSuspicious().time().toInstant().minusNanos(1), from, false, warn);
            String earlier = c.earlier() == null ? "" : "; an earlier attack was flagged too (snapshot " + c.earlier().id().shortHex()
                    + " of " + c.earlier().time().truncatedTo(sec) + "): this clean point is after it, so it is clean only if that"
                    + " attack was cleaned up; if not, recover with --at a time before it";
            return new Choice(ch.snapshot(), ch.repository(), join(ch.note(), "--clean: the clean point, snapshot "
                    + (ch.snapshot() == null ? "none" : ch.snapshot().id().shortHex() + " of " + ch.snapshot().time().truncatedTo(sec))
                    + "; " + passed + earlier));
        }
        String own = sys.backup() == null ? null : sys.backup().repository();
        if (from == null || own == null || from.equals(own)) return new Choice(chooseSnapshot(plan, sys, repos, at, warn), own, null);
        Snapshot primary = null;
        String primaryProblem = null;
        // A future-dated snapshot passed over in the own repository is named when its choice is what is restored.
        List<String> skewed = new ArrayList<>();
        try {
            primary = chooseSnapshot(plan, sys, repos, at, w -> {
                if (w.contains(SystemSnapshots.CLOCK_SKEW)) skewed.add(w);
            });
        } catch (Exception e) {
            primaryProblem = message(e);
        }
        SystemSpec there = new SystemSpec(sys.name(), sys.description(), sys.owner(), sys.contacts(), sys.dependsOn(), sys.rpo(),
                sys.rto(), sys.drillEvery(), new SystemSpec.Backup(from, sys.backup().sources(), sys.backup().before(),
                sys.backup().after(), sys.backup().host()), sys.restore(), sys.verify());
        if (primary != null) {
            org.lifeboat.repository.Id key = primary.original() != null ? primary.original() : primary.id();
            for (Snapshot s : SystemSnapshots.of(sys, repos.snapshots(from, warn))) {
                org.lifeboat.repository.Id k = s.original() != null ? s.original() : s.id();
                // copy's rule (Copier.similar): a snapshot that only claims the original is not its copy
                if (k.equals(key) && org.lifeboat.copy.Copier.similar(s, primary)) {
                    skewed.forEach(warn);
                    return new Choice(s, from, "the copy of snapshot " + primary.id().shortHex() + " of repository '" + own + "'");
                }
            }
        }
        Snapshot newest = chooseSnapshot(plan, there, repos, at, warn);
        String note = primaryProblem != null ? "repository '" + own + "' cannot be read (" + primaryProblem + "); the newest snapshot in '"
                + from + "'" + (at == null ? "" : " at or before " + at)
                : primary != null ? "snapshot " + primary.id().shortHex() + " of repository '" + own + "' has no copy in '" + from
                + "'; the newest snapshot there" + (at == null ? "" : " at or before " + at) + older(newest, primary)
                : null;
        return new Choice(newest, from, note);
    }

    private static String join(String a, String b) {
        return a == null ? b : a + "; " + b;
    }

    /**
     * ", snapshot N of TIME, D older than P of TIME" when the copy {@code newest} is older than the own
     * repository's choice {@code primary} (a lagging copy: the recovery loses that much more data); else "".
     */
    private static String older(Snapshot newest, Snapshot primary) {
        if (newest == null || !newest.time().isBefore(primary.time())) return "";
        java.time.temporal.ChronoUnit sec = java.time.temporal.ChronoUnit.SECONDS;
        return ", snapshot " + newest.id().shortHex() + " of " + newest.time().truncatedTo(sec) + ", "
                + org.lifeboat.plan.Durations.format(java.time.Duration.between(newest.time().toInstant(), primary.time().toInstant()))
                + " older than " + primary.id().shortHex() + " of " + primary.time().truncatedTo(sec);
    }

    private final Plan plan;
    private final Repositories repos;
    private final Options opts;
    private final Listener listener;

    private final org.lifeboat.backend.Cancel cancel;
    /** Unregisters the kills of the background commands started so far (a normal end keeps them running). */
    private final List<Runnable> backgroundKills = java.util.Collections.synchronizedList(new ArrayList<>());

    /** A recovery that no cancel stops. */
    public Recovery(Plan plan, Repositories repos, Options opts, Listener listener) {
        this(plan, repos, opts, listener, org.lifeboat.backend.Cancel.NEVER);
    }

    /**
     * A recovery for the job whose token is {@code cancel}: once it is cancelled no step, check or
     * system starts, a running path restore stops, the processes of running command steps and
     * checks are killed with what they started, and so are the background commands this run
     * started; {@link #run()} then throws {@link org.lifeboat.backend.Cancel.Cancelled}.
     */
    public Recovery(Plan plan, Repositories repos, Options opts, Listener listener, org.lifeboat.backend.Cancel cancel) {
        this.plan = plan;
        this.repos = repos;
        this.opts = opts;
        this.listener = listener;
        this.cancel = cancel;
    }

    /** The systems to recover, with everything they depend on, in the plan's order. */
    public static List<String> selection(Plan plan, List<String> chosen) throws RecoveryException {
        for (String s : chosen) {
            if (!plan.systems().containsKey(s)) {
                throw new RecoveryException("there is no system '" + s + "' in " + plan.file() + " (systems: "
                        + String.join(", ", plan.systems().keySet()) + ")");
            }
        }
        return chosen.isEmpty() ? List.copyOf(plan.systems().keySet()) : Graph.closure(plan.systems(), chosen);
    }

    /**
     * The snapshot a system would be recovered from: its latest, or its latest at or before
     * {@code at}; null when it has none. "Latest" is {@link SystemSnapshots#latest}: a snapshot dated
     * in the future is used only when all are, and is named to {@code warn} either way. Only the system's own snapshots count
     * ({@link SystemSnapshots}); a newer snapshot that carries the system's tag but not its host or
     * paths is named to {@code warn}, as it is passed over.
     *
     * @throws Exception when the repository cannot be opened or listed
     */
    public static Snapshot chooseSnapshot(Plan plan, SystemSpec sys, Repositories repos, Instant at,
                                          java.util.function.Consumer<String> warn) throws Exception {
        if (sys.backup() == null) return null;
        List<Snapshot> tagged = new SnapshotFilter(List.of(), List.of(sys.tag()), List.of())
                .apply(repos.snapshots(sys.backup().repository(), warn));
        List<Snapshot> candidates = new ArrayList<>();
        for (Snapshot s : SystemSnapshots.of(sys, tagged)) {
            if (at == null || !s.time().toInstant().isAfter(at)) candidates.add(s);
        }
        // A snapshot dated in the future (a wrong clock, restic backup --time) is not the latest while
        // one dated no later than now exists: its date says nothing about its data (SystemSnapshots.latest).
        Instant now = Instant.now();
        Snapshot best = SystemSnapshots.latest(candidates, now);
        String future = SystemSnapshots.futureWarning(sys, SystemSnapshots.newestInFuture(candidates, now), best, now);
        if (future != null) warn.accept(future);
        for (Snapshot s : tagged) {
            if (at != null && s.time().toInstant().isAfter(at)) continue;
            if (best != null && s.time().toInstant().isBefore(best.time().toInstant())) continue;
            if (best != null && s.time().toInstant().isAfter(now)) continue; // named above, if the system's
            String why = SystemSnapshots.mismatch(sys, s);
            if (why != null) warn.accept(foreign(sys, s, why));
        }
        return best;
    }

    /** The sentence for a snapshot that carries a system's tag but is not the system's. */
    static String foreign(SystemSpec sys, Snapshot s, String why) {
        return "snapshot " + s.id().shortHex() + " is tagged " + sys.tag() + " but is not a backup of system '" + sys.name()
                + "' as the plan describes it (" + why + "); it is not used";
    }

    /**
     * Recovers the selected systems wave by wave.
     *
     * @throws RecoveryException when the selection is wrong or a system's recovery broke unexpectedly
     * @throws org.lifeboat.backend.Cancel.Cancelled when the job was cancelled (after every started
     *     step has stopped)
     */
    public RecoveryResult run() throws RecoveryException, org.lifeboat.backend.Cancel.Cancelled {
        List<String> selected = selection(plan, opts.systems());
        List<List<String>> waves = Graph.waves(plan.systems(), selected);
        Instant started = Instant.now();
        Map<String, SystemResult> results = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, opts.parallel()), r -> {
            Thread t = new Thread(r, "recover");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int w = 0; w < waves.size(); w++) {
                Map<String, Future<SystemResult>> running = new LinkedHashMap<>();
                if (cancel.cancelled()) break; // no new wave after a cancel
                for (String name : waves.get(w)) {
                    if (cancel.cancelled()) break;
                    SystemSpec sys = plan.system(name);
                    List<String> failedDeps = Graph.allDependencies(plan.systems(), name).stream()
                            .filter(d -> results.containsKey(d) && results.get(d).result() != SystemResult.Outcome.RECOVERED)
                            .toList();
                    if (!failedDeps.isEmpty()) {
                        SystemResult r = new SystemResult(name, w + 1, SystemResult.Outcome.BLOCKED,
                                "not attempted: " + String.join(", ", failedDeps) + (failedDeps.size() > 1 ? " are" : " is")
                                        + " not back", null, null, sys.backup() == null ? null : sys.backup().repository(),
                                null, null, sys.rpo(), sys.rto(), List.of(), List.of());
                        results.put(name, r);
                        listener.systemFinished(r);
                        continue;
                    }
                    final int wave = w + 1;
                    running.put(name, pool.submit(() -> recoverSystem(sys, wave)));
                }
                for (Map.Entry<String, Future<SystemResult>> e : running.entrySet()) {
                    SystemResult r;
                    try {
                        r = e.getValue().get();
                    } catch (java.util.concurrent.ExecutionException ex) {
                        throw new RecoveryException("recovery of " + e.getKey() + " failed unexpectedly: " + ex.getCause(), ex.getCause());
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new RecoveryException("interrupted");
                    }
                    results.put(e.getKey(), r);
                }
            }
        } finally {
            pool.shutdownNow();
            if (!cancel.cancelled()) for (Runnable r : backgroundKills) r.run();
        }
        cancel.check();
        List<SystemResult> ordered = new ArrayList<>();
        for (List<String> wave : waves) for (String s : wave) ordered.add(results.get(s));
        return new RecoveryResult(plan.site(), plan.hash(), false, started, Instant.now(), waves, ordered);
    }

    private SystemResult recoverSystem(SystemSpec sys, int wave) {
        Instant started = Instant.now();
        List<StepResult> steps = new ArrayList<>();
        List<CheckResult> checks = new ArrayList<>();
        Snapshot snap = null;
        Repository repo = null;
        String repoName = sys.backup() == null ? null : opts.from() != null ? opts.from() : sys.backup().repository();
        try {
            List<String> passedOver = new ArrayList<>();
            // A snapshot dated in the future is named as the choice is made, whether or not it is used.
            Choice choice = chooseSnapshot(plan, sys, repos, opts.at(), opts.from(), opts.clean(), w -> {
                passedOver.add(w);
                if (w.contains(SystemSnapshots.CLOCK_SKEW)) listener.note(sys.name(), w);
            });
            snap = choice.snapshot();
            if (choice.note() != null) listener.note(sys.name(), choice.note());
            if (snap == null && needsSnapshot(sys)) {
                String why = opts.clean() && choice.note() != null && choice.note().contains("no clean point") ? choice.note()
                        : "no snapshot of system '" + sys.name() + "' (tag " + sys.tag() + ", with the plan's host and paths)"
                        + (opts.at() == null ? "" : " at or before " + opts.at()) + " in repository '" + repoName + "'"
                        + (passedOver.isEmpty() ? "" : "; " + passedOver.getLast());
                return finish(sys, wave, SystemResult.Outcome.FAILED, why, null, repoName, started, steps, checks);
            }
            if (snap != null) repo = repos.get(repoName);
        } catch (Exception e) {
            return finish(sys, wave, SystemResult.Outcome.FAILED, "cannot read repository '" + repoName + "': " + message(e),
                    null, repoName, started, steps, checks);
        }
        listener.systemStarted(sys.name(), wave, snap);
        Map<String, String> env = SystemBackup.env(plan, sys);
        env.putAll(opts.env());
        if (snap != null) {
            env.put("LIFEBOAT_SNAPSHOT", snap.id().hex());
            env.put("LIFEBOAT_SNAPSHOT_TIME", snap.time().toString());
        }
        Map<Integer, Shell.Background> background = new LinkedHashMap<>();
        for (int i = 0; i < sys.restore().size(); i++) {
            Step step = sys.restore().get(i);
            if (cancel.cancelled()) {
                // No step starts after a cancel: the rest is reported as not run.
                for (int j = i; j < sys.restore().size(); j++) {
                    Step s = sys.restore().get(j);
                    steps.add(new StepResult(j + 1, s.kind(), s.describe(), StepResult.Outcome.SKIPPED,
                            "not run: " + cancel.reason(), null, null, null, 0, null, null));
                }
                return finish(sys, wave, SystemResult.Outcome.FAILED, "cancelled before step " + (i + 1) + ": " + cancel.reason(),
                        snap, repoName, started, steps, checks);
            }
            listener.stepStarted(sys.name(), i + 1, step);
            StepResult r;
            String taken = step instanceof Step.CommandStep c && c.background() ? portTaken(plan, sys, i + 1) : null;
            if (taken != null) {
                Instant now = Instant.now();
                r = new StepResult(i + 1, step.kind(), step.describe(), StepResult.Outcome.FAILED, taken, now, null, now, 0, null, null);
            } else {
                r = runStep(step, repo, snap, env, sys.name(), i + 1, background);
            }
            steps.add(r);
            listener.stepFinished(sys.name(), r);
            if (r.result() == StepResult.Outcome.FAILED) {
                for (int j = i + 1; j < sys.restore().size(); j++) {
                    Step s = sys.restore().get(j);
                    steps.add(new StepResult(j + 1, s.kind(), s.describe(), StepResult.Outcome.SKIPPED,
                            "not run: step " + (i + 1) + " failed", null, null, null, 0, null, null));
                }
                return finish(sys, wave, SystemResult.Outcome.FAILED, "step " + (i + 1) + " (" + step.describe() + ") failed: "
                        + r.detail(), snap, repoName, started, steps, checks);
            }
        }
        List<String> failed = new ArrayList<>();
        for (Check c : sys.verify()) {
            // A check is only evidence while the services this system started still run: one that
            // died (its port taken, a bad option) must not be vouched for by whatever else answers.
            CheckResult r = Checks.run(c, sys.restore(), repo, snap, env, () -> ended(background), cancel);
            checks.add(r);
            listener.checkFinished(sys.name(), r);
            if (!r.passed()) failed.add(c.kind() + " check (" + c.describe() + "): " + r.detail());
        }
        // A background command that ended before the checks were through failed its step, whatever
        // the checks said; exiting 0 counts too (a service that forks a daemon and returns belongs
        // in the foreground).
        for (Map.Entry<Integer, Shell.Background> e : background.entrySet()) {
            Integer code = e.getValue().exitCode();
            if (code == null) continue;
            int idx = e.getKey();
            StepResult old = steps.get(idx - 1);
            String tail = e.getValue().logTail();
            // What it left behind (a daemon it forked) would hold the port and go unrecorded: stop its whole session.
            List<Long> left = e.getValue().stopAll(java.time.Duration.ofSeconds(10));
            List<Long> still = e.getValue().running();
            String detail = "the command exited (code " + code + ") before the checks of system '" + sys.name() + "' were through"
                    + (left.isEmpty() ? "" : still.isEmpty() ? "; the processes it left running (pid " + join(left) + ") were stopped"
                    : "; the processes it left running (pid " + join(still) + ") could not be stopped; they are recorded for --stop-started")
                    + (tail.isEmpty() ? "" : "; the last lines of its output this run (" + e.getValue().log() + "):\n" + tail);
            StepResult r = new StepResult(old.index(), old.kind(), old.description(), StepResult.Outcome.FAILED, detail,
                    old.started(), old.firstByte(), old.finished(), old.bytes(), old.pid(), old.log());
            steps.set(idx - 1, r);
            failed.add(0, "step " + idx + " (" + old.description() + ") failed: " + detail);
        }
        if (!failed.isEmpty()) {
            return finish(sys, wave, SystemResult.Outcome.FAILED, String.join("; ", failed), snap, repoName, started, steps, checks);
        }
        return finish(sys, wave, SystemResult.Outcome.RECOVERED, null, snap, repoName, started, steps, checks);
    }

    private static String join(List<Long> pids) {
        return String.join(", ", pids.stream().map(String::valueOf).toList());
    }

    /** Why the checks cannot go on: a background command of the system has ended; null while all run. */
    private static String ended(Map<Integer, Shell.Background> background) {
        for (Map.Entry<Integer, Shell.Background> e : background.entrySet()) {
            Integer code = e.getValue().exitCode();
            if (code != null) return "the command of step " + e.getKey() + " exited (code " + code + ") before this check passed";
        }
        return null;
    }

    /**
     * The sentence for a tcp/http check port of {@code sys} that already accepts connections before
     * its background step {@code index} starts (null when none does): the check would then be
     * answered by whatever runs there (often the service an earlier recovery started), not by the
     * service this step starts.
     */
    static String portTaken(Plan plan, SystemSpec sys, int index) {
        for (Check c : sys.verify()) {
            String host;
            int port;
            switch (c) {
                case Check.TcpCheck t -> {
                    host = t.host();
                    port = t.port();
                }
                case Check.HttpCheck h -> {
                    try {
                        java.net.URI u = java.net.URI.create(h.url());
                        host = u.getHost();
                        port = u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                }
                default -> {
                    continue;
                }
            }
            if (host == null) continue;
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(host, port), 1000);
            } catch (java.io.IOException free) {
                continue;
            }
            return "port " + port + " on " + host + " (the " + c.kind() + " check of system '" + sys.name()
                    + "') is already in use before step " + index + " starts its service, so the check could not tell whether"
                    + " this recovery's service is up; stop what runs there (a service an earlier recovery started: "
                    + stopStartedCommand(plan) + ") or give the site another port";
        }
        return null;
    }

    /**
     * The command that stops what recoveries started on the plan's site, to paste anywhere: the
     * plan file absolute and quoted, the site named (none for a plan without sites).
     */
    public static String stopStartedCommand(Plan plan) {
        StringBuilder b = new StringBuilder("lifeboat");
        if (plan.file() != null) b.append(" --config ").append(quoted(plan.file().toAbsolutePath().normalize().toString()));
        b.append(" recover");
        if (plan.site() != null) b.append(" --site ").append(quoted(plan.site()));
        return b.append(" --stop-started").toString();
    }

    /** Always in single quotes: a pasted hint must survive any character in a path. */
    private static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static boolean needsSnapshot(SystemSpec sys) {
        return sys.restore().stream().anyMatch(s -> !(s instanceof Step.CommandStep));
    }

    private SystemResult finish(SystemSpec sys, int wave, SystemResult.Outcome outcome, String reason, Snapshot snap,
                                String repo, Instant started, List<StepResult> steps, List<CheckResult> checks) {
        SystemResult r = new SystemResult(sys.name(), wave, outcome, reason, snap == null ? null : snap.id().hex(),
                snap == null ? null : snap.time().toInstant(), repo, started, Instant.now(), sys.rpo(), sys.rto(),
                List.copyOf(steps), List.copyOf(checks));
        listener.systemFinished(r);
        return r;
    }

    /** A step on its own thread, so its time limit holds even when the work inside does not notice. */
    private StepResult runStep(Step step, Repository repo, Snapshot snap, Map<String, String> env, String system, int index,
                               Map<Integer, Shell.Background> background) {
        Instant t0 = Instant.now();
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "step-" + system + "-" + index);
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Steps.Done> f = one.submit(() -> Steps.run(step, repo, snap, env, opts.logDir(), system, index, cancel));
            Steps.Done d = f.get(step.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (d.background() != null) {
                background.put(index, d.background());
                Shell.Background bg = d.background();
                // A cancelled recovery leaves nothing running: the service and what it forked are stopped.
                backgroundKills.add(cancel.onCancel(() -> bg.stopAll(java.time.Duration.ofSeconds(2))));
            }
            return new StepResult(index, step.kind(), step.describe(), StepResult.Outcome.OK, d.detail(), t0,
                    d.firstByte(), Instant.now(), d.bytes(), d.pid(), d.log());
        } catch (TimeoutException e) {
            return new StepResult(index, step.kind(), step.describe(), StepResult.Outcome.FAILED, "timed out after "
                    + org.lifeboat.plan.Durations.format(step.timeout()), t0, null, Instant.now(), 0, null, null);
        } catch (java.util.concurrent.ExecutionException e) {
            return new StepResult(index, step.kind(), step.describe(), StepResult.Outcome.FAILED, message(e.getCause()), t0,
                    null, Instant.now(), 0, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new StepResult(index, step.kind(), step.describe(), StepResult.Outcome.FAILED, "interrupted", t0, null,
                    Instant.now(), 0, null, null);
        } finally {
            one.shutdownNow();
        }
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
