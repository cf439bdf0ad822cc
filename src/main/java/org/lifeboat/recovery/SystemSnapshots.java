package org.lifeboat.recovery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.backup.Targets;
import org.lifeboat.plan.SnapshotLayout;
import org.lifeboat.plan.Source;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.repository.Snapshot;

/**
 * Which snapshots of a repository belong to a system: the ONE selection used by backup (parent),
 * recover, plan show/status, the runbook, drills and forecasts. A snapshot is the system's when it
 * carries the tag {@code system=NAME}, its host is the plan's {@code host} (when the plan names
 * one), and its paths are the plan's sources: every path source is there, and every other path is
 * a dump or command output of one of its sources. The tag alone is not enough: anyone can write
 * {@code backup --tag system=files /elsewhere} into the plan's repository, and recovering or
 * counting such a snapshot as the system's recovery point would be a lie.
 */
public final class SystemSnapshots {
    private SystemSnapshots() {}

    /** Whether {@code s} is a snapshot of {@code sys} (false for a system without backup). */
    public static boolean matches(SystemSpec sys, Snapshot s) {
        return mismatch(sys, s) == null;
    }

    /** The snapshots of {@code sys} among {@code all}, in the given order (oldest first as listed). */
    public static List<Snapshot> of(SystemSpec sys, List<Snapshot> all) {
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : all) if (matches(sys, s)) out.add(s);
        return out;
    }

    /**
     * The newest of {@code mine} (a system's snapshots) as "latest": the newest dated no later than
     * {@code now}; only when all are dated after {@code now} (a wrong clock, {@code restic backup --time})
     * the newest of all. A snapshot dated in the future must not hide a later real backup: its date
     * says nothing about its data. Null when {@code mine} is empty. The ONE rule for recover, drills
     * and plan show.
     */
    public static Snapshot latest(List<Snapshot> mine, java.time.Instant now) {
        Snapshot past = null, any = null;
        for (Snapshot s : mine) {
            java.time.Instant t = s.time().toInstant();
            if (any == null || !t.isBefore(any.time().toInstant())) any = s;
            if (!t.isAfter(now) && (past == null || !t.isBefore(past.time().toInstant()))) past = s;
        }
        return past != null ? past : any;
    }

    /** How a snapshot dated after now is described, in every warning and report. */
    public static final String CLOCK_SKEW = "in the future (clock skew?)";

    /** The newest of {@code mine} dated after {@code now}; null when none is. */
    public static Snapshot newestInFuture(List<Snapshot> mine, java.time.Instant now) {
        Snapshot f = null;
        for (Snapshot s : mine) {
            if (s.time().toInstant().isAfter(now) && (f == null || !s.time().isBefore(f.time()))) f = s;
        }
        return f;
    }

    /**
     * The warning for a system whose snapshots include {@code future} (dated after {@code now}) when
     * {@code chosen} is used as its latest; null when {@code future} is null.
     */
    public static String futureWarning(SystemSpec sys, Snapshot future, Snapshot chosen, java.time.Instant now) {
        if (future == null) return null;
        String when = future.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ", "
                + org.lifeboat.plan.Durations.format(java.time.Duration.between(now, future.time().toInstant()))
                + " " + CLOCK_SKEW;
        if (chosen == future) {
            return "every snapshot of system '" + sys.name() + "' is dated in the future: the newest, " + future.id().shortHex()
                    + ", is dated " + when + "; it is used, and its age cannot be judged";
        }
        return "snapshot " + future.id().shortHex() + " of system '" + sys.name() + "' is dated " + when
                + "; it is passed over for the newest snapshot dated no later than now"
                + (chosen == null ? "" : ", " + chosen.id().shortHex() + " of " + chosen.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /**
     * Why {@code s} is not a snapshot of {@code sys}, as a phrase ("its host is x, the plan's is y");
     * null when it is.
     */
    public static String mismatch(SystemSpec sys, Snapshot s) {
        SystemSpec.Backup b = sys.backup();
        if (b == null) return "the system has no backup in the plan";
        if (!s.hasTag(sys.tag())) return "it lacks the tag " + sys.tag();
        if (b.host() != null && !b.host().equals(s.hostname())) {
            return "its host is '" + s.hostname() + "', the plan's is '" + b.host() + "'";
        }
        List<String> required = new ArrayList<>();
        for (Source src : b.sources()) if (src instanceof Source.PathSource p) required.add(absolute(p.path()));
        for (String r : required) {
            if (!s.paths().contains(r)) return "it does not hold the plan's path " + r;
        }
        for (String p : s.paths()) {
            if (!required.contains(p) && !fromSource(b, p)) return "it holds " + p + ", which is none of the plan's sources";
        }
        return null;
    }

    /** Whether a snapshot path is a stream one of the plan's dump or command sources writes. */
    private static boolean fromSource(SystemSpec.Backup b, String path) {
        for (Source src : b.sources()) {
            switch (src) {
                case Source.PathSource p -> {}
                // All databases: the names are the server's at backup time, so any file in its folder.
                case Source.PostgresSource pg -> {
                    if (path.startsWith(SnapshotLayout.postgresDir(pg.db().host(), pg.db().port()) + "/")) return true;
                }
                case Source.MysqlSource my -> {
                    if (path.equals(SnapshotLayout.mysqlDump(my.db().host(), my.db().port()))) return true;
                }
                case Source.CommandSource c -> {
                    if (path.equals(SnapshotLayout.commandOutput(c.filename()))) return true;
                }
            }
        }
        return false;
    }

    /**
     * The snapshot filter a person types to pick this system's snapshots with {@code ls}/{@code restore}/{@code dump},
     * as close to {@link #mismatch} as restic's flags allow: the tag; {@code --host} when the plan names
     * one; and a {@code --path} for every path the system's snapshots must hold (restic's {@code --path}
     * means "the snapshot holds all these paths"): each path source, the MySQL/MariaDB dump, each
     * command's output, and, when the PostgreSQL source names its databases, their dumps (and the
     * globals). An "all databases" PostgreSQL source has no fixed file names, so it adds none. What the
     * flags cannot say (no other paths) is in {@link #RULE}. Each value passed through {@code quote}.
     */
    static String filterFlags(SystemSpec sys, java.util.function.UnaryOperator<String> quote) {
        StringBuilder b = new StringBuilder("--tag ").append(quote.apply(sys.tag()));
        SystemSpec.Backup bk = sys.backup();
        if (bk == null) return b.toString();
        if (bk.host() != null) b.append(" --host ").append(quote.apply(bk.host()));
        for (String p : requiredPaths(bk)) b.append(" --path ").append(quote.apply(p));
        return b.toString();
    }

    /** The paths every snapshot of the system holds, whatever the data: see {@link #filterFlags}. */
    static List<String> requiredPaths(SystemSpec.Backup bk) {
        List<String> out = new ArrayList<>();
        for (Source src : bk.sources()) {
            switch (src) {
                case Source.PathSource p -> out.add(absolute(p.path()));
                case Source.MysqlSource my -> out.add(SnapshotLayout.mysqlDump(my.db().host(), my.db().port()));
                case Source.CommandSource c -> out.add(SnapshotLayout.commandOutput(c.filename()));
                case Source.PostgresSource pg -> {
                    if (pg.databases().isEmpty()) break; // the server's databases at backup time: no fixed names
                    if (pg.globals()) out.add(SnapshotLayout.postgresGlobals(pg.db().host(), pg.db().port()));
                    for (String db : pg.databases()) out.add(SnapshotLayout.postgresDump(pg.db().host(), pg.db().port(), db));
                }
            }
        }
        return out;
    }

    /** The selection rule in words, for people checking a snapshot ID by hand (the runbook). */
    public static final String RULE = "the newest snapshot with the system's tag, the plan's host (when the plan names one),"
            + " every path the plan's sources write, and no other paths";

    /** The path as the archiver records it (absolute, cleaned). */
    private static String absolute(String path) {
        try {
            return Targets.absolute(path);
        } catch (IOException e) {
            return path;
        }
    }
}
