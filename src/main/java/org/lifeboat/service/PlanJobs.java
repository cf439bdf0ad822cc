package org.lifeboat.service;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Progress;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.drill.Drill;
import org.lifeboat.drill.DrillReport;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.plan.DrillSite;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.prune.PruneListener;
import org.lifeboat.prune.PruneOptions;
import org.lifeboat.prune.Pruner;
import org.lifeboat.recovery.PlanBackup;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemBackup;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.recovery.SystemRetention;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.LockException;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.RestoreOptions;
import org.lifeboat.restore.RestoreResult;
import org.lifeboat.restore.Restorer;
import org.lifeboat.state.JobRun;

/**
 * The service's jobs, each as the matching command does it: {@code backup --system} (with its
 * copies and retention), {@code copy}, {@code check --read-data-subset}, {@code forget} + {@code
 * prune}, {@code drill --system} and {@code restore}. Each opens the plan's repositories itself and
 * closes them (its locks removed) when it ends, also when cancelled.
 */
public final class PlanJobs implements JobRunner {
    /**
     * How long a job waits for a lock another job or process holds on its repository (restic's
     * {@code --retry-lock}): the dashboard browsing a snapshot, a status look or a user's command
     * must not make a scheduled job fail.
     */
    static final Duration LOCK_WAIT = Duration.ofMinutes(2);

    /**
     * How long a backup's retention waits for the exclusive lock before it is deferred: another
     * system's backup on the same repository (a long one, a hung one) holds it shared, and a backup
     * whose snapshot is saved must not wait minutes for its retention, which the next backup or
     * the scheduled prune applies as well.
     */
    static final Duration RETENTION_LOCK_WAIT = Duration.ofSeconds(10);

    /**
     * Why a restore may not write into a target (the sentence), or null: the service's own rules
     * ({@link RestoreTarget}), set by {@link Service}; none by default (a job runner without a service).
     */
    java.util.function.Function<String, String> restoreRefusal = target -> null;

    /** {@link #LOCK_WAIT}; shorter in tests. */
    Duration lockWait = LOCK_WAIT;

    /** {@link #RETENTION_LOCK_WAIT}; shorter in tests. */
    Duration retentionLockWait = RETENTION_LOCK_WAIT;

    /** How many slices {@code check} reads the packs in: one a night, all within a week. */
    static final int CHECK_SLICES = 7;

    /** Opens a plan's repositories for one job. */
    @FunctionalInterface
    public interface Opener {
        Repositories open(Plan plan, boolean exclusive, Cancel cancel);
    }

    private final Opener opener;
    private final Path stateDir;
    private final String stateDb;

    /**
     * @param stateDir where drills are recorded (the SQLite state), with {@code stateDb} (a
     *                 postgresql:// URL, or null) as {@link DrillStore#open(String, Path)} takes them
     */
    public PlanJobs(Opener opener, Path stateDir, String stateDb) {
        this.opener = opener;
        this.stateDir = stateDir;
        this.stateDb = stateDb;
    }

    @Override
    public Set<String> repositories(Plan plan, JobRequest job) {
        SystemSpec s = plan.system(job.system());
        Set<String> out = new LinkedHashSet<>();
        if (s == null || s.backup() == null) return out;
        String own = s.backup().repository();
        out.add(own);
        // a backup copies along copy-to afterwards; a copy writes there
        if (job.kind() == JobKind.BACKUP || job.kind() == JobKind.COPY) out.addAll(plan.copyTargets(own).keySet());
        // a drill restores the system's dependencies too, each from its own repository: a prune of
        // one of those must not start beside it (its lock would fail the drill)
        if (job.kind() == JobKind.DRILL) {
            try {
                for (String n : org.lifeboat.plan.Graph.closure(plan.systems(), List.of(s.name()))) {
                    SystemSpec d = plan.system(n);
                    if (d != null && d.backup() != null) out.add(d.backup().repository());
                }
            } catch (RuntimeException e) {
                // a validated plan has no cycle; the system's own repository then
            }
        }
        return out;
    }

