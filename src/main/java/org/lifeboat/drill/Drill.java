package org.lifeboat.drill;

import org.lifeboat.repository.Plural;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lifeboat.apps.Server;
import org.lifeboat.check.Checker;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanException;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.RecoveryException;
import org.lifeboat.recovery.RecoveryResult;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemSnapshots;
import org.lifeboat.recovery.Shell;
import org.lifeboat.recovery.StepResult;
import org.lifeboat.recovery.SystemResult;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.Verifier;

/**
 * A tested restore: the plan recovered into a sandbox site (its folders and ports generated under
 * the drill's own temporary root), proven by the plan's checks plus the drill's own (restored files
 * against the snapshot, the repository's check of the packs the snapshots use), measured against
 * RTO and RPO, then torn down. It refuses a sandbox that would touch what the default site uses.
 */
public final class Drill {
    public static final String DEFAULT_SITE = "sandbox";

    /**
     * systems: what to drill (empty: all, with what they depend on); verifySample: the share of
     * restored files whose content is read (1 = all); gapWindow: how far back the gaps between
     * backups are measured; from: the plan repository to restore every system from (recover
     * --from's rule: the copy of the primary's snapshot there, else the newest there), null for
     * each system's own; clean: restore each system's clean point ({@code drill --clean}: the newest
     * snapshot before its latest run of suspicious ones, as {@code recover --clean}).
     */
    public record Options(List<String> systems, String site, boolean keep, double verifySample, Duration gapWindow,
                          int parallel, String from, boolean clean) {
        /** Options restoring each system from its own repository. */
        public Options(List<String> systems, String site, boolean keep, double verifySample, Duration gapWindow, int parallel) {
            this(systems, site, keep, verifySample, gapWindow, parallel, null);
        }

        /** Options restoring each system's latest snapshot from {@code from}. */
        public Options(List<String> systems, String site, boolean keep, double verifySample, Duration gapWindow, int parallel,
                       String from) {
            this(systems, site, keep, verifySample, gapWindow, parallel, from, false);
        }
    }

    private final Path planFile;
    private final Options opts;
    private final Recovery.Listener listener;
    private final org.lifeboat.backend.Cancel cancel;
    private final java.util.function.Function<Plan, Repositories> repositories;

    /** A drill that cannot be cancelled (its teardown still runs when it fails). */
    public Drill(Path planFile, Options opts, Recovery.Listener listener) {
        this(planFile, opts, listener, org.lifeboat.backend.Cancel.NEVER);
    }

    /**
     * A drill for the job whose token is {@code cancel}: cancelling it stops the processes the
     * drill started at once (unless {@link Options#keep()}), and {@link #run} then tears the
     * sandbox down and throws {@link org.lifeboat.backend.Cancel.Cancelled}.
     */
    public Drill(Path planFile, Options opts, Recovery.Listener listener, org.lifeboat.backend.Cancel cancel) {
        this(planFile, opts, listener, cancel, plan -> new Repositories(plan, false, cancel));
    }

    /**
     * As {@link #Drill(Path, Options, Recovery.Listener, org.lifeboat.backend.Cancel)}, opening the
     * sandbox plan's repositories with {@code repositories} (the command's storage options:
     * transfer limits, pack size), which must honour {@code cancel}.
     */
    public Drill(Path planFile, Options opts, Recovery.Listener listener, org.lifeboat.backend.Cancel cancel,
                 java.util.function.Function<Plan, Repositories> repositories) {
        this.planFile = planFile;
        this.opts = opts;
        this.listener = listener;
        this.cancel = cancel;
        // A drill only reads the plan's repositories: a missing one was moved or misnamed, never to be created.
        this.repositories = plan -> repositories.apply(plan).forReading();
    }

