package org.lifeboat.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.service.alert.Alert;
import org.lifeboat.service.alert.AlertChannel;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.StateStore;
import org.lifeboat.status.SystemStatus;

/**
 * Alerts per incident (issue 13): one alert when a condition begins and one notice when it
 * clears, however many looks see it; an alert no channel took is sent again; a system that leaves
 * the plan has its incidents closed with a notice.
 */
class MonitorTest {
    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @TempDir
    Path dir;

    /** A channel that records what it got, failing while {@code down}. */
    static final class Recorder implements AlertChannel {
        final List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        boolean down;

        @Override
        public String describe() {
            return "recorder";
        }

        @Override
        public void send(Alert a) throws IOException {
            if (down) throw new IOException("connection refused");
            got.add(a.event().json() + " " + a.kind().json() + " " + a.system());
        }
    }

    private static SystemStatus status(String name, Duration age) {
        return new SystemStatus(name, "h", Duration.ofHours(1), Duration.ofMinutes(30), "main", age == null ? null : T0.minus(age),
                null, age, SystemStatus.RpoStatus.of(age, Duration.ofHours(1)), null, null, T0, true, Duration.ofMinutes(5),
                Duration.ofMinutes(5), false, false, null, Map.of());
    }

    @Test
    void oneAlertAndOneRecoveryNoticePerIncident() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            for (int i = 0; i < 5; i++) m.look(List.of(status("files", Duration.ofHours(2))), Map.of(), Set.of(), T0.plusSeconds(i * 60));
            m.drain(Duration.ofSeconds(10));
            for (int i = 5; i < 9; i++) m.look(List.of(status("files", Duration.ofMinutes(1))), Map.of(), Set.of(), T0.plusSeconds(i * 60));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached files", "resolved rpo_breached files");
            // a second Monitor on the same state (a restarted service) raises nothing new
            Monitor again = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            again.look(List.of(status("files", Duration.ofMinutes(1))), Map.of(), Set.of(), T0.plusSeconds(600));
            again.drain(Duration.ofSeconds(10));
            assertThat(r.got).hasSize(2);
        }
    }

    @Test
    void aSuspiciousBackupIsOneIncidentUntilItsTagIsGone() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            SystemStatus ok = status("files", Duration.ofMinutes(1));
            SystemStatus.Suspicion su = new SystemStatus.Suspicion("ab".repeat(32), T0, 2, "cd".repeat(32));
            SystemStatus hit = new SystemStatus(ok.name(), ok.host(), ok.rpo(), ok.rto(), ok.repository(), ok.lastSnapshot(),
                    ok.lastSnapshotId(), ok.snapshotAge(), ok.rpoStatus(), null, null, ok.lastDrill(), ok.lastDrillPassed(),
                    ok.rtoMeasured(), ok.forecast(), false, false, null, Map.of(), su);
            List<Alert> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) sent.addAll(m.look(List.of(hit), Map.of(), Set.of(), T0.plusSeconds(i * 60)));
            m.look(List.of(ok), Map.of(), Set.of(), T0.plusSeconds(600));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert suspicious_backup files", "resolved suspicious_backup files");
            assertThat(sent.getFirst().message()).contains("snapshot abababab").contains("looks like ransomware")
                    .contains("`lifeboat recover --clean --systems files` restores snapshot cdcdcdcd");
            assertThat(hit.toJson().get("suspicious").get("clean_point").asText()).isEqualTo("cd".repeat(32));
            assertThat(ok.toJson().get("suspicious").isNull()).isTrue();
        }
    }

    @Test
    void anAlertNoChannelTookIsSentAgainOnceOneWorks() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            List<String> said = new ArrayList<>();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), said::add);
            r.down = true;
            m.look(List.of(status("files", null)), Map.of(), Set.of(), T0);
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).isEmpty();
            assertThat(said).singleElement().asString().contains("alert to recorder failed: connection refused");
            assertThat(m.pending()).isEqualTo(1);
            m.retry();
            m.drain(Duration.ofSeconds(10));
            assertThat(m.pending()).isEqualTo(1);
            r.down = false;
            m.retry();
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached files");
            assertThat(m.pending()).isZero();
            m.retry();
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).hasSize(1);
        }
    }

    @Test
    void aHungChannelDelaysNeitherTheLookNorTheOtherChannels() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            AlertChannel hung = new AlertChannel() {
                @Override
                public String describe() {
                    return "hung";
                }

                @Override
                public void send(Alert a) throws IOException {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException("interrupted");
                    }
                }
            };
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(hung, r), line -> {});
            long t0 = System.nanoTime();
            m.look(List.of(status("files", null), status("db", null)), Map.of(), Set.of(), T0);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (r.got.size() < 2 && System.nanoTime() < end) Thread.onSpinWait();
            assertThat(r.got).containsExactlyInAnyOrder("alert rpo_breached files", "alert rpo_breached db");
            release.countDown();
            assertThat(m.drain(Duration.ofSeconds(10))).isTrue();
            m.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void aSystemThatLeavesThePlanHasItsIncidentsClosed() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Incidents incidents = new Incidents(store);
            Monitor m = new Monitor("h", incidents, List.of(r), line -> {});
            m.look(List.of(status("old", null), status("files", Duration.ofMinutes(1))), Map.of(), Set.of(), T0);
            m.drain(Duration.ofSeconds(10));
            m.gone(Set.of("files"), T0.plusSeconds(60));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached old"); // not yet: it may come back
            m.gone(Set.of("files"), T0.plusSeconds(60).plus(Monitor.GONE_GRACE));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached old", "resolved rpo_breached old");
            assertThat(incidents.open("h")).isEmpty();
        }
    }

    @Test
    void aSystemCutAndPastedBackDuringAnEditIsNotPagedAgain() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Incidents incidents = new Incidents(store);
            Monitor m = new Monitor("h", incidents, List.of(r), line -> {});
            m.look(List.of(status("twin", null)), Map.of(), Set.of(), T0);
            Instant t = T0;
            for (int i = 0; i < 30; i++) { // the plan flaps: twin out, twin in, every 10 s
                t = t.plusSeconds(10);
                m.gone(i % 2 == 0 ? Set.of() : Set.of("twin"), t);
                if (i % 2 == 1) m.look(List.of(status("twin", null)), Map.of(), Set.of(), t);
            }
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached twin");
            assertThat(incidents.open("h")).hasSize(1);
            // out for good: closed once, after the grace
            m.gone(Set.of(), t.plusSeconds(1));
            m.gone(Set.of(), t.plusSeconds(1).plus(Monitor.GONE_GRACE));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached twin", "resolved rpo_breached twin");
        }
    }

    @Test
    void aFailedDrillIsADrillFailureNotAJobFailure() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            org.lifeboat.state.JobRun drill = new org.lifeboat.state.JobRun("d", "h", "files", "drill", "manual", T0, T0.plusSeconds(9),
                    org.lifeboat.state.JobRun.FAILED, -1, -1, -1, null, "drill x failed: files: check tcp failed");
            m.look(List.of(status("files", Duration.ofMinutes(1))), Map.of("files", List.of(drill)), Set.of(), T0.plusSeconds(10));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).isEmpty(); // the drill's own record raises drill_failed (status), not job_failed
        }
    }

    @Test
    void aDrillThatCouldNotStartIsAJobFailure() throws Exception {
        // brk13e F1: no drill ran (a lock held elsewhere): not drill_failed, but the job failed, said
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            org.lifeboat.state.JobRun drill = new org.lifeboat.state.JobRun("d", "h", "files", "drill", "schedule", T0, T0.plusSeconds(9),
                    org.lifeboat.state.JobRun.FAILED, -1, -1, -1, null, PlanJobs.DRILL_NOT_STARTED + "repository is already locked");
            m.look(List.of(status("files", Duration.ofMinutes(1))), Map.of("files", List.of(drill)), Set.of(), T0.plusSeconds(10));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).singleElement().asString().endsWith("job_failed files");
        }
    }

    @Test
    void noRpoAlertWhileTheSystemsBackupRunsAndNoFalseAllClearEither() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Recorder r = new Recorder();
            Monitor m = new Monitor("h", new Incidents(store), List.of(r), line -> {});
            m.look(List.of(status("files", null)), Map.of(), Set.of("files"), T0);
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).isEmpty();
            // breached, alerted; then a retry runs while it still holds: neither a new alert nor a recovery notice
            m.look(List.of(status("files", null)), Map.of(), Set.of(), T0.plusSeconds(60));
            m.drain(Duration.ofSeconds(10));
            m.look(List.of(status("files", null)), Map.of(), Set.of("files"), T0.plusSeconds(120));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached files");
            m.look(List.of(status("files", Duration.ofSeconds(5))), Map.of(), Set.of("files"), T0.plusSeconds(180));
            m.drain(Duration.ofSeconds(10));
            assertThat(r.got).containsExactly("alert rpo_breached files", "resolved rpo_breached files");
        }
    }

    @Test
    void aHungAlertCommandIsKilledCountedAsFailedAndNotRunAgain() throws Exception {
        // brk13c C10: a pager script that paged, then hung, was killed and run again every minute.
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Path log = dir.resolve("cmd.log");
            var cmd = new org.lifeboat.service.alert.CommandChannel("echo started >> '" + log + "'; sleep 600",
                    Duration.ofSeconds(1));
            List<String> said = java.util.Collections.synchronizedList(new ArrayList<>());
            Monitor m = new Monitor("h", new Incidents(store), List.of(cmd), said::add);
            m.look(List.of(status("files", null)), Map.of(), Set.of(), T0);
            assertThat(m.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(said).singleElement().asString().isEqualTo("alert to command echo … failed: alert command echo …"
                    + " did not finish within 1s and was killed with what it started; it counts as failed, but is not"
                    + " run again for this alert, as it may have delivered it.");
            assertThat(m.pending()).isZero();
            m.retry();
            assertThat(m.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(java.nio.file.Files.readAllLines(log)).containsExactly("started");
        }
    }

    @Test
    void aChannelsWarningsAreSaidWhenItIsSetUp() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            var plain = new org.lifeboat.service.alert.EmailChannel(List.of("ops@example.com"), "lifeboat@example.com",
                    "smtp.example.com", 25, "lifeboat", "pw", false, Duration.ofSeconds(5));
            List<String> said = new ArrayList<>();
            new Monitor("h", new Incidents(store), List.of(plain, new Recorder()), said::add);
            assertThat(said).containsExactly(
                    "email alerts: the SMTP login to smtp.example.com:25 goes unencrypted (starttls: false)");
        }
    }

    @Test
    void closingStopsARunningAlertCommandWithWhatItStarted() throws Exception {
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Path pids = dir.resolve("pids");
            var cmd = new org.lifeboat.service.alert.CommandChannel("sleep 600 & echo $$ $! > '" + pids + "'; wait",
                    Duration.ofMinutes(10));
            Monitor m = new Monitor("h", new Incidents(store), List.of(cmd), line -> {});
            m.look(List.of(status("files", null)), Map.of(), Set.of(), T0);
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!(java.nio.file.Files.exists(pids) && java.nio.file.Files.readString(pids).endsWith("\n"))
                    && System.nanoTime() < end) Thread.onSpinWait();
            String[] p = java.nio.file.Files.readString(pids).strip().split(" ");
            m.close(Duration.ofMillis(100)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            for (String pid : p) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
                    try {
                        h.onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // checked below
                    }
                });
                assertThat(org.lifeboat.apps.Exec.alive(Long.parseLong(pid))).as("process " + pid).isFalse();
            }
        }
    }
}
