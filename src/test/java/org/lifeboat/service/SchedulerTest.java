package org.lifeboat.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStore;

/**
 * The scheduler on a clock the test moves (issue 13): when jobs fall due, that two jobs on one
 * repository never overlap, that missed runs run once at start-up, retries with backoff, manual
 * jobs. Jobs run when the test says ({@link #work}), so every step is deterministic.
 */
class SchedulerTest {
    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final ZoneId UTC = ZoneOffset.UTC;

    @TempDir
    Path tmp;

    private StateStore store;
    private JobLog log;
    private MutableClock clock;
    private final Deque<Runnable> work = new ArrayDeque<>();
    private final List<String> ran = new ArrayList<>();
    private final Deque<String> results = new ArrayDeque<>();
    private final List<String> said = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = StateStore.open(tmp.resolve("state"));
        log = new JobLog(store);
        clock = new MutableClock(T0);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Records each job; it ends as the next of {@link #results} says (succeeded when none is left). */
    private final JobRunner runner = new JobRunner() {
        @Override
        public JobOutcome run(Plan plan, JobRequest job, Cancel cancel, Consumer<String> progress) {
            ran.add(job.system() + ":" + job.kind().json() + ":" + job.trigger() + "@" + Duration.between(T0, clock.instant()).toMinutes());
            String r = results.isEmpty() ? JobRun.SUCCEEDED : results.pop();
            return r.equals(JobRun.SUCCEEDED) ? JobOutcome.succeeded("ok") : JobOutcome.failed("source unreadable");
        }

        @Override
        public Set<String> repositories(Plan plan, JobRequest job) {
            return Set.of(plan.system(job.system()).backup().repository());
        }
    };

    private Plan plan(String systems) throws Exception {
        return plan("", systems);
    }

    /** A plan with two repositories, {@code sites} (YAML at the top level, or empty) and {@code systems}. */
    private Plan plan(String sites, String systems) throws Exception {
        Path f = tmp.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  main: { url: /srv/main, password-file: /etc/pw }
                  other: { url: /srv/other, password-file: /etc/pw }
                """ + sites + "systems:\n" + systems.indent(2));
        return PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
    }

    private Scheduler scheduler(Plan plan) {
        Scheduler s = new Scheduler(clock, UTC, "h1", log, runner, work::add, new Scheduler.Listener() {},
                Duration.ofMinutes(1), said::add);
        s.setPlan(plan);
        return s;
    }

    private void workAll() {
        while (!work.isEmpty()) work.pop().run();
    }

    private static String system(String name, String repo, String rpo, String schedule) {
        return name + ":\n  rpo: " + rpo + "\n  rto: 1h\n  backup: { repository: " + repo + ", sources: [ { path: /srv/" + name + " } ] }\n"
                + (schedule == null ? "" : "  schedule:\n" + schedule.indent(4));
    }

    @Test
    void anIntervalRunsAtOnceThenEveryInterval() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "1h", "backup: 15m")));
        s.tick();
        workAll();
        clock.advance(Duration.ofMinutes(10));
        assertThat(s.tick()).isEqualTo(T0.plus(Duration.ofMinutes(11))); // woken at least every minute
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(15)));
        workAll();
        clock.advance(Duration.ofMinutes(5));
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0", "files:backup:schedule@15");
        assertThat(log.recent("files", "backup", 0)).hasSize(2).allMatch(r -> r.result().equals(JobRun.SUCCEEDED));
    }

    @Test
    void withoutAScheduleASystemIsBackedUpEveryHalfRpo() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "2h", null)));
        s.tick();
        workAll();
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(s.nextDue("files", JobKind.CHECK)).isNull();
    }

    @Test
    void aPlanWithoutASandboxSchedulesNoDrill() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "1h", "backup: 15m\ndrill: 7d")));
        assertThat(s.nextDue("files", JobKind.DRILL)).isNull();
        assertThat(s.nextDue("files", JobKind.BACKUP)).isNotNull();
        Path f = tmp.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  main: { url: /srv/main, password-file: /etc/pw }
                sites:
                  primary: { root: /srv }
                  sandbox: { root: "${temp-dir}" }
                systems:
                """ + system("files", "main", "1h", "backup: 15m\ndrill: 7d").indent(2));
        s.setPlan(PlanLoader.load(f, null, PlanLoader.Generators.placeholders()));
        assertThat(s.nextDue("files", JobKind.DRILL)).isNotNull();
    }

