package org.lifeboat.recovery;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.Exec;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Archiver;
import org.lifeboat.backup.BackupObserver;
import org.lifeboat.backup.BackupOptions;
import org.lifeboat.backup.BackupResult;
import org.lifeboat.backup.Excludes;
import org.lifeboat.backup.Progress;
import org.lifeboat.backup.StreamSource;
import org.lifeboat.plan.DbSpec;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanException;
import org.lifeboat.plan.SnapshotLayout;
import org.lifeboat.plan.Source;
import org.lifeboat.plan.Step;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.repository.WrongPasswordException;

/**
 * Backs up one system as its plan says: before hooks, then every source (files, dumps streamed
 * straight from pg_dump/mariadb-dump, command output) into ONE snapshot tagged {@code system=NAME},
 * then after hooks (also when the backup failed, so a quiesced application is always resumed).
 * One snapshot per system, not per source: a system's recovery point is then one moment and one
 * ID, its RPO one age, and a restore cannot mix files and a database from different times.
 */
public final class SystemBackup {
    /**
     * warnings: what went wrong around a saved snapshot (a failing after hook); anomaly: the
     * snapshot's ransomware score (null when it could not be scored); anomalySeconds: how long
     * scoring it took (part of {@code took}).
     */
    public record Outcome(String system, Snapshot snapshot, BackupResult result, Duration took, List<String> warnings,
                          org.lifeboat.anomaly.Verdict anomaly, double anomalySeconds) {
        /** Whether the snapshot was tagged {@link Anomalies#TAG}. */
        public boolean suspicious() {
            return snapshot != null && snapshot.hasTag(Anomalies.TAG);
        }
    }

    private SystemBackup() {}

    /** {@link #run(Plan, SystemSpec, Repositories, Progress, Consumer, Cancel)} that cannot be cancelled. */
    public static Outcome run(Plan plan, SystemSpec sys, Repositories repos, Progress progress, Consumer<String> warn)
            throws IOException, RecoveryException, WrongPasswordException {
        return run(plan, sys, repos, progress, warn, Cancel.NEVER, null);
    }