    /**
     * Runs the drill. Its teardown (processes stopped, sandbox folder removed, unless
     * {@link Options#keep()}) runs in a finally block, whatever ends the drill; no JVM shutdown
     * hook is involved: an interrupted CLI cancels the drill's token and lets it unwind.
     *
     * @throws RecoveryException when it cannot start (no sandbox site, production overlap)
     * @throws org.lifeboat.backend.Cancel.Cancelled when the job was cancelled (after the teardown)
     */
    public DrillReport run(String id) throws IOException, PlanException, RecoveryException {
        cancel.check();
        String site = opts.site() == null ? DEFAULT_SITE : opts.site();
        Plan production = PlanLoader.load(planFile, null, PlanLoader.Generators.placeholders());
        // the same sentence plan validate warns with and the service's API refuses with
        String refused = org.lifeboat.plan.DrillSite.siteRefusal(production, site);
        if (refused != null) throw new RecoveryException(refused);
        Path root = Files.createTempDirectory("lifeboat-drill-" + id + "-");
        // Database servers run as their own users when we are root: they must reach their folders.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Instant started = Instant.now();
        List<String> leftovers = new ArrayList<>();
        RecoveryResult rec = null;
        List<DrillSystem> systems = new ArrayList<>();
        // What the drill started, known the moment it starts: teardown must find it even when the
        // recovery throws or the operator presses Ctrl-C.
        List<StepResult> started_ = java.util.Collections.synchronizedList(new ArrayList<>());
        Recovery.Listener recording = new Recovery.Listener() {
            @Override
            public void systemStarted(String system, int wave, Snapshot snapshot) {
                listener.systemStarted(system, wave, snapshot);
            }

            @Override
            public void stepStarted(String system, int index, Step step) {
                listener.stepStarted(system, index, step);
            }

            @Override
            public void stepFinished(String system, StepResult r) {
                if (r.pid() != null) started_.add(r);
                listener.stepFinished(system, r);
            }

            @Override
            public void checkFinished(String system, CheckResult r) {
                listener.checkFinished(system, r);
            }

            @Override
            public void systemFinished(SystemResult r) {
                listener.systemFinished(r);
            }

            @Override
            public void note(String system, String note) {
                listener.note(system, note); // how the snapshot was chosen: a future-dated one, a --from copy
            }
        };
        boolean tearDown = !opts.keep();
        // A cancel stops the servers and commands at once: a step waiting on one of them wakes,
        // and nothing keeps running if the process ends before the drill has unwound.
        Runnable unregister = tearDown ? cancel.onCancel(() -> stopProcesses(started_, id)) : () -> {};
        try {
            Plan sandbox = PlanLoader.load(planFile, site, PlanLoader.Generators.real(root.resolve("site")));
            List<String> selected = Recovery.selection(sandbox, opts.systems());
            List<String> conflicts = Sandbox.conflicts(sandbox, production, selected, root);
            if (!conflicts.isEmpty()) {
                throw new RecoveryException("the drill is refused: site '" + site + "' is not isolated from production:\n  - "
                        + String.join("\n  - ", conflicts));
            }
            // A lock the drill cannot keep cancels it, as it does every command's.
            try (Repositories repos = repositories.apply(sandbox)) {
                rec = new Recovery(sandbox, repos, new Recovery.Options(opts.systems(), null, opts.parallel(),
                        root.resolve("logs"), Map.of(MARKER, id)).from(opts.from()).clean(opts.clean()), recording, cancel).run();
                cancel.check(); // a recovery cut short by the cancel proves nothing: no verification
                Map<String, DrillSystem.Verification> verified = verify(sandbox, repos, rec);
                for (SystemResult s : rec.systems()) {
                    systems.add(measure(sandbox, repos, rec, s, verified.getOrDefault(s.name(), DrillSystem.Verification.NONE)));
                }
            }
        } catch (Exception e) {
            cancel.check(); // a failure caused by the cancel (a killed step) is reported as the cancel
            throw e;
        } finally {
            unregister.run();
            if (tearDown) {
                leftovers.addAll(stopProcesses(started_, id));
                leftovers.addAll(delete(root));
            }
        }
        cancel.check();
        if (opts.keep()) {
            for (StepResult st : started_) {
                if (Shell.alive(st.pid())) leftovers.add("kept running: pid " + st.pid() + " (" + st.description() + ")");
            }
        }
        boolean passed = systems.stream().allMatch(s -> s.result() == DrillSystem.Outcome.PASSED);
        return new DrillReport(id, production.hash(), production.file().toString(), site, root.toString(), started,
                Instant.now(), passed, rec.waves(), systems, opts.keep(), leftovers);
    }

