package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A system's snapshots are those with its tag, host and paths: a look-alike backup written into the
 * plan's repository with the same tag is neither recovered nor counted as the recovery point.
 */
class SystemSnapshotsTest {
    @TempDir
    Path dir;

    private Path plan(String hostLine) throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "the real docs\n");
        Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(dir.resolve("elsewhere/other.txt"), "someone else's files\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { primary: { root: prod }, dr: { root: dr } }
                state-dir: state
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { %s sources: [ { path: prod/docs } ] }
                    restore: [ { path: { from: prod/docs, to: "${root}/docs" } } ]
                    verify: [ { command: "test -s ${root}/docs/index.txt" } ]
                """.formatted(hostLine));
        return p;
    }

    private Restic restic() {
        return new Restic(dir.resolve("repo"), dir.resolve("cache"));
    }

    @Test
    void aLookAlikeWithTheTagIsNeitherRecoveredNorCountedAsTheRecoveryPoint() throws Exception {
        Path p = plan("");
        restic().run("backup", "--host", "otherhost", "--tag", "system=files", dir.resolve("elsewhere").toString()).ok();

        // Only the look-alike: no recovery point, and recover says so (naming why it passed it over).
        JsonNode show = PlanRuns.json(PlanRuns.lifeboat(p, "plan", "show", "--format", "json").ok());
        JsonNode files = PlanRuns.system(show, "files");
        assertThat(files.has("last_snapshot")).as(files.toString()).isFalse();
        assertThat(files.path("rpo_met").asBoolean(false)).isFalse();
        Run none = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--yes");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.out()).contains("no snapshot of system 'files'").contains("is tagged system=files but is not a backup of system 'files'");
        assertThat(Files.exists(dir.resolve("dr/elsewhere"))).isFalse();

        // The plan's backup, then a newer look-alike: recover and plan show take the plan's.
        PlanRuns.lifeboat(p, "backup", "--system", "files").ok();
        String mine = restic().snapshotIds().getLast();
        restic().run("backup", "--host", "otherhost", "--tag", "system=files", dir.resolve("elsewhere").toString()).ok();
        JsonNode r = PlanRuns.json(PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--yes").ok());
        assertThat(PlanRuns.system(r, "files").get("snapshot").asText()).isEqualTo(mine);
        assertThat(Files.readString(dir.resolve("dr/docs/index.txt"))).isEqualTo("the real docs\n");
        JsonNode show2 = PlanRuns.json(PlanRuns.lifeboat(p, "plan", "show", "--format", "json").ok());
        assertThat(PlanRuns.system(show2, "files").get("last_snapshot").asText()).isEqualTo(mine);
    }

    @Test
    void thePlansHostNamesWhoseSnapshotsCount() throws Exception {
        Path p = plan("host: files-server,");
        PlanRuns.lifeboat(p, "backup", "--system", "files").ok();
        String mine = restic().snapshotIds().getLast();
        JsonNode snaps = restic().json("snapshots", "--json");
        assertThat(snaps.get(0).get("hostname").asText()).isEqualTo("files-server");
        // Same tag and paths, other host: not this system's.
        restic().run("backup", "--host", "otherhost", "--tag", "system=files", dir.resolve("prod/docs").toString()).ok();
        JsonNode r = PlanRuns.json(PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--yes").ok());
        assertThat(PlanRuns.system(r, "files").get("snapshot").asText()).isEqualTo(mine);
    }

    @Test
    void aCommandSourceThatPrintsNothingFailsTheBackupUnlessAllowed() throws Exception {
        PlanRuns.initRepository(dir);
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                state-dir: state
                systems:
                  cron:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { command: { run: "true", filename: crontab } } ] }
                  quiet:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { command: { run: "true", filename: empty.txt, allow-empty: true } } ] }
                """);
        Run bad = PlanRuns.lifeboat(p, "backup", "--system", "cron");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.err()).contains("`true`").contains("printed nothing").contains("allow-empty: true")
                .doesNotContain("Exception");
        assertThat(restic().snapshotIds()).as("no snapshot of an empty command output").isEmpty();

        PlanRuns.lifeboat(p, "backup", "--system", "quiet").ok();
        assertThat(restic().snapshotIds()).hasSize(1);
        PlanRuns.lifeboat(p, "plan", "validate").ok();
    }
}
