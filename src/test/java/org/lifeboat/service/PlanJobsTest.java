package org.lifeboat.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.state.JobRun;
import org.lifeboat.testutil.Cli;

/** The service's backup job: PlanBackup's backup, copies and retention, waiting for locks held elsewhere. */
class PlanJobsTest {
    @TempDir
    Path dir;

    /** A repository 'local' and one system 'files' backing up src/a.txt into it, keeping the last snapshot. */
    private Plan filesPlan() throws Exception {
        new Cli(dir.resolve("repo"), Cli.passwordFile(dir)).run("init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "one\n");
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  local: { url: repo, password-file: password }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src } ] }
                    retention: { keep-last: 1 }
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        return plan;
    }

    @Test
    void aBackupWaitsForALockHeldElsewhereAndSaysTheRetentionItApplied() throws Exception {
        Plan plan = filesPlan();
        PlanJobs jobs = new PlanJobs((p, exclusive, cancel) -> new Repositories(p, exclusive, cancel), dir.resolve("state"), null);
        JobOutcome first = jobs.run(plan, new JobRequest("files", JobKind.BACKUP, "manual"), Cancel.NEVER, line -> {});
        assertThat(first.result()).as(first.message()).isEqualTo(JobRun.SUCCEEDED);
        assertThat(first.message()).contains("retention kept 1, removed 0");

        // A check elsewhere holds the repository alone: the backup waits, then runs.
        Files.writeString(dir.resolve("src/a.txt"), "two\n");
        Repositories holder = new Repositories(plan, true);
        holder.get("local");
        List<String> lines = new CopyOnWriteArrayList<>();
        JobOutcome second = jobs.run(plan, new JobRequest("files", JobKind.BACKUP, "manual"), Cancel.NEVER, line -> {
            lines.add(line);
            if (line.startsWith("waiting for a lock")) {
                try {
                    holder.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertThat(lines).anyMatch(l -> l.startsWith("waiting for a lock on 'local': "));
        assertThat(second.result()).as(second.message()).isEqualTo(JobRun.SUCCEEDED);
        assertThat(second.message()).startsWith("snapshot " + second.snapshot().substring(0, 8) + " saved: 1 files")
                .contains("retention kept 1, removed 1");
    }

    @Test
    void aBackupJobThatLooksLikeRansomwareSaysSoAndTheLookRaisesTheAlert() throws Exception {
        Plan plan = filesPlan();
        org.lifeboat.testutil.OfficeTree office = new org.lifeboat.testutil.OfficeTree(dir.resolve("src"), 21).create(120);
        PlanJobs jobs = new PlanJobs((p, exclusive, cancel) -> new Repositories(p, exclusive, cancel), dir.resolve("state"), null);
        JobOutcome clean = jobs.run(plan, new JobRequest("files", JobKind.BACKUP, "manual"), Cancel.NEVER, line -> {});
        assertThat(clean.message()).doesNotContain("SUSPICIOUS");
        office.attack(0.4, 0.5, true);
        JobOutcome hit = jobs.run(plan, new JobRequest("files", JobKind.BACKUP, "manual"), Cancel.NEVER, line -> {});
        assertThat(hit.result()).isEqualTo(JobRun.SUCCEEDED);
        assertThat(hit.message()).contains("SUSPICIOUS: its changes look like ransomware (score").contains("no longer compress");
        // the score is kept in the service's state
        try (org.lifeboat.state.StateStore st = org.lifeboat.state.StateStore.open(dir.resolve("state"))) {
            List<org.lifeboat.anomaly.Verdict> v = new org.lifeboat.state.AnomalyLog(st).of("files", 0);
            assertThat(v).hasSize(2);
            assertThat(v.getLast().snapshot()).isEqualTo(hit.snapshot());
            assertThat(v.getLast().score().suspicious()).isTrue();
        }
        // keep-last 1 kept the clean point and the attack; the system's status names both
        try (Repositories repos = new Repositories(plan, false)) {
            var st = org.lifeboat.status.StatusReader.read(plan, repos, List.of(), "h", java.time.Instant.now());
            assertThat(st.getFirst().suspicion()).isNotNull();
            assertThat(st.getFirst().suspicion().firstSnapshot()).isEqualTo(hit.snapshot());
            assertThat(st.getFirst().suspicion().cleanPoint()).isEqualTo(clean.snapshot());
        }
    }

    @Test
    void aRetentionThatFindsTheRepositoryInUseIsDeferredNotAFault() throws Exception {
        // brk13d D2: another system's hung backup held the repository shared; every backup waited
        // two minutes for its retention's exclusive lock and ended partial
        Plan plan = filesPlan();
        PlanJobs jobs = new PlanJobs((p, exclusive, cancel) -> new Repositories(p, exclusive, cancel), dir.resolve("state"), null);
        jobs.retentionLockWait = java.time.Duration.ofMillis(500);
        try (Repositories other = new Repositories(plan, false)) {
            other.get("local"); // a shared lock, as another backup holds it
            JobOutcome o = jobs.run(plan, new JobRequest("files", JobKind.BACKUP, "manual"), Cancel.NEVER, line -> {});
            assertThat(o.result()).as(o.message()).isEqualTo(JobRun.SUCCEEDED);
            assertThat(o.message()).contains("; retention deferred: repository 'local' is in use (another backup, or another"
                    + " program, holds a lock on it); the next backup or prune applies it").doesNotContain("not applied")
                    .doesNotContain("unlock"); // brk13e F5: the lock's sentence invited removing a live backup's lock
        }
    }

    @Test
    void aDrillHoldsTheRepositoriesOfEverySystemItRestores() throws Exception {
        // brk13d D4: a prune of a dependency's repository started beside a drill, whose lock then failed it
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  main: { url: /srv/main, password-file: /etc/pw, copy-to: [ offsite ] }
                  other: { url: /srv/other, password-file: /etc/pw }
                  offsite: { url: /srv/offsite, password-file: /etc/pw }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    depends-on: [ db ]
                    backup: { repository: main, sources: [ { path: /srv/app } ] }
                  db:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: other, sources: [ { path: /srv/db } ] }
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        PlanJobs jobs = new PlanJobs((p, exclusive, cancel) -> new Repositories(p, exclusive, cancel), dir.resolve("state"), null);
        assertThat(jobs.repositories(plan, new JobRequest("app", JobKind.DRILL, "schedule"))).containsExactlyInAnyOrder("main", "other");
        assertThat(jobs.repositories(plan, new JobRequest("db", JobKind.DRILL, "schedule"))).containsExactly("other");
        assertThat(jobs.repositories(plan, new JobRequest("app", JobKind.BACKUP, "schedule"))).containsExactlyInAnyOrder("main", "offsite");
        assertThat(jobs.repositories(plan, new JobRequest("app", JobKind.CHECK, "schedule"))).containsExactly("main");
    }

    @Test
    void aDrillThatCannotLockItsRepositoriesIsNotRecordedAsAFailedDrill() throws Exception {
        // brk13e F1: a program holding the repository alone made a scheduled drill wait 4 minutes and
        // then record a failed drill: drill_failed, "its recovery does not work as planned"
        new Cli(dir.resolve("repo"), Cli.passwordFile(dir)).run("init").ok();
        Path f = dir.resolve("lifeboat.yaml");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(f, """
                repositories:
                  local: { url: repo, password-file: password }
                sites:
                  primary: { root: /srv }
                  sandbox: { root: "${temp-dir}" }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src } ] }
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        PlanJobs jobs = new PlanJobs((p, exclusive, cancel) -> new Repositories(p, exclusive, cancel), dir.resolve("state"), null);
        jobs.lockWait = java.time.Duration.ofMillis(500);
        List<String> lines = new CopyOnWriteArrayList<>();
        try (Repositories holder = new Repositories(plan, true)) {
            holder.get("local"); // as restic check holds it
            JobOutcome o = jobs.run(plan, new JobRequest("files", JobKind.DRILL, "schedule"), Cancel.NEVER, lines::add);
            assertThat(o.result()).isEqualTo(JobRun.FAILED);
            assertThat(o.message()).startsWith(PlanJobs.DRILL_NOT_STARTED).contains("locked");
        }
        assertThat(lines).anyMatch(l -> l.startsWith("waiting for a lock on 'local': "));
        try (var store = org.lifeboat.drill.DrillStore.open(null, dir.resolve("state"))) {
            assertThat(store.list(10)).as("no drill recorded").isEmpty();
        }
    }

    @Test
    void aRestoreWhoseFolderWasMovedSaysWhereItsFilesAre() throws Exception {
        // brk13h L1: after a swap the record said "restored … to /x/t" while /x/t led into a repository
        Path t = Files.createDirectories(dir.resolve("t"));
        try (org.lifeboat.fs.Dir opened = org.lifeboat.fs.Dir.openResolved(t.toRealPath(), 0700)) {
            assertThat(PlanJobs.whereRestored(t.toString(), opened)).isEqualTo(t.toString());
            Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
            Files.move(t, dir.resolve("t.moved"));
            Files.createSymbolicLink(t, elsewhere);
            assertThat(PlanJobs.whereRestored(t.toString(), opened)).isEqualTo(dir.resolve("t.moved").toRealPath()
                    + " (the folder that was at " + t + " when the job opened it; " + t + " now leads to " + elsewhere.toRealPath() + ")");
            Files.delete(t);
            assertThat(PlanJobs.whereRestored(t.toString(), opened)).endsWith(t + " is gone now)");
        }
    }
}
