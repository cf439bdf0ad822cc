package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * The plan's retention: a system's {@code retention:} (else the plan's default) is applied to that
 * system's snapshots after each successful {@code backup --all}, never to other snapshots in the
 * same repository; {@code --no-forget} skips it; {@code plan show} prints each policy and how many
 * snapshots it keeps now; {@code plan validate} rejects a policy that keeps nothing and warns when
 * one cannot give what the plan promises. restic checks the repository afterwards.
 */
class PlanRetentionTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private List<String> tagsOfSnapshots(Restic restic) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode s : restic.json("snapshots", "--json")) out.add(s.path("tags").toString());
        return out;
    }

    @Test
    void backupAllForgetsEachSystemsOwnSnapshotsByItsPolicy() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("src/files"));
        Files.createDirectories(dir.resolve("src/etc"));
        Files.writeString(dir.resolve("src/files/a.txt"), "a\n");
        Files.writeString(dir.resolve("src/etc/b.conf"), "b\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                retention: { keep-daily: 7 }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    retention: { keep-last: 2, keep-within: 0d }
                    backup: { sources: [ { path: src/files } ] }
                  etc:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: src/etc } ] }
                """);
        // someone else's snapshot with the system's tag in the same repository: not the system's, never forgotten
        Cli cli = new Cli(dir.resolve("repo"), pw);
        cli.run("backup", "--tag", "system=files", dir.resolve("src/etc").toString()).ok();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));

        for (int i = 0; i < 3; i++) {
            Run r = PlanRuns.lifeboat(plan, "backup", "--all");
            assertThat(r.exit()).as("%s", r).isZero();
            if (i == 2) {
                assertThat(r.out()).contains("files: retention 2 latest snapshots: kept 2, removed 1")
                        .contains("etc: retention 7 daily snapshots: kept 2, removed 1");
            }
        }
        // files: the newest two; etc: the newest of the day and, as restic 0.17+, the oldest while the count has some left
        List<String> tags = tagsOfSnapshots(restic);
        assertThat(tags.stream().filter(t -> t.equals("[\"system=files\"]")).count()).isEqualTo(3); // 2 + the stranger's
        assertThat(tags.stream().filter(t -> t.equals("[\"system=etc\"]")).count()).isEqualTo(2);
        assertThat(restic.run("check").exit()).isZero();

        // --no-forget keeps every new snapshot; plan show says what the policy would keep now
        PlanRuns.lifeboat(plan, "backup", "--all", "--no-forget").ok();
        assertThat(tagsOfSnapshots(restic)).hasSize(7);
        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).contains("retention (forget after each plan backup; --no-forget skips it):")
                .containsPattern("files\\s+keep 2 latest snapshots\\s+2 of 3 snapshots")
                .containsPattern("etc\\s+keep 7 daily snapshots\\s+2 of 3 snapshots");
        JsonNode js = JSON.readTree(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok().out());
        JsonNode files = PlanRuns.system(js, "files").get("retention");
        assertThat(files.get("policy").asText()).isEqualTo("keep 2 latest snapshots");
        assertThat(files.get("keeps_now").asInt()).isEqualTo(2);
        assertThat(files.get("snapshots").asInt()).isEqualTo(3);
        Run plain = cli.run("backup", "--no-forget", dir.resolve("src/etc").toString());
        assertThat(plain.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(plain.err()).contains("--no-forget goes with --system/--all");
    }

    @Test
    void validateRejectsAPolicyThatKeepsNothingAndWarnsWhereItBreaksThePlansPromises() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password }
                  vault: { url: "s3:https://s3.example.com/bucket/repo", password-file: password, retention: { mode: compliance, period: 30d } }
                systems:
                  one:
                    rpo: 1h
                    rto: 1h
                    retention: { keep-last: 1 }
                    backup: { repository: local, sources: [ { path: src } ] }
                  tagged:
                    rpo: 1h
                    rto: 1h
                    retention: { keep-tag: [ important ] }
                    backup: { repository: local, sources: [ { path: src } ] }
                  locked:
                    rpo: 1d
                    rto: 1h
                    retention: { keep-daily: 7 }
                    backup: { repository: vault, sources: [ { path: src } ] }
                  fine:
                    rpo: 1d
                    rto: 1h
                    retention: { keep-daily: 7, keep-monthly: unlimited, keep-within: 1y2m }
                    backup: { repository: vault, sources: [ { path: src } ] }
                """);
        Run v = PlanRuns.lifeboat(plan, "plan", "validate");
        assertThat(v.exit()).as("%s", v).isZero();
        assertThat(v.out()).contains("system 'one' retention (keep 1 latest snapshots) keeps one recovery point")
                .contains("system 'tagged' retention (keep all snapshots with tags [[important]]) keeps snapshots only by tag")
                .contains("system 'locked' retention (keep 7 daily snapshots) keeps about 6d of backups every 1d, but repository 'vault'"
                        + " locks each file for 30d")
                .doesNotContain("system 'fine'");

        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                retention: { }
                systems:
                  one:
                    rpo: 1h
                    rto: 1h
                    retention: { keep-last: -2, keep-within: 2w, keep-yearly: many, keep-forever: 1 }
                    backup: { sources: [ { path: src } ] }
                """);
        Run bad = PlanRuns.lifeboat(plan, "plan", "validate");
        assertThat(bad.exit()).as("%s", bad).isEqualTo(ExitCodes.FATAL);
        assertThat(bad.err()).contains("the plan's retention keeps nothing")
                .contains("system 'one' retention keep-last must be a number of snapshots (0 or more) or unlimited, not '-2'")
                .contains("system 'one' retention keep-within: '2w' is no duration: invalid unit 'w'")
                .contains("not 'many'")
                .contains("keep-forever");
    }
}
