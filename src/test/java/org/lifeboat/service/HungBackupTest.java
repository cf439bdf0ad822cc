package org.lifeboat.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.state.JobRun;

/** A running backup keeps its system's RPO breach quiet only while it may still end in time (brk13c C4). */
class HungBackupTest {
    @TempDir
    Path dir;

    private static Scheduler.Running backup(String system, Instant started) {
        return new Scheduler.Running(new JobRun("j-" + system, "h", system, "backup", "schedule", started, null, JobRun.RUNNING,
                -1, -1, -1, null, null), new Cancel(), new String[1]);
    }

    @Test
    void aBackupRunningLongerThanTheRpoNoLongerHidesTheBreach() throws Exception {
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  main: { url: /srv/main, password-file: /etc/pw }
                systems:
                  fast: { rpo: 30s, rto: 1h, backup: { repository: main, sources: [ { path: /srv/a } ] } }
                  slow: { rpo: 2h, rto: 1h, backup: { repository: main, sources: [ { path: /srv/b } ] } }
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        // at least a minute, whatever the RPO
        assertThat(Service.backupThatMayCatchUp(plan, backup("fast", now.minusSeconds(50)), now)).isTrue();
        assertThat(Service.backupThatMayCatchUp(plan, backup("fast", now.minus(Duration.ofMinutes(5))), now)).isFalse();
        // else up to the RPO
        assertThat(Service.backupThatMayCatchUp(plan, backup("slow", now.minus(Duration.ofMinutes(90))), now)).isTrue();
        assertThat(Service.backupThatMayCatchUp(plan, backup("slow", now.minus(Duration.ofHours(3))), now)).isFalse();
    }
}