    /** Set in the environment of every command a drill runs, so teardown finds what they left running. */
    static final String MARKER = "LIFEBOAT_DRILL";

    // ------------------------------------------------------------------------------ verification

    /** Restored files against the snapshot, and the repository's check of the packs the snapshots use. */
    private Map<String, DrillSystem.Verification> verify(Plan plan, Repositories repos, RecoveryResult rec) {
        Map<String, DrillSystem.Verification> out = new LinkedHashMap<>();
        Map<String, Set<Id>> packsByRepo = new LinkedHashMap<>();
        Map<String, Set<Id>> packsBySystem = new LinkedHashMap<>();
        for (SystemResult s : rec.systems()) {
            if (s.snapshot() == null || s.result() == SystemResult.Outcome.BLOCKED) continue;
            SystemSpec spec = plan.system(s.name());
            long files = 0, content = 0, diffs = 0;
            List<String> problems = new ArrayList<>();
            try {
                Repository repo = repos.get(s.repository());
                Snapshot snap = repo.loadSnapshot(Id.parse(s.snapshot()));
                for (Step st : spec.restore()) {
                    if (!(st instanceof Step.PathStep p)) continue;
                    Id tree = TreeWalker.subtree(repo, snap.tree(), p.from());
                    Verifier.Report r = Verifier.verify(repo, tree, p.from(), Path.of(p.to()), opts.verifySample(), p.include(), p.exclude());
                    files += r.files();
                    content += r.contentChecked();
                    diffs += r.problemCount();
                    problems.addAll(r.problems());
                }
                Set<Id> packs = packsOf(repo, snap.tree());
                packsBySystem.put(s.name(), packs);
                packsByRepo.computeIfAbsent(s.repository(), k -> new HashSet<>()).addAll(packs);
            } catch (Exception e) {
                problems.add("cannot verify: " + e.getMessage());
            }
            out.put(s.name(), new DrillSystem.Verification(files, content, diffs, 0, problems));
        }
        for (Map.Entry<String, Set<Id>> e : packsByRepo.entrySet()) {
            List<String> errors;
            try {
                Set<Id> want = e.getValue();
                errors = new Checker(repos.get(e.getKey())).run((i, n, p) -> want.contains(p)).errors();
            } catch (Exception ex) {
                errors = List.of("repository check failed: " + ex.getMessage());
            }
            for (SystemResult s : rec.systems()) {
                if (!e.getKey().equals(s.repository()) || !out.containsKey(s.name())) continue;
                DrillSystem.Verification v = out.get(s.name());
                List<String> problems = new ArrayList<>(v.problems());
                for (String err : errors) problems.add("repository check: " + err);
                out.put(s.name(), new DrillSystem.Verification(v.filesCompared(), v.contentChecked(), v.differences(),
                        packsBySystem.getOrDefault(s.name(), Set.of()).size(), problems));
            }
        }
        return out;
    }

    /** The packs holding a snapshot's trees and data. */
    private static Set<Id> packsOf(Repository repo, Id root) throws IOException {
        return repo.packsOfTree(root);
    }

    // ------------------------------------------------------------------------------ measurement