    /**
     * Backs up one system; its after hooks run in all cases once the before hooks started (also
     * when the backup fails or is cancelled), on this thread, before this returns or throws.
     *
     * @param cancel cancelling it stops the backup ({@link Cancel.Cancelled} is thrown, no snapshot)
     * @param anomalies where the system's anomaly scores are kept and its baseline read ({@link Anomalies});
     *     null: no state, the baseline is learnt from the repository each time
     * @throws RecoveryException when a before hook fails or the system has no sources
     * @throws IOException when the backup fails (a stream source, the repository)
     */
    public static Outcome run(Plan plan, SystemSpec sys, Repositories repos, Progress progress, Consumer<String> warn,
                              Cancel cancel, org.lifeboat.state.AnomalyLog anomalies)
            throws IOException, RecoveryException, WrongPasswordException {
        SystemSpec.Backup b = sys.backup();
        if (b == null || b.sources().isEmpty()) {
            throw new RecoveryException("system '" + sys.name() + "' has no backup sources in " + plan.file());
        }
        Repository repo = repos.get(b.repository());
        Instant t0 = Instant.now();
        Map<String, String> env = env(plan, sys);
        List<String> hookWarnings = new ArrayList<>();
        // After hooks also run when the backup fails or is cancelled (Ctrl-C, SIGTERM cancel the
        // job, which unwinds through the finally below): a quiesced application must never stay paused.
        boolean afterDone = false;
        try {
            for (Step.CommandStep h : b.before()) {
                // A cancel kills the hook with its processes; the finally below still runs the after hooks.
                Shell.Result r = Shell.run(h.run(), env, h.timeout(), cancel);
                if (!r.ok()) {
                    throw new RecoveryException("before hook of system '" + sys.name() + "' failed ("
                            + (r.timedOut() ? "timed out after " + h.timeout().toSeconds() + " s" : "exit " + r.exitCode())
                            + "): " + h.run() + (r.tail().isEmpty() ? "" : "\n" + r.tail()));
                }
            }
            List<String> targets = new ArrayList<>();
            List<String> excludes = new ArrayList<>();
            boolean oneFs = false;
            List<StreamSource> streams = new ArrayList<>();
            for (Source s : b.sources()) {
                switch (s) {
                    case Source.PathSource p -> {
                        targets.add(p.path());
                        // Excludes are per snapshot in the engine: a relative pattern (which matches at
                        // any depth) is anchored under its source so it cannot drop another source's files.
                        for (String e : p.exclude()) excludes.add(e.startsWith("/") ? e : p.path() + "/**/" + e);
                        oneFs |= p.oneFileSystem();
                    }
                    case Source.PostgresSource pg -> streams.addAll(postgresStreams(pg));
                    case Source.MysqlSource my -> streams.add(mysqlStream(my));
                    case Source.CommandSource c -> streams.add(new StreamSource(SnapshotLayout.commandOutput(c.filename()),
                            // In the plan's folder like every command of the plan, within its time limit.
                            () -> new NonEmpty(Exec.streamStdout(List.of("sh", "-c", "cd \"$" + Shell.PLAN_DIR + "\" || exit 1\n" + c.run()),
                                    env, "command `" + c.run() + "`", c.timeout(), cancel), c, sys.name(), warn, cancel)));
                }
            }
            String host = b.host() != null ? b.host() : Repository.hostname();
            // The parent is this system's own latest backup from this host, never a look-alike.
            List<Snapshot> prior = SystemSnapshots.of(sys, new SnapshotFilter(List.of(host), List.of(sys.tag()), List.of())
                    .apply(repos.snapshots(b.repository(), warn)));
            Snapshot parent = prior.isEmpty() ? null : prior.getLast();
            BackupOptions opts = new BackupOptions(targets, new Excludes(excludes, List.of(), false), oneFs,
                    List.of(sys.tag()), host, parent == null ? null : parent.id(), false, false, null, 0, streams);
            BackupResult res;
            // Scored before the snapshot is written, so a suspicious one is tagged in its only file.
            Anomalies.Review review = Anomalies.review(sys, repo, prior, anomalies, hookWarnings::add);
            try {
                res = new Archiver(repo, opts, progress, (path, msg) -> warn.accept(msg), // the message names the path
                        BackupObserver.NONE, cancel, review).run();
            } finally {
                repos.invalidate(b.repository());
            }
            org.lifeboat.anomaly.Verdict verdict = review.verdict(res.snapshot());
            afterDone = true;
            runAfter(b, env, sys, hookWarnings);
            for (String w : hookWarnings) warn.accept(w);
            return new Outcome(sys.name(), res.snapshot(), res, Duration.between(t0, Instant.now()), List.copyOf(hookWarnings),
                    verdict, review.seconds());
        } finally {
            if (!afterDone) {
                runAfter(b, env, sys, hookWarnings);
                for (String w : hookWarnings) warn.accept(w);
            }
        }
    }

    /**
     * A command source's output that fails the backup, on close, when the command printed nothing
     * and exited 0 (unless the source says {@code allow-empty: true}): an empty file as the
     * "backup" of a command is nearly always a command that silently did not work (as restic 0.16+
     * refuses {@code backup --stdin} without data). The command's own failure (close) comes first.
     */
    static final class NonEmpty extends java.io.FilterInputStream {
        private final Source.CommandSource source;
        private final String system;
        private final Consumer<String> warn;
        private long bytes;

        private final Cancel cancel;