    @Test
    void backupsShareARepositoryButACheckHasItAlone() throws Exception {
        Scheduler s = scheduler(plan(system("a", "main", "1h", "backup: 15m\ncheck: 1h") + system("b", "main", "1h", "backup: 15m")
                + system("c", "other", "1h", "backup: 15m")));
        s.tick();
        // the three backups run together (restic's shared locks); a's check waits for them all
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind())
                .containsExactly("a:backup", "b:backup", "c:backup");
        s.tick();
        assertThat(s.running()).hasSize(3); // nothing started twice
        work.pop().run(); // a's backup ends; b's still holds main
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().kind()).doesNotContain("check");
        work.pop().run(); // b's ends: main is free
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind()).containsExactly("c:backup", "a:check");
        // while the check runs, a backup due on main waits
        s.submit(new JobRequest("b", JobKind.BACKUP, "manual"));
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind()).containsExactly("c:backup", "a:check");
        workAll();
        s.tick();
        workAll();
        assertThat(ran).containsExactly("a:backup:schedule@0", "b:backup:schedule@0", "c:backup:schedule@0", "a:check:schedule@0",
                "b:backup:manual@0");
    }

    private Plan planWithSandbox(String systems) throws Exception {
        return plan("sites:\n  primary: { root: /srv }\n  sandbox: { root: \"${temp-dir}\" }\n", systems);
    }

    @Test
    void onANewInstallACopyAndADrillWaitForTheFirstBackupAndSayWhy() throws Exception {
        // brk13d D1: they ran beside the first backup, found no snapshot and paged job_failed / drill_failed
        Scheduler s = scheduler(planWithSandbox(system("files", "main", "1h", "backup: 30m\ncopy: 1h\ndrill: 1d")));
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().kind()).containsExactly("backup");
        assertThat(s.waiting()).extracting(w -> w.kind().json() + ": " + w.reason())
                .containsExactly("copy: waits for files's first backup (job " + s.running().getFirst().run().id() + ")",
                        "drill: waits for files's first backup (job " + s.running().getFirst().run().id() + ")");
        assertThat(s.waiting()).allMatch(w -> w.since().equals(T0));
        workAll();
        clock.advance(Duration.ofMinutes(3));
        s.tick();
        assertThat(s.waiting()).isEmpty();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0", "files:copy:schedule@3", "files:drill:schedule@3");
    }

    @Test
    void afterDowntimeADrillWaitsForTheCatchUpBackupOfEverySystemItRestores() throws Exception {
        // brk13d D5: down longer than the RPO, the start-up drill ran beside the catch-up backup and
        // failed on "newest snapshot older than the RPO"; a drill of app restores db too
        Instant before = T0.minus(Duration.ofHours(5));
        for (String n : List.of("db", "app")) {
            log.started(new JobRun("b" + n, "h1", n, "backup", "schedule", before, before.plusSeconds(30), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        }
        log.started(new JobRun("d", "h1", "app", "drill", "schedule", before, before.plusSeconds(30), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        Scheduler s = scheduler(planWithSandbox(system("app", "main", "1h", "backup: 30m\ndrill: 1h") + "  depends-on: [ db ]\n"
                + system("db", "other", "1h", "backup: 30m")));
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind()).containsExactly("app:backup", "db:backup");
        work.pop().run(); // app's backup ends; db's still runs
        s.tick();
        assertThat(s.waiting()).extracting(w -> w.system() + " " + w.kind().json() + ": " + w.reason())
                .singleElement().asString().startsWith("app drill: waits for db's catch-up backup (job ");
        workAll();
        s.tick();
        workAll();
        assertThat(ran).containsExactly("app:backup:catch-up@0", "db:backup:catch-up@0", "app:drill:catch-up@0");
    }

    @Test
    void backToBackBackupsDoNotStarveADrillAndAHeldBackJobIsNoCatchUp() throws Exception {
        // brk13e F2: a backup every 10 s that takes 12 s was always running or due; the drill waited forever
        log.started(new JobRun("b", "h1", "busy", "backup", "schedule", T0.minusSeconds(5), T0.minusSeconds(1), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        log.started(new JobRun("d", "h1", "busy", "drill", "schedule", T0.minusSeconds(20), T0.minusSeconds(10), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        Scheduler s = scheduler(planWithSandbox(system("busy", "main", "1h", "backup: 10s\ndrill: 15s")));
        clock.advance(Duration.ofSeconds(5));
        s.tick(); // the backup is due: it runs; the drill, due too, does not wait for it
        assertThat(s.running()).extracting(r -> r.run().kind()).containsExactly("backup", "drill");
        assertThat(s.waiting()).isEmpty();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(12));
            workAll();
            s.tick();
        }
        workAll();
        assertThat(ran).filteredOn(r -> r.contains(":drill:")).hasSizeGreaterThan(1).allMatch(r -> r.contains(":drill:schedule@"));
    }

    @Test
    void aManualRunStartsTheHeldBackTimeAnew() throws Exception {
        // brk13e F3: waiting.since stayed from before a manual drill that passed
        Scheduler s = scheduler(planWithSandbox(system("files", "main", "1h", "backup: 30m\ndrill: 1d")));
        s.tick();
        assertThat(s.waiting()).singleElement().extracting(Scheduler.Waiting::since).isEqualTo(T0);
        clock.advance(Duration.ofMinutes(2));
        s.submit(new JobRequest("files", JobKind.DRILL, "manual"));
        work.removeLast().run(); // the manual drill ends; the backup still runs
        clock.advance(Duration.ofMinutes(1));
        s.tick();
        assertThat(s.waiting()).singleElement().extracting(Scheduler.Waiting::since).isEqualTo(T0.plus(Duration.ofMinutes(3)));
    }

    @Test
    void aCheckHeldBackByABackupIsShownWaitingWithTheJobItWaitsFor() throws Exception {
        // brk13d D2: a scheduled check that waits for the repository was nowhere to be seen
        log.started(new JobRun("b", "h1", "a", "backup", "schedule", T0.minusSeconds(60), T0.minusSeconds(50), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        Scheduler s = scheduler(plan(system("b", "main", "1h", "backup: 30m") + system("a", "main", "1h", "backup: 30m\ncheck: 1h")));
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind()).containsExactly("b:backup");
        String job = s.running().getFirst().run().id();
        assertThat(s.waiting()).extracting(w -> w.system() + " " + w.kind().json() + ": " + w.reason())
                .containsExactly("a check: repository 'main' is in use by b's backup (job " + job + ")");
        workAll();
        s.tick();
        assertThat(s.waiting()).isEmpty();
        assertThat(s.running()).extracting(r -> r.run().system() + ":" + r.run().kind()).containsExactly("a:check");
    }

    @Test
    void missedRunsRunOnceAtStartUp() throws Exception {
        // The service was down for 5 hours: 20 runs of 15m missed, one runs.
        log.started(new JobRun("old", "h1", "files", "backup", "schedule", T0.minus(Duration.ofHours(5)),
                T0.minus(Duration.ofHours(5)).plusSeconds(30), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        Scheduler s = scheduler(plan(system("files", "main", "1h", "backup: 15m\ncheck: \"0 3 * * *\"")));
        s.tick();
        workAll();
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:catch-up@0");
        // check never ran: not a missed run; it waits for 03:00
        assertThat(s.nextDue("files", JobKind.CHECK)).isEqualTo(Instant.parse("2026-12-03T03:00:00Z"));
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(15)));
    }

    @Test
    void aBackupThatNeverRanIsDueAtOnceEvenOnACronSchedule() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: \"0 3 * * *\"")));
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0");
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(Instant.parse("2026-12-03T03:00:00Z"));
    }

    @Test
    void aRunCancelledByAStopIsDueAgainAtTheNextStart() throws Exception {
        log.started(new JobRun("c", "h1", "files", "backup", "schedule", T0.minus(Duration.ofMinutes(5)), T0.minus(Duration.ofMinutes(4)),
                JobRun.CANCELLED, -1, -1, -1, null, "cancelled: the service is stopping"));
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: 1h")));
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0");
    }

    @Test
    void aCronJobMissedTwiceRunsOnceThenAtItsNextTime() throws Exception {
        log.started(new JobRun("c1", "h1", "files", "check", "schedule", Instant.parse("2026-11-30T03:00:00Z"),
                Instant.parse("2026-11-30T03:01:00Z"), JobRun.SUCCEEDED, -1, -1, -1, null, null));
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: 1d\ncheck: \"0 3 * * *\"")));
        s.tick();
        workAll(); // the backup (never ran) holds the repository first; the check needs it alone
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0", "files:check:catch-up@0");
        assertThat(s.nextDue("files", JobKind.CHECK)).isEqualTo(Instant.parse("2026-12-03T03:00:00Z"));
        clock.now = Instant.parse("2026-12-03T03:00:00Z");
        s.tick();
        workAll();
        assertThat(ran).filteredOn(r -> r.contains(":check:")).hasSize(2).last().asString().contains("files:check:schedule@");
    }

    @Test
    void aCronJobThatNeverRanRunsAtItsFirstTime() throws Exception {
        // a new installation: no check or prune in the job log yet (brk13c C6)
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: 1d\ncheck: \"30 10 * * *\"\nprune: \"0 11 * * *\"")));
        s.tick();
        workAll();
        assertThat(s.nextDue("files", JobKind.CHECK)).isEqualTo(Instant.parse("2026-12-02T10:30:00Z"));
        clock.now = Instant.parse("2026-12-02T10:30:00Z");
        s.tick();
        workAll();
        clock.now = Instant.parse("2026-12-02T11:00:01Z");
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0", "files:check:schedule@30", "files:prune:schedule@60");
        assertThat(s.nextDue("files", JobKind.CHECK)).isEqualTo(Instant.parse("2026-12-03T10:30:00Z"));
    }

    private void renameJobRuns(String from, String to) throws Exception {
        store.write("test", c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("ALTER TABLE " + from + " RENAME TO " + to);
            }
            return null;
        });
    }

    @Test
    void runsThatEndWhileTheStateCannotBeWrittenAreRecordedWhenItCan() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: 1h")));
        renameJobRuns("job_runs", "job_runs_away"); // the state refuses every job record (as a server that is down)
        s.tick();
        workAll();
        assertThat(ran).containsExactly("files:backup:schedule@0");
        assertThat(said).anyMatch(l -> l.startsWith("cannot record the end of job ") && l.contains("kept to record"));
        assertThat(s.recordKept()).isEqualTo(1); // still down: kept
        renameJobRuns("job_runs_away", "job_runs");
        assertThat(s.recordKept()).isZero();
        assertThat(log.recent("files", "backup", 0)).singleElement()
                .satisfies(r -> assertThat(r.result()).isEqualTo(JobRun.SUCCEEDED));
    }

    @Test
    void aFailingJobIsRetriedWithBackoffUntilItSucceeds() throws Exception {
        Scheduler s = scheduler(plan(system("files", "main", "1d", "backup: 12h")));
        results.addAll(List.of(JobRun.FAILED, JobRun.FAILED, JobRun.FAILED));
        s.tick();
        workAll();
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(1));
        s.tick();
        workAll();
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(3)));
        clock.advance(Duration.ofMinutes(2));
        s.tick();
        workAll();
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(7)));
        clock.advance(Duration.ofMinutes(4));
        s.tick();
        workAll();
        // it succeeded: back on its schedule, counted from this run's start
        assertThat(s.nextDue("files", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(7)).plus(Duration.ofHours(12)));
        assertThat(ran).containsExactly("files:backup:schedule@0", "files:backup:retry@1", "files:backup:retry@3",
                "files:backup:retry@7");
        assertThat(log.recent("files", null, 0)).extracting(JobRun::result)
                .containsExactly(JobRun.SUCCEEDED, JobRun.FAILED, JobRun.FAILED, JobRun.FAILED);
    }

    @Test
    void aManualJobStartsAtOnceOrWaitsForItsRepositoryAndIsNeverDoubled() throws Exception {
        Scheduler s = scheduler(plan(system("a", "main", "1h", "backup: 15m\ncheck: 1h") + system("b", "main", "1h", "backup: 15m")));
        s.tick(); // both backups run
        workAll();
        s.tick(); // a's check has main alone
        assertThat(s.running()).extracting(r -> r.run().kind()).containsExactly("check");
        String id = s.submit(new JobRequest("b", JobKind.BACKUP, "manual"));
        assertThat(s.queued(id)).isPresent(); // waits for main
        assertThatThrownBy(() -> s.submit(new JobRequest("b", JobKind.BACKUP, "manual"))).isInstanceOf(Scheduler.Busy.class)
                .hasMessageContaining("waits already");
        assertThatThrownBy(() -> s.submit(new JobRequest("a", JobKind.CHECK, "manual"))).isInstanceOf(Scheduler.Busy.class)
                .hasMessageContaining("runs already");
        assertThatThrownBy(() -> s.submit(new JobRequest("zz", JobKind.BACKUP, "manual"))).isInstanceOf(Scheduler.Busy.class)
                .hasMessageContaining("no system 'zz'");
        workAll();
        s.tick();
        assertThat(s.running()).extracting(r -> r.run().trigger()).containsExactly("manual");
        assertThat(s.running(id)).isPresent(); // under the id it was given
        assertThat(s.queued(id)).isEmpty();
        workAll();
        assertThat(ran).containsExactly("a:backup:schedule@0", "b:backup:schedule@0", "a:check:schedule@0", "b:backup:manual@0");
    }

    @Test
    void aReloadKeepsWhatWasRememberedAndDropsSystemsGoneFromThePlan() throws Exception {
        Scheduler s = scheduler(plan(system("a", "main", "1h", "backup: 15m")));
        s.tick();
        workAll();
        s.setPlan(plan(system("a", "main", "1h", "backup: 30m") + system("b", "other", "1h", "backup: 1h")));
        assertThat(s.nextDue("a", JobKind.BACKUP)).isEqualTo(T0.plus(Duration.ofMinutes(30)));
        assertThat(s.nextDue("b", JobKind.BACKUP)).isEqualTo(T0);
        s.setPlan(plan(system("b", "other", "1h", "backup: 1h")));
        assertThat(s.nextDue("a", JobKind.BACKUP)).isNull();
    }

    @Test
    void aJobThatFailsBecauseItWasCancelledIsRecordedCancelledAndAQueuedOneToo() throws Exception {
        Scheduler s = scheduler(plan(system("a", "main", "1h", "backup: 1h\ncheck: 1h") + system("b", "main", "1h", "backup: 1h")));
        s.tick();
        workAll(); // the backups
        s.tick(); // a's check holds main alone
        String queued = s.submit(new JobRequest("b", JobKind.BACKUP, "manual"));
        s.stop("the service is stopping");
        results.add(JobRun.FAILED); // what a killed dump reports
        workAll();
        assertThat(log.recent("a", "check", 0)).singleElement().extracting(JobRun::result).isEqualTo(JobRun.CANCELLED);
        assertThat(log.get(queued)).get().extracting(JobRun::result).isEqualTo(JobRun.CANCELLED);
    }

    @Test
    void stopCancelsRunningJobsAndStartsNoMore() throws Exception {
        Scheduler s = scheduler(plan(system("a", "main", "1h", "backup: 15m")));
        s.tick();
        List<Scheduler.Running> stopped = s.stop("SIGTERM");
        assertThat(stopped).hasSize(1);
        assertThat(stopped.getFirst().cancel().cancelled()).isTrue();
        clock.advance(Duration.ofHours(1));
        s.tick();
        assertThat(work).hasSize(1); // only the one started before the stop
    }
}