    private DrillSystem measure(Plan plan, Repositories repos, RecoveryResult rec, SystemResult s,
                                DrillSystem.Verification v) {
        SystemSpec spec = plan.system(s.name());
        List<String> reasons = new ArrayList<>();
        DrillSystem.Outcome outcome = DrillSystem.Outcome.PASSED;
        if (s.result() == SystemResult.Outcome.BLOCKED) {
            outcome = DrillSystem.Outcome.BLOCKED;
            reasons.add(s.reason());
        } else if (s.result() == SystemResult.Outcome.FAILED) {
            outcome = DrillSystem.Outcome.FAILED;
            reasons.add(s.reason());
        }
        Duration rto = s.result() == SystemResult.Outcome.RECOVERED ? rec.elapsed(s) : null;
        if (rto != null && rto.compareTo(spec.rto()) > 0) {
            outcome = DrillSystem.Outcome.FAILED;
            reasons.add("measured RTO " + DrillDurations.format(rto) + " exceeds the target " + Durations.toPlanText(spec.rto()));
        }
        Duration age = rec.dataLoss(s);
        if (age != null && age.isNegative()) {
            // A snapshot dated after the drill's start (a wrong clock, restic backup --time): its age is not
            // known, so the RPO is not shown as met; recover uses it only when every snapshot is so dated.
            age = null;
            outcome = outcome == DrillSystem.Outcome.BLOCKED ? outcome : DrillSystem.Outcome.FAILED;
            reasons.add("the restored snapshot " + s.snapshot().substring(0, 8) + " is dated " + s.snapshotTime() + ", "
                    + DrillDurations.format(Duration.between(rec.started(), s.snapshotTime())) + " "
                    + org.lifeboat.recovery.SystemSnapshots.CLOCK_SKEW + ": its age cannot be judged, so the RPO "
                    + Durations.toPlanText(spec.rpo()) + " is not shown as met");
        }
        if (age != null && age.compareTo(spec.rpo()) > 0) {
            outcome = outcome == DrillSystem.Outcome.BLOCKED ? outcome : DrillSystem.Outcome.FAILED;
            reasons.add("the newest snapshot is " + DrillDurations.format(age) + " old, more than the RPO " + Durations.toPlanText(spec.rpo())
                    + ": a disaster now would lose that much data");
        }
        if (s.snapshot() == null && spec.backup() != null && outcome != DrillSystem.Outcome.BLOCKED) {
            if (outcome == DrillSystem.Outcome.PASSED || reasons.isEmpty()) {
                reasons.add("no snapshot of system '" + s.name() + "' to restore: it has never been backed up");
            }
            outcome = DrillSystem.Outcome.FAILED;
        }
        if (!v.ok() && outcome == DrillSystem.Outcome.PASSED) {
            outcome = DrillSystem.Outcome.FAILED;
            reasons.add("verification: " + (v.differences() > 0 ? Plural.of(v.differences(), "restored file") + (v.differences() == 1 ? " differs" : " differ") + " from the snapshot" : "")
                    + (v.problems().isEmpty() ? "" : (v.differences() > 0 ? "; " : "") + v.problems().get(0)));
        }
        Duration gap = worstGap(plan, repos, spec, rec.started());
        if (gap != null && gap.compareTo(spec.rpo()) > 0) {
            reasons.add("warning: the largest gap between backups in the last " + Durations.format(opts.gapWindow()) + " was "
                    + Durations.format(gap) + ", more than the RPO " + Durations.toPlanText(spec.rpo()));
        }
        Duration restore = Duration.ZERO, start = Duration.ZERO, checks = Duration.ZERO;
        Instant firstByte = null;
        long bytes = 0;
        for (StepResult st : s.steps()) {
            if (st.started() == null) continue;
            if (st.kind().equals("command")) start = start.plus(st.duration());
            else restore = restore.plus(st.duration());
            bytes += st.bytes();
            if (st.firstByte() != null && (firstByte == null || st.firstByte().isBefore(firstByte))) firstByte = st.firstByte();
        }
        for (CheckResult c : s.checks()) checks = checks.plus(Duration.between(c.started(), c.finished()));
        return new DrillSystem(s.name(), s.wave(), outcome, reasons, s.snapshot(), s.snapshotTime(), bytes, spec.rpo(), age,
                gap, spec.rto(), rto, s.started(), s.finished(),
                firstByte == null || s.started() == null ? null : Duration.between(s.started(), firstByte), restore, start, checks, v,
                s.steps(), s.checks());
    }

