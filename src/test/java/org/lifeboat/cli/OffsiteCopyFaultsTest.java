package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * The off-site copy features when things go wrong: catch-up copies are reported, a snapshot dated in
 * the future neither shows a negative age nor hides a stale copy, a plan without sites never says
 * "site null", and a planned off-site repository that cannot be read is named with the reason,
 * quickly (a status command does not retry a refused connection for minutes).
 */
class OffsiteCopyFaultsTest {
    @TempDir
    Path dir;

    /** local copies to offsite; {@code offsiteUrl} is offsite's URL; sites only when {@code sites}. */
    private Path plan(String offsiteUrl, boolean sites) throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src/files"));
        Files.writeString(dir.resolve("src/files/a.txt"), "version 1\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: ./repo-local, password-file: password, copy-to: [offsite] }
                  offsite: { url: "%s", password-file: password, offsite: true }
                %s
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src/files } ] }
                    restore: [ { path: { from: src/files, to: "%s/files" } } ]
                """.formatted(offsiteUrl, sites ? "sites: { primary: { root: restored } }" : "",
                sites ? "${root}" : dir.resolve("restored")));
        return plan;
    }

    private static List<JsonNode> copyMessages(Run r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.startsWith("{")) continue;
            JsonNode j = Json.MAPPER.readTree(line);
            if (j.path("message_type").asText().equals("copy")) out.add(j);
        }
        return out;
    }

    /** A backup whose copy fails (offsite moved away meanwhile), then offsite is put back. */
    private void failedCopy(Path plan, String content) throws Exception {
        Files.move(dir.resolve("repo-off"), dir.resolve("repo-away"));
        Files.writeString(dir.resolve("src/files/a.txt"), content);
        Run r = PlanRuns.lifeboat(plan, "backup", "--system", "files");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        Files.move(dir.resolve("repo-away"), dir.resolve("repo-off"));
    }

    @Test
    void theNextBackupReportsTheMissedSnapshotItCopiesAsWellAsTheNewOne() throws Exception {
        Path plan = plan("./repo-off", true);
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        failedCopy(plan, "version 2\n");
        List<String> missed = new Restic(dir.resolve("repo-local"), dir.resolve("cache")).snapshotIds();
        String missedId = missed.get(1);

        Files.writeString(dir.resolve("src/files/a.txt"), "version 3\n");
        Run r = PlanRuns.lifeboat(plan, "--json", "backup", "--system", "files").ok();
        List<JsonNode> copies = copyMessages(r);
        assertThat(copies).as(r.out()).hasSize(2);
        assertThat(copies.get(0).get("snapshot_id").asText()).isEqualTo(missedId);
        assertThat(copies.get(0).get("result").asText()).isEqualTo("copied");
        assertThat(copies.get(0).get("catch_up").asBoolean()).isTrue();
        assertThat(copies.get(1).get("catch_up").asBoolean()).isFalse();
        assertThat(new Restic(dir.resolve("repo-off"), dir.resolve("cache")).snapshotIds()).hasSize(3);

        // In text too: one line per snapshot copied.
        failedCopy(plan, "version 4\n");
        Files.writeString(dir.resolve("src/files/a.txt"), "version 5\n");
        Run t = PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        assertThat(t.out()).containsPattern("files: missed earlier: snapshot [0-9a-f]{8} copied to 'offsite' as [0-9a-f]{8}")
                .containsPattern("(?m)^files: snapshot [0-9a-f]{8} copied to 'offsite' as [0-9a-f]{8}");
    }

    @Test
    void aFutureDatedSnapshotShowsNoNegativeAgeAndDoesNotHideAStaleCopy() throws Exception {
        Path plan = plan("./repo-off", true);
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        // A snapshot of the system dated 3 hours ahead (a wrong clock), made by restic.
        String future = LocalDateTime.now().plusHours(3).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        new Restic(dir.resolve("repo-local"), dir.resolve("cache")).run("backup", "--tag", "system=files", "--time", future,
                dir.resolve("src/files").toString()).ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok(); // copies it (catch-up) and a new one
        failedCopy(plan, "version 2\n"); // the newest real backup is not copied

        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        // the last backup is the newest one not dated in the future (recover and drill take that one too)
        assertThat(show.out()).doesNotContainPattern("-\\d+[a-z]").doesNotContain("last backup in the future")
                .contains("in the future (clock skew?)")
                .containsPattern("files: stale copy: the newest copy in 'offsite' \\(off-site\\) is snapshot [0-9a-f]{8} of \\S+, "
                        + "[0-9][^,]* older than snapshot [0-9a-f]{8} of \\S+ in 'local', which it lacks")
                .containsPattern("snapshot [0-9a-f]{8} in 'local' is dated \\S+, [0-9][^,]* in the future \\(clock skew\\?\\)");

        JsonNode j = PlanRuns.system(PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok()), "files");
        assertThat(j.get("gaps").findValuesAsText("gap")).contains("stale_copy", "future_snapshot");
        assertThat(j.get("last_backup_age_seconds").asLong()).isNotNegative().isLessThan(600);
        assertThat(j.get("last_backup_in_future").asBoolean()).isFalse();
        assertThat(j.get("rpo_met").asBoolean()).isTrue();
        for (JsonNode c : j.get("copies")) {
            assertThat(c.get("age_seconds").asLong()).isNotNegative();
            assertThat(c.get("in_future").asBoolean()).isTrue();
        }

        // Caught up: stale_copy is gone, the future-dated snapshot stays flagged.
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        JsonNode after = PlanRuns.system(PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok()), "files");
        assertThat(after.get("gaps").findValuesAsText("gap")).doesNotContain("stale_copy").contains("future_snapshot");
    }

    @Test
    void aPlanWithoutSitesIsNeverSiteNull() throws Exception {
        Path plan = plan("./repo-off", false);
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Run a = PlanRuns.lifeboat(plan, "recover", "--dry-run", "--systems", "files").ok();
        Run b = PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--dry-run").ok();
        Run c = PlanRuns.lifeboat(plan, "recover", "--stop-started").ok();
        for (Run r : List.of(a, b, c)) assertThat(r.out() + r.err()).doesNotContain("null").contains("(the plan has no sites)");
    }

    @Test
    void anUnreadableMissingOffsiteFolderIsNamedWithItsReasonNotAdvisedToBeAdded() throws Exception {
        Path plan = plan("./repo-off", true);
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Files.move(dir.resolve("repo-off"), dir.resolve("repo-away"));
        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).doesNotContain("add an off-site repository to copy-to").doesNotContain("name another repository in copy-to")
                .contains("files: no off-site copy confirmed: its snapshots are only on-site ('local'); the planned off-site repository"
                        + " 'offsite' could not be read: there is no repository at " + dir.resolve("repo-off"))
                .contains("files: fewer than 2 places confirmed: its snapshots are in 'local' only; the planned repository 'offsite'"
                        + " could not be read: there is no repository at " + dir.resolve("repo-off"));
    }

    @Test
    void planShowAnswersQuicklyWhenTheOffsiteRestServerRefusesConnections() throws Exception {
        int port = PlanRuns.freePort(); // nobody listens there
        String url = "rest:http://user:s3cret@127.0.0.1:" + port + "/";
        Path plan = plan(url, true);
        // The local repository and a snapshot of the system, by restic (a lifeboat backup would try the copy).
        Restic restic = new Restic(dir.resolve("repo-local"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", "--tag", "system=files", dir.resolve("src/files").toString()).ok();

        Run show = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> PlanRuns.lifeboat(plan, "plan", "show"));
        assertThat(show.exit()).as(show.toString()).isZero();
        String redacted = "rest:http://user:***@127.0.0.1:" + port + "/";
        assertThat(show.out()).doesNotContain("s3cret").doesNotContain("add an off-site repository to copy-to")
                .contains("the planned off-site repository 'offsite' could not be read: cannot connect to " + redacted)
                .contains("the planned repository 'offsite' could not be read: cannot connect to " + redacted);

        Run dry = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--dry-run"));
        assertThat(dry.out() + dry.err()).contains("repository not readable: cannot connect to " + redacted).doesNotContain("s3cret");
    }
}