        NonEmpty(java.io.InputStream in, Source.CommandSource source, String system, Consumer<String> warn, Cancel cancel) {
            this.cancel = cancel;
            super(in);
            this.source = source;
            this.system = system;
            this.warn = warn;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) bytes++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) bytes += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            super.close();
            // A command killed by a cancel printed nothing because it was stopped: say that, not "empty".
            cancel.check();
            if (bytes == 0 && !source.allowEmpty()) {
                String msg = "the command source `" + source.run() + "` of system '" + system + "' printed nothing (exit 0), so "
                        + SnapshotLayout.commandOutput(source.filename()) + " would be empty; the backup fails (write allow-empty: true"
                        + " on the source if empty output is fine)";
                warn.accept(msg);
                throw new IOException(msg);
            }
        }
    }

    private static void runAfter(SystemSpec.Backup b, Map<String, String> env, SystemSpec sys, List<String> warnings) {
        for (Step.CommandStep h : b.after()) {
            try {
                Shell.Result r = Shell.run(h.run(), env, h.timeout());
                if (!r.ok()) {
                    warnings.add("after hook of system '" + sys.name() + "' failed ("
                            + (r.timedOut() ? "timed out after " + org.lifeboat.plan.Durations.format(h.timeout()) : "exit " + r.exitCode())
                            + "): " + h.run() + (r.tail().isEmpty() ? "" : "\n" + r.tail()));
                }
            } catch (IOException e) {
                warnings.add("after hook of system '" + sys.name() + "' could not run: " + h.run() + ": " + e.getMessage());
            }
        }
    }

    /**
     * The environment of the plan's commands. The plan's password variables are removed (a null
     * value removes a variable; Lifeboat's own are always removed, see Exec): a service started
     * by a recovery must not carry a password around.
     */
    static Map<String, String> env(Plan plan, SystemSpec sys) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Plan.RepositorySpec r : plan.repositories().values()) if (r.passwordEnv() != null) env.put(r.passwordEnv(), null);
        for (SystemSpec s : plan.systems().values()) {
            if (s.backup() != null) {
                for (Source src : s.backup().sources()) {
                    if (src instanceof Source.PostgresSource pg && pg.db().passwordEnv() != null) env.put(pg.db().passwordEnv(), null);
                    if (src instanceof Source.MysqlSource my && my.db().passwordEnv() != null) env.put(my.db().passwordEnv(), null);
                }
            }
            for (Step st : s.restore()) {
                if (st instanceof Step.DatabaseStep d && d.db().passwordEnv() != null) env.put(d.db().passwordEnv(), null);
            }
        }
        env.put("LIFEBOAT_SYSTEM", sys.name());
        env.put(Shell.PLAN_DIR, plan.file().getParent().toString());
        if (plan.site() != null) env.put("LIFEBOAT_SITE", plan.site());
        return env;
    }

    static DbConnection connection(DbSpec d) throws RecoveryException {
        try {
            return new DbConnection(d.host(), d.port(), d.user(), d.password());
        } catch (PlanException e) {
            throw new RecoveryException(e.getMessage());
        }
    }

    private static List<StreamSource> postgresStreams(Source.PostgresSource pg) throws IOException, RecoveryException {
        Postgres tool = Postgres.locate();
        DbConnection c = connection(pg.db());
        List<String> dbs = pg.databases().isEmpty() ? tool.databases(c) : pg.databases();
        List<StreamSource> out = new ArrayList<>();
        String host = pg.db().host();
        int port = pg.db().port();
        if (pg.globals()) out.add(new StreamSource(SnapshotLayout.postgresGlobals(host, port), () -> tool.dumpGlobals(c)));
        for (String db : dbs) {
            out.add(new StreamSource(SnapshotLayout.postgresDump(host, port, db), () -> tool.dump(c, db)));
        }
        return out;
    }

    private static StreamSource mysqlStream(Source.MysqlSource my) throws IOException, RecoveryException {
        MySql tool = MySql.locate();
        DbConnection c = connection(my.db());
        return new StreamSource(SnapshotLayout.mysqlDump(my.db().host(), my.db().port()), () -> tool.dump(c, my.databases()));
    }
}