    /** The largest gap between consecutive snapshots within the window, counting the newest up to now. */
    private Duration worstGap(Plan plan, Repositories repos, SystemSpec spec, Instant now) {
        if (spec.backup() == null) return null;
        try {
            // The system's own snapshots (host, tag and paths), as recover chooses them.
            List<Snapshot> all = SystemSnapshots.of(spec, repos.snapshots(spec.backup().repository(), w -> {}));
            Instant since = now.minus(opts.gapWindow());
            List<Instant> times = new ArrayList<>();
            for (Snapshot s : all) times.add(s.time().toInstant());
            times.sort(null);
            if (times.isEmpty()) return null;
            Duration worst = Duration.ZERO;
            Instant prev = null;
            for (Instant t : times) {
                if (prev != null && t.isAfter(since)) {
                    Instant from = prev.isBefore(since) ? since : prev;
                    Duration g = Duration.between(from, t);
                    if (g.compareTo(worst) > 0) worst = g;
                }
                prev = t;
            }
            Duration tail = Duration.between(prev.isBefore(since) ? since : prev, now);
            return tail.compareTo(worst) > 0 ? tail : worst;
        } catch (Exception e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------ teardown

    /**
     * Stops what the drill started: database servers, background commands, and anything a command
     * left running on its own (found by the drill's marker in its environment).
     */
    private static List<String> stopProcesses(List<StepResult> steps, String id) {
        List<String> left = new ArrayList<>();
        List<StepResult> copy;
        synchronized (steps) {
            copy = new ArrayList<>(steps);
        }
        for (StepResult st : copy) {
            try {
                if (st.kind().equals("postgres") || st.kind().equals("mysql")) {
                    new Server(st.kind(), Path.of(st.log()), 1, st.pid()).stop(Duration.ofSeconds(30));
                } else {
                    Shell.stop(st.pid(), Duration.ofSeconds(10));
                }
            } catch (IOException | RuntimeException e) {
                left.add("could not stop " + st.kind() + " process " + st.pid() + ": " + e.getMessage());
                continue;
            }
            if (Shell.alive(st.pid())) left.add("process " + st.pid() + " (" + st.description() + ") is still running");
        }
        for (long pid : marked(id)) {
            Shell.stop(pid, Duration.ofSeconds(5));
            if (Shell.alive(pid)) left.add("process " + pid + ", started by a command of the drill, is still running");
        }
        return left;
    }

    /** Processes whose environment carries this drill's marker. */
    private static List<Long> marked(String id) {
        byte[] want = (MARKER + "=" + id + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.matches("\\d+") || Long.parseLong(name) == self) continue;
                try {
                    byte[] env = Files.readAllBytes(p.resolve("environ"));
                    if (contains(env, want)) out.add(Long.parseLong(name));
                } catch (IOException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (i > 0 && hay[i - 1] != 0) continue;
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    /** Removes the drill's folder; what cannot be removed is reported, not hidden. */
    private static List<String> delete(Path root) {
        List<String> left = new ArrayList<>();
        if (!Files.exists(root)) return left;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    try {
                        Files.delete(f);
                    } catch (IOException e) {
                        left.add("could not remove " + f + ": " + e.getMessage());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    try {
                        Files.delete(d);
                    } catch (IOException ex) {
                        if (left.isEmpty() || !left.getLast().startsWith("could not remove " + d)) {
                            left.add("could not remove " + d + ": " + ex.getMessage());
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            left.add("could not remove " + root + ": " + e.getMessage());
        }
        return left;
    }

}
