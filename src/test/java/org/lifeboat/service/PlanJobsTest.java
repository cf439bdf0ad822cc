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

    @Test
    void aBackupWaitsForALockHeldElsewhereAndSaysTheRetentionItApplied() throws Exception {
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
}