    @Override
    public JobOutcome run(Plan plan, JobRequest job, Cancel cancel, Consumer<String> progress) throws Exception {
        SystemSpec s = plan.system(job.system());
        if (s == null) return JobOutcome.failed("there is no system '" + job.system() + "' in " + plan.file());
        if (s.backup() == null && job.kind() != JobKind.DRILL) {
            return JobOutcome.failed("system '" + s.name() + "' has no backup in " + plan.file());
        }
        return switch (job.kind()) {
            case BACKUP -> backup(plan, s, cancel, progress);
            case COPY -> copy(plan, s, cancel);
            case CHECK -> check(plan, s, cancel, progress);
            case PRUNE -> prune(plan, s, cancel, progress);
            case DRILL -> drill(plan, s, cancel, progress);
            case RESTORE -> restore(plan, s, job, cancel, progress);
        };
    }

    /**
     * The plan's repositories for one job, each open waiting up to {@link #LOCK_WAIT} while another
     * holds a conflicting lock (said to {@code progress}).
     */
    private Repositories open(Plan plan, boolean exclusive, Cancel cancel, Consumer<String> progress) {
        return opener.open(plan, exclusive, cancel).retryLock(lockWait, progress);
    }

    /** {@code backup --system}: the snapshot, its copy-to copies and its retention, as {@link PlanBackup} does them. */
    private JobOutcome backup(Plan plan, SystemSpec s, Cancel cancel, Consumer<String> progress) throws Exception {
        List<String> notes = new ArrayList<>();
        SystemBackup.Outcome[] saved = {null};
        Exception[] failure = {null};
        String[] retention = {null};
        Progress p = new Progress();
        // a wait for a lock is said until the counts move (brk13e F6: "0 files, 0 bytes" hid it)
        long[] waitSaid = {0};
        Consumer<String> waiting = line -> {
            waitSaid[0] = System.nanoTime();
            progress.accept(line);
        };
        Thread ticker = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                boolean lockWait = waitSaid[0] != 0 && System.nanoTime() - waitSaid[0] < 6_000_000_000L && p.bytesDone.sum() == 0;
                if (!lockWait) progress.accept(p.filesDone.sum() + " files, " + p.bytesDone.sum() + " bytes");
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        org.lifeboat.state.StateStore state = null;
        try {
            state = org.lifeboat.state.StateStore.open(stateDb, stateDir);
        } catch (org.lifeboat.state.StateStoreException e) {
            notes.add("the state cannot be opened, so the snapshot's anomaly score is not kept: " + e.getMessage());
        }
        org.lifeboat.state.AnomalyLog anomalies = state == null ? null : new org.lifeboat.state.AnomalyLog(state);
        try {
            PlanBackup.run(plan, List.of(s.name()), exclusive -> exclusive
                    ? opener.open(plan, true, cancel).retryLock(retentionLockWait, waiting)
                    : open(plan, false, cancel, waiting), true, new PlanBackup.Listener() {
                @Override
                public Progress progress(String system) {
                    return p;
                }

                @Override
                public void warning(String system, String warning) {
                    notes.add(warning);
                }

                @Override
                public void saved(SystemBackup.Outcome outcome) {
                    saved[0] = outcome;
                }

                @Override
                public void copied(String system, SystemCopies.Copy c) {
                    if (c.failed()) notes.add("copy to '" + c.to() + "' failed: " + c.error());
                }

                @Override
                public void failed(String system, Exception error) {
                    failure[0] = error;
                }

                @Override
                public void retention(SystemSpec system, SystemRetention.Result r) {
                    // The snapshot is saved: a retention that cannot run makes the job partial, never failed.
                    if (!r.ok()) {
                        notes.add("retention not applied: " + (r.refused() != null ? r.refused() : String.join("; ", r.failed())));
                    } else {
                        retention[0] = "retention kept " + r.kept() + ", removed " + r.removed();
                    }
                }

                @Override
                public void retentionFailed(Exception error) {
                    if (lockConflict(error)) {
                        // deferred, not failed: the snapshot is saved and the next backup or prune applies it.
                        // The lock's own sentence is not repeated: it suggests unlock for what is a live backup.
                        retention[0] = "retention deferred: repository '" + s.backup().repository() + "' is in use (another"
                                + " backup, or another program, holds a lock on it); the next backup or prune applies it";
                    } else {
                        notes.add("retention not applied: " + error.getMessage());
                    }
                }
            }, cancel, anomalies);
        } finally {
            ticker.interrupt();
            if (state != null) state.close();
        }
        cancel.check();
        if (failure[0] != null) throw failure[0];
        SystemBackup.Outcome o = saved[0];
        var sum = o.result().summary();
        String msg = "snapshot " + o.snapshot().id().shortHex() + " saved: " + sum.totalFilesProcessed() + " files, "
                + sum.totalBytesProcessed() + " bytes, " + sum.dataAdded() + " bytes new"
                + (retention[0] == null ? "" : "; " + retention[0])
                + (notes.isEmpty() ? "" : "; " + String.join("; ", notes))
                + (o.suspicious() ? "; SUSPICIOUS: its changes look like ransomware (score " + o.anomaly().score().score()
                        + ", threshold " + o.anomaly().score().threshold() + "): " + String.join("; ", o.anomaly().score().reasons())
                        : "");
        String result = o.result().errors() > 0 || !notes.isEmpty() ? JobRun.PARTIAL : JobRun.SUCCEEDED;
        return new JobOutcome(result, sum.totalFilesProcessed(), sum.totalBytesProcessed(), sum.dataAdded(),
                o.snapshot().id().hex(), msg);
    }

