package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A snapshot dated in the future (restic backup --time, a wrong clock) in recover and drill: the
 * latest is the newest snapshot dated no later than now (the future one is named), data loss and
 * data age are never negative, and a drill never shows the RPO met on a date it cannot judge. Also:
 * a drill says a missing repository was moved (never "create one"), and plan show does not advise
 * adding to copy-to what copy-to already names.
 */
class FutureSnapshotRecoveryTest {
    @TempDir
    Path dir;

    private Path plan(String copyTo) throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src/files"));
        Files.writeString(dir.resolve("src/files/a.txt"), "future\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password%s }
                  offsite: { url: offsite-repo, password-file: password, offsite: true }
                sites:
                  primary: { root: restored }
                  sandbox: { root: "${temp-dir}" }
                state-dir: state
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src/files } ] }
                    restore: [ { path: { from: src/files, to: "${root}/files" } } ]
                """.formatted(copyTo));
        return plan;
    }

    /** A snapshot of system files dated 5 hours from now, made by restic itself; its ID. */
    private String futureSnapshot() {
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.systemDefault())
                .format(Instant.now().plus(5, ChronoUnit.HOURS));
        restic.run("backup", "--time", when, "--tag", "system=files", dir.resolve("src/files").toString()).ok();
        return restic.snapshotIds().getLast();
    }

    @Test
    void aLaterRealBackupIsRecoveredNotTheFutureDatedOne() throws Exception {
        Path plan = plan("");
        PlanRuns.lifeboat(plan, "init").ok();
        String future = futureSnapshot();
        Files.writeString(dir.resolve("src/files/a.txt"), "real\n");
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        List<String> ids = new Restic(dir.resolve("repo"), dir.resolve("cache")).snapshotIds();
        String real = ids.stream().filter(i -> !i.equals(future)).findFirst().orElseThrow();

        Run dry = PlanRuns.lifeboat(plan, "recover", "--system", "files", "--dry-run").ok();
        assertThat(dry.out()).contains(real.substring(0, 8)).doesNotContain(future.substring(0, 8));
        assertThat(dry.err()).contains("snapshot " + future.substring(0, 8) + " of system 'files' is dated")
                .contains("in the future (clock skew?)").contains("passed over");

        JsonNode j = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "recover", "--system", "files", "--yes").ok());
        JsonNode files = PlanRuns.system(j, "files");
        assertThat(files.get("snapshot").asText()).isEqualTo(real);
        assertThat(files.get("data_loss_seconds").asDouble()).isBetween(0.0, 600.0);
        assertThat(Files.readString(dir.resolve("restored/files/a.txt"))).isEqualTo("real\n");

        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).as(drill.toString()).isZero();
        assertThat(drill.out()).contains(real.substring(0, 8)).doesNotContain("-4h").doesNotContain("-5h");
    }

    @Test
    void recoverFromACopyTakesTheCopyOfTheNewestSnapshotNotDatedInTheFuture() throws Exception {
        Path plan = plan(", copy-to: [offsite]");
        new Cli(dir.resolve("repo"), dir.resolve("password")).run("init").ok();
        new Cli(dir.resolve("offsite-repo"), dir.resolve("password")).run("init").ok();
        String future = futureSnapshot();
        Files.writeString(dir.resolve("src/files/a.txt"), "real\n");
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok(); // copies both to offsite
        Restic local = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        String real = local.snapshotIds().stream().filter(i -> !i.equals(future)).findFirst().orElseThrow();

        Run dry = PlanRuns.lifeboat(plan, "recover", "--system", "files", "--from", "offsite", "--dry-run").ok();
        assertThat(dry.out()).contains("the copy of snapshot " + real.substring(0, 8) + " of repository 'local'");
        assertThat(dry.err()).contains("snapshot " + future.substring(0, 8) + " of system 'files' is dated");
        PlanRuns.lifeboat(plan, "recover", "--system", "files", "--from", "offsite", "--yes").ok();
        assertThat(Files.readString(dir.resolve("restored/files/a.txt"))).isEqualTo("real\n");
    }

    @Test
    void onlyFutureDatedSnapshotsGiveNoNegativeDataLossAndNoMetRpo() throws Exception {
        Path plan = plan("");
        PlanRuns.lifeboat(plan, "init").ok();
        String future = futureSnapshot();

        Run table = PlanRuns.lifeboat(plan, "recover", "--system", "files", "--yes").ok();
        assertThat(table.out()).contains("in the future (clock skew?)").doesNotContain(" -4h").doesNotContain(" -5h")
                .contains("every snapshot of system 'files' is dated in the future: the newest, " + future.substring(0, 8));
        JsonNode files = PlanRuns.system(PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "recover", "--system", "files", "--yes").ok()), "files");
        assertThat(files.get("snapshot").asText()).isEqualTo(future);
        assertThat(files.has("data_loss_seconds")).as(files.toString()).isFalse();
        assertThat(files.get("snapshot_in_future").asBoolean()).isTrue();

        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).as(drill.toString()).isNotZero();
        assertThat(drill.out()).containsPattern("files +1 +failed +" + future.substring(0, 8) + " +- / 1h ")
                .doesNotContain("-4h").doesNotContain("-5h")
                .contains("every snapshot of system 'files' is dated in the future")
                .contains("in the future (clock skew?): its age cannot be judged");
        JsonNode rep = PlanRuns.json(PlanRuns.lifeboat(plan, "drill", "report", "--format", "json"));
        String text = rep.toString();
        assertThat(text).doesNotContain("\"rpo_achieved_seconds\":-");
        Run history = PlanRuns.lifeboat(plan, "drill", "history").ok();
        assertThat(history.out()).doesNotContain("-4h").doesNotContain("-5h");
    }

    @Test
    void aDrillSaysAMissingRepositoryWasMovedNeverToCreateOne() throws Exception {
        Path plan = plan("");
        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).isNotZero();
        assertThat(drill.out() + drill.err()).contains("there is no repository at")
                .contains("was it moved, or is its url in the plan wrong?").doesNotContain("lifeboat init");
    }

    @Test
    void planShowSaysANamedCopyHoldsNothingYetInsteadOfAdvisingCopyTo() throws Exception {
        Path plan = plan(", copy-to: [offsite]");
        new Cli(dir.resolve("repo"), dir.resolve("password")).run("init").ok();
        Run backup = PlanRuns.lifeboat(plan, "backup", "--system", "files");
        assertThat(backup.exit()).as("the copy fails: offsite is not there yet").isEqualTo(3);
        new Cli(dir.resolve("offsite-repo"), dir.resolve("password")).run("init").ok();

        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).contains("files: fewer than 2 places: its snapshots are in 'local' only; copy-to names 'offsite',"
                + " which holds no copy yet: 'lifeboat backup --system files' copies the missing ones")
                .doesNotContain("name another repository in copy-to");
    }
}