    /**
     * Where a restore asked for {@code target} went: {@code target} itself, or, when the folder it
     * opened is no longer what the path leads to (moved, a link put in its place: brk13h L1), the
     * folder's own path now (the kernel's, {@code /proc/self/fd/N}) and what became of the path, so
     * the record never points at a place that holds none of it.
     */
    static String whereRestored(String target, org.lifeboat.fs.Dir folder) {
        Path actual;
        try {
            actual = Path.of("/proc/self/fd/" + folder.fd()).toRealPath();
        } catch (java.io.IOException e) {
            return target;
        }
        Path asked;
        try {
            asked = Path.of(target).toRealPath();
        } catch (java.io.IOException e) {
            asked = null;
        }
        if (actual.equals(asked)) return target;
        return actual + " (the folder that was at " + target + " when the job opened it; " + target
                + (asked == null ? " is gone now)" : " now leads to " + asked + ")");
    }

    /** Whether {@code e} (or what caused it) is a lock another holds. */
    private static boolean lockConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof LockException) return true;
        return false;
    }

    private JobOutcome copy(Plan plan, SystemSpec s, Cancel cancel) throws Exception {
        try (Repositories repos = open(plan, false, cancel, line -> {})) {
            Snapshot newest = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
            if (newest == null) return JobOutcome.failed(s.name() + " has no snapshot to copy");
            List<String> done = new ArrayList<>(), failed = new ArrayList<>();
            for (SystemCopies.Copy c : SystemCopies.afterBackup(plan, s, repos, newest, SystemCopies.DEFAULT, cancel)) {
                if (c.failed()) failed.add("to '" + c.to() + "': " + c.error());
                else done.add(c.to() + (c.alreadyThere() ? " (already there)" : ""));
            }
            if (done.isEmpty() && failed.isEmpty()) return JobOutcome.succeeded("no copy-to for '" + s.backup().repository() + "'");
            if (!failed.isEmpty()) return JobOutcome.failed("copy failed " + String.join("; ", failed));
            return new JobOutcome(JobRun.SUCCEEDED, -1, -1, -1, newest.id().hex(), "copied to " + String.join(", ", done));
        }
    }

    private JobOutcome check(Plan plan, SystemSpec s, Cancel cancel, Consumer<String> progress) throws Exception {
        // One slice a night by the day's number: all packs are read within CHECK_SLICES days.
        int slice = (int) Math.floorMod(LocalDate.now(ZoneOffset.UTC).toEpochDay(), CHECK_SLICES) + 1;
        try (Repositories repos = open(plan, true, cancel, progress)) {
            Repository repo = repos.get(s.backup().repository());
            Checker c = new Checker(repo, cancel);
            CheckResult r = c.run(Checker.PackSubset.group(slice, CHECK_SLICES));
            String what = "check of '" + s.backup().repository() + "' (packs " + slice + "/" + CHECK_SLICES + ", "
                    + r.packsRead() + " read)";
            if (!r.ok()) {
                return JobOutcome.failed(what + ": " + r.errors().size() + " errors, first: " + r.errors().getFirst());
            }
            return new JobOutcome(r.warnings().isEmpty() ? JobRun.SUCCEEDED : JobRun.PARTIAL, -1, -1, -1, null,
                    what + ": no errors" + (r.warnings().isEmpty() ? "" : "; " + r.warnings().size() + " warnings"));
        }
    }

    private JobOutcome prune(Plan plan, SystemSpec s, Cancel cancel, Consumer<String> progress) throws Exception {
        List<String> notes = new ArrayList<>();
        try (Repositories repos = open(plan, true, cancel, progress)) {
            if (s.retention() != null) {
                SystemRetention.Result r = SystemRetention.apply(s, repos, Instant.now(), notes::add);
                if (!r.ok()) return JobOutcome.failed("retention not applied: " + (r.refused() != null ? r.refused() : String.join("; ", r.failed())));
                notes.add("forget kept " + r.kept() + ", removed " + r.removed());
            }
            Repository repo = repos.get(s.backup().repository());
            new Pruner(repo, PruneOptions.DEFAULTS, new PruneListener() {
                @Override
                public void step(String message) {
                    progress.accept(message);
                }

                @Override
                public void warning(String message) {
                    notes.add(message);
                }
            }, cancel).run();
            notes.add("pruned '" + s.backup().repository() + "'");
            return new JobOutcome(JobRun.SUCCEEDED, -1, -1, -1, null, String.join("; ", notes));
        }
    }

    private JobOutcome drill(Plan plan, SystemSpec s, Cancel cancel, Consumer<String> progress) throws Exception {
        // what the API refuses at once (and the dashboard's button says) is said here too: a scheduled drill of such a plan
        String refused = DrillSite.refusal(plan, s.name());
        if (refused != null) return JobOutcome.failed(refused);
        // The repositories the drill reads are locked (shared) before it starts, waiting as every job
        // does: a lock another program holds then means the drill did not run (the job fails, said as
        // job_failed), not that the recovery failed (no drill is recorded, no drill_failed).
        try (Repositories held = open(plan, false, cancel, progress)) {
            for (String repo : repositories(plan, new JobRequest(s.name(), JobKind.DRILL, "schedule"))) {
                try {
                    held.get(repo);
                } catch (Exception e) {
                    cancel.check(); // a cancel during the wait ends the job as cancelled
                    if (lockConflict(e)) return JobOutcome.failed(DRILL_NOT_STARTED + e.getMessage());
                    // any other fault of a repository is the drill's to find and record
                }
            }
            return drillHolding(plan, s, cancel, progress);
        }
    }

    /** The message of a drill job that could not take its repositories' locks: no drill was run or recorded. */
    static final String DRILL_NOT_STARTED = "the drill did not start: ";

    private JobOutcome drillHolding(Plan plan, SystemSpec s, Cancel cancel, Consumer<String> progress) throws Exception {
        String id = DrillStore.newId(Instant.now());
        try (DrillStore store = DrillStore.open(stateDb, stateDir)) {
            DrillReport r = new Drill(plan.file(), new Drill.Options(List.of(s.name()), null, false, 1.0, Duration.ofDays(7), 2, null),
                    new Recovery.Listener() {
                        @Override
                        public void note(String system, String note) {
                            progress.accept(system + ": " + note);
                        }
                    }, cancel, p -> opener.open(p, false, cancel).retryLock(lockWait, progress)).run(id);
            store.save(r);
            String why = "";
            for (var sys : r.systems()) {
                if (!sys.reasons().isEmpty()) {
                    why = ": " + sys.name() + ": " + sys.reasons().getFirst();
                    break;
                }
            }
            return new JobOutcome(r.passed() ? JobRun.SUCCEEDED : JobRun.FAILED, -1, -1, -1, null,
                    "drill " + id + (r.passed() ? " passed" : " failed" + why));
        }
    }

    /**
     * A file system error as a sentence: the path, and what is wrong with it in words (Java's own
     * message is often the path alone).
     */
    static String sentence(java.nio.file.FileSystemException e) {
        String what = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.NoSuchFileException ? "it does not exist"
                : e instanceof java.nio.file.FileAlreadyExistsException ? "something that is not a folder is there (a file, or a"
                        + " symbolic link to nowhere)"
                : e instanceof java.nio.file.NotDirectoryException ? "it is not a folder"
                : e instanceof java.nio.file.DirectoryNotEmptyException ? "it is a folder that is not empty"
                : e instanceof java.nio.file.FileSystemLoopException ? "its symbolic links form a loop"
                : e instanceof java.nio.file.NotLinkException ? "it is not a symbolic link"
                : null;
        String reason = e.getReason();
        String why = reason != null && !reason.isBlank() ? (what != null ? what + " (" + reason + ")" : reason)
                : what != null ? what : e.getClass().getSimpleName();
        String file = e.getFile();
        return (file == null ? "" : file + (e.getOtherFile() == null ? "" : " and " + e.getOtherFile()) + ": ") + why;
    }

    private JobOutcome restore(Plan plan, SystemSpec s, JobRequest job, Cancel cancel, Consumer<String> progress) throws Exception {
        String snap = job.args().get("snapshot");
        String path = job.args().getOrDefault("path", "/");
        String target = job.args().get("target");
        if (snap == null || !Id.isId(snap) || target == null || !Path.of(target).isAbsolute()) {
            return JobOutcome.failed("a restore needs a snapshot ID and an absolute target path");
        }
        // The target as it is now (brk13f F1, brk13g F1: a symbolic link put at the path, or at a
        // parent, after the API looked sent the restore into /dev/shm or the state folder): judged
        // again, resolved once (the part that exists; the rest is made), judged as resolved, then
        // opened from / one name at a time without following a link, making missing folders private
        // (0700, as restic); the restore writes through that open folder, whatever is put at the path
        // later, and a path changed between the look and the open fails the job.
        String refused = restoreRefusal.apply(target);
        if (refused != null) return JobOutcome.failed(refused);
        Path into;
        org.lifeboat.fs.Dir opened;
        try {
            Path given = Path.of(target).normalize();
            Path existing = given;
            while (existing.getParent() != null && !java.nio.file.Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            into = existing.toRealPath().resolve(existing.relativize(given));
            refused = restoreRefusal.apply(into.toString());
            if (refused != null) return JobOutcome.failed(refused + " (" + target + " leads there now)");
            opened = org.lifeboat.fs.Dir.openResolved(into, 0700);
        } catch (java.nio.file.FileSystemException e) {
            return JobOutcome.failed("cannot restore to " + target + ": " + sentence(e)
                    + (e instanceof java.nio.file.FileSystemLoopException || e instanceof java.nio.file.NotDirectoryException
                    ? " (the path changed while it was opened)" : ""));
        }
        // closed when the job ends, whether or not the restore got to take it (closing twice is nothing)
        // a second handle, open past the restore's own: where the folder written to is when the job ends
        try (org.lifeboat.fs.Dir held = opened; org.lifeboat.fs.Dir written = opened.dup();
             Repositories repos = open(plan, false, cancel, progress)) {
            Repository repo = repos.get(s.backup().repository());
            Snapshot sn = repo.loadSnapshot(Id.parse(snap));
            String prefix = path.equals("/") ? "" : path;
            Id root = prefix.isEmpty() ? sn.tree() : TreeWalker.subtree(repo, sn.tree(), prefix);
            RestoreOptions.Overwrite ow = RestoreOptions.Overwrite.parse(job.args().getOrDefault("overwrite", "always"));
            Restorer r = new Restorer(repo, new RestoreOptions(into, List.of(), List.of(), ow, false, 4), "snapshot " + sn.id().shortHex() + (prefix.isEmpty() ? "" : ":" + prefix), cancel).into(opened);
            RestoreResult res;
            try {
                res = r.run(root, prefix);
            } catch (java.nio.file.FileSystemException e) {
                // Java names only the path (a dangling symlink as target: "FileAlreadyExistsException: /x/dl")
                String why = sentence(e);
                Path t = into;
                Path at = e.getFile() == null ? null : Path.of(e.getFile()).normalize();
                if (at == null || !at.startsWith(t) && !t.startsWith(at)) {
                    return JobOutcome.failed("restore failed: " + why); // not the target's (a repository's file, say)
                }
                return JobOutcome.failed("cannot restore to " + target + ": "
                        + (at.equals(t) && e.getOtherFile() == null ? why.substring(e.getFile().length() + 2) : why));
            }
            return new JobOutcome(res.warnings().isEmpty() ? JobRun.SUCCEEDED : JobRun.PARTIAL, r.filesDone.sum(), r.bytesDone.sum(), -1,
                    sn.id().hex(), "restored " + (prefix.isEmpty() ? "/" : prefix) + " of snapshot " + sn.id().shortHex() + " to " + whereRestored(target, written)
                    + (res.warnings().isEmpty() ? "" : "; " + res.warnings().size() + (res.warnings().size() == 1 ? " warning: " : " warnings, first: ") + res.warnings().getFirst()));
        }
    }
}
