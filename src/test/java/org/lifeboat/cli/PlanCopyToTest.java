package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * 3-2-1 in the plan: {@code backup --all} copies each new snapshot along copy-to (restic reads
 * both repositories), plan show and the runbook say where each system's copies are and what the
 * rule misses, {@code recover --from} restores from the copy when the primary repository is gone,
 * and a failed copy leaves the snapshot saved with exit code 3.
 */
class PlanCopyToTest {
    @TempDir
    Path dir;

    /** init, then two backups of system files: a.txt "version 1", then "version 2". */
    private void initAndBackUpTwoVersions(Path plan) throws Exception {
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Files.writeString(dir.resolve("src/files/sub/a.txt"), "version 2\n");
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
    }

    /** A plan: system files (src/files, copy-to offsite) and system notes (src/notes, in local only). */
    private Path plan(String offsite) throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src/files/sub"));
        Files.createDirectories(dir.resolve("src/notes"));
        Files.write(dir.resolve("src/files/big.bin"), TestTrees.random(11, 2 * 1024 * 1024 + 17));
        Files.writeString(dir.resolve("src/files/sub/a.txt"), "version 1\n");
        Files.writeString(dir.resolve("src/notes/n.txt"), "note\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [offsite] }
                  offsite: { url: offsite-repo, password-file: password, offsite: true%s }
                  other: { url: other-repo, password-file: password }
                sites: { primary: { root: restored } }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src/files } ] }
                    restore: [ { path: { from: src/files, to: "${root}/files" } } ]
                  notes:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: other, sources: [ { path: src/notes } ] }
                """.formatted(offsite));
        return plan;
    }

    private static void deleteTree(Path p) throws Exception {
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }

    private static List<JsonNode> lines(Run r) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : r.out().split("\n")) if (l.startsWith("{")) out.add(Json.MAPPER.readTree(l));
        return out;
    }

    @Test
    void backupAllCopiesEachNewSnapshotAndResticReadsBothRepositories() throws Exception {
        Path plan = plan("");
        PlanRuns.lifeboat(plan, "init").ok();
        Run r = PlanRuns.lifeboat(plan, "backup", "--all").ok();
        assertThat(r.out()).containsPattern("files: snapshot [0-9a-f]{8} copied to 'offsite' as [0-9a-f]{8}");

        Restic local = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        Restic offsite = new Restic(dir.resolve("offsite-repo"), dir.resolve("cache"));
        JsonNode primary = local.json("snapshots", "--json", "--tag", "system=files");
        JsonNode copies = offsite.json("snapshots", "--json");
        assertThat(copies).hasSize(1);
        assertThat(copies.get(0).get("original").asText()).isEqualTo(primary.get(0).get("id").asText());
        assertThat(copies.get(0).get("tree").asText()).isEqualTo(primary.get(0).get("tree").asText());
        assertThat(copies.get(0).get("time").asText()).isEqualTo(primary.get(0).get("time").asText());
        Run check = offsite.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Run dump = offsite.run("dump", "latest", dir.resolve("src/files/big.bin").toString());
        assertThat(dump.exit()).as(dump.err()).isZero();
        // notes' repository copies nowhere: nothing of it reaches offsite
        assertThat(offsite.json("snapshots", "--json", "--tag", "system=notes")).isEmpty();

        // A second backup copies only the new snapshot; in JSON each copy is a message.
        Files.writeString(dir.resolve("src/files/sub/a.txt"), "version 2\n");
        Run j = PlanRuns.lifeboat(plan, "--json", "backup", "--system", "files").ok();
        List<JsonNode> copyMsgs = lines(j).stream().filter(n -> n.path("message_type").asText().equals("copy")).toList();
        assertThat(copyMsgs).hasSize(1);
        assertThat(copyMsgs.get(0).get("result").asText()).isEqualTo("copied");
        assertThat(copyMsgs.get(0).get("repository").asText()).isEqualTo("offsite");
        assertThat(offsite.json("snapshots", "--json")).hasSize(2);
    }

    @Test
    void aFailedCopyKeepsTheSnapshotAndExitsWith3() throws Exception {
        Path plan = plan("");
        // offsite is never initialised: every copy to it fails
        new Cli(dir.resolve("repo"), dir.resolve("password")).run("init").ok();
        new Cli(dir.resolve("other-repo"), dir.resolve("password")).run("init").ok();
        Run r = PlanRuns.lifeboat(plan, "backup", "--all");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).containsPattern("files: snapshot [0-9a-f]{8} saved").containsPattern("notes: snapshot [0-9a-f]{8} saved");
        assertThat(r.err()).containsPattern("error: files: copy of snapshot [0-9a-f]{8} from 'local' to 'offsite' failed: there is no"
                + " repository at .*offsite-repo");
        assertThat(r.err()).contains("Warning: 1 copy to the plan's copy-to repositories failed");
        assertThat(new Restic(dir.resolve("repo"), dir.resolve("cache")).json("snapshots", "--json", "--tag", "system=files")).hasSize(1);

        Run j = PlanRuns.lifeboat(plan, "--json", "backup", "--system", "files");
        assertThat(j.exit()).isEqualTo(3);
        JsonNode copy = lines(j).stream().filter(n -> n.path("message_type").asText().equals("copy")).findFirst().orElseThrow();
        assertThat(copy.get("result").asText()).isEqualTo("failed");
        assertThat(copy.get("error").asText()).contains("offsite-repo");
    }

    @Test
    void planShowAndRunbookShowCopiesTheirAgesAndThe321Gaps() throws Exception {
        Path plan = plan("");
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--all").ok();

        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).containsPattern("files +local \\(backups\\) +on-site +- +\\d+(\\.\\d)?m?s ago \\([0-9a-f]{8}\\)")
                .containsPattern("offsite +off-site +- +\\d+(\\.\\d)?m?s ago \\([0-9a-f]{8}\\)")
                .containsPattern("notes +other \\(backups\\) +on-site +- +\\d+(\\.\\d)?m?s ago");
        assertThat(show.out()).contains("3-2-1 GAPS:")
                .contains("files: no immutable copy: no repository with a retention holds it ('local', 'offsite')")
                .doesNotContain("files: no off-site copy").doesNotContain("files: fewer than 2 places")
                .contains("notes: no off-site copy: its snapshots are only on-site ('other')")
                .contains("notes: fewer than 2 places: its snapshots are in 'other' only");

        JsonNode j = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok());
        JsonNode files = PlanRuns.system(j, "files");
        assertThat(files.get("copies")).hasSize(2);
        assertThat(files.get("copies").get(1).get("repository").asText()).isEqualTo("offsite");
        assertThat(files.get("copies").get(1).get("offsite").asBoolean()).isTrue();
        assertThat(files.get("copies").get(1).get("age_seconds").asLong()).isBetween(0L, 600L);
        assertThat(files.get("copies").get(1).get("snapshot").asText()).hasSize(64);
        assertThat(files.get("gaps").findValuesAsText("gap")).containsExactly("no_immutable");
        assertThat(PlanRuns.system(j, "notes").get("gaps").findValuesAsText("gap"))
                .containsExactly("no_offsite", "no_immutable", "one_place");

        // The promise is in the plan, the place counts once it holds a copy: a planned copy that never happened is a gap.
        Files.writeString(dir.resolve("src/files/sub/a.txt"), "changed\n");
        Run md = PlanRuns.lifeboat(plan, "runbook").ok();
        assertThat(md.out()).containsPattern("Copies: \\*\\*local\\*\\* \\(on-site\\): newest .* old\\); \\*\\*offsite\\*\\* \\(off-site\\): newest")
                .contains("3-2-1: **no immutable copy")
                .contains("recover --site primary --from offsite --yes");
        JsonNode rj = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "runbook").ok());
        assertThat(PlanRuns.system(rj, "files").get("copies").get(1).get("age_seconds").asLong()).isBetween(0L, 600L);

        // Offline, the plan's promises are judged: notes is still kept in one on-site place.
        Run off = PlanRuns.lifeboat(plan, "plan", "show", "--offline").ok();
        assertThat(off.out()).contains("notes: fewer than 2 places: the plan keeps it in 'other' only")
                .containsPattern("offsite +off-site +- +not read");
    }

    @Test
    void recoverFromOffsiteRestoresTheSameSnapshotAndWorksWithoutThePrimary() throws Exception {
        Path plan = plan("");
        initAndBackUpTwoVersions(plan);
        Restic local = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        List<String> ids = local.snapshotIds();
        assertThat(ids).hasSize(2);

        // The newest snapshot is gone from the primary (forgotten there): the primary's choice is the first one,
        // and --from finds its copy by `original`, although offsite holds a newer snapshot of the system.
        Files.delete(dir.resolve("repo/snapshots/" + ids.get(1)));
        Run dry = PlanRuns.lifeboat(plan, "recover", "--system", "files", "--from", "offsite", "--dry-run").ok();
        assertThat(dry.out()).contains("in repository 'offsite' (the copy of snapshot " + ids.get(0).substring(0, 8)
                + " of repository 'local')");
        PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--systems", "files", "--yes").ok();
        assertThat(Files.readString(dir.resolve("restored/files/sub/a.txt"))).isEqualTo("version 1\n");

        // The primary repository is gone with the site: the newest copy in offsite is restored, byte for byte.
        deleteTree(dir.resolve("repo"));
        deleteTree(dir.resolve("restored"));
        Run r = PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--system", "files", "--yes");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("files: repository 'local' cannot be read (there is no repository at")
                .contains("was it moved, or is its url in the plan wrong?")
                .doesNotContain("lifeboat init"); // no advice to create an empty one where the backups were
        assertThat(Files.readString(dir.resolve("restored/files/sub/a.txt"))).isEqualTo("version 2\n");
        assertThat(Files.readAllBytes(dir.resolve("restored/files/big.bin"))).isEqualTo(Files.readAllBytes(dir.resolve("src/files/big.bin")));

        JsonNode j = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "recover", "--from", "offsite", "--system", "files", "--yes").ok());
        assertThat(PlanRuns.system(j, "files").get("repository").asText()).isEqualTo("offsite");

        // Without --from, the lost primary fails the recovery, naming it.
        Run plain = PlanRuns.lifeboat(plan, "recover", "--system", "files", "--yes");
        assertThat(plain.exit()).isEqualTo(1);
        assertThat(plain.out()).contains("cannot read repository 'local'").doesNotContain("lifeboat init");

        Run bad = PlanRuns.lifeboat(plan, "recover", "--from", "ofsite", "--yes");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("--from 'ofsite' is not a repository of").contains("(repositories: local, offsite, other)");
    }

    /** A snapshot in the off-site repository that only claims the original (another tree, time) is not its copy. */
    @Test
    void recoverFromIgnoresASnapshotThatOnlyClaimsTheOriginal() throws Exception {
        Path plan = plan("");
        initAndBackUpTwoVersions(plan);
        List<String> ids = new Restic(dir.resolve("repo"), dir.resolve("cache")).snapshotIds();
        Files.delete(dir.resolve("repo/snapshots/" + ids.get(1)));
        // forged: the second backup's tree under the first's original, dated before the real copy
        String pw = Files.readString(dir.resolve("password")).strip();
        try (org.lifeboat.repository.Repository off = org.lifeboat.repository.Repository.open(
                new org.lifeboat.backend.LocalBackend(dir.resolve("offsite-repo")), pw)) {
            List<org.lifeboat.repository.Snapshot> copies = off.listSnapshots(w -> {});
            org.lifeboat.repository.Snapshot second = copies.stream()
                    .filter(c -> c.original().hex().equals(ids.get(1))).findFirst().orElseThrow();
            off.saveSnapshot(new org.lifeboat.repository.Snapshot(null, second.time().minusDays(1), null, second.tree(),
                    second.paths(), second.hostname(), second.username(), second.uid(), second.gid(), second.excludes(),
                    second.tags(), org.lifeboat.repository.Id.parse(ids.get(0)), second.programVersion(), second.summary()));
        }
        PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--systems", "files", "--yes").ok();
        assertThat(Files.readString(dir.resolve("restored/files/sub/a.txt"))).isEqualTo("version 1\n");
    }

    /** A planned copy that is missing is said as such, with the command that fills it; the next backup catches up. */
    @Test
    void aMissingPlannedCopyIsNamedAndTheNextBackupCatchesUp() throws Exception {
        Path plan = plan("");
        new Cli(dir.resolve("repo"), dir.resolve("password")).run("init").ok();
        new Cli(dir.resolve("other-repo"), dir.resolve("password")).run("init").ok();
        assertThat(PlanRuns.lifeboat(plan, "backup", "--system", "files").exit()).isEqualTo(3); // offsite not there yet
        new Cli(dir.resolve("offsite-repo"), dir.resolve("password")).run("init").ok();

        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).contains("files: no off-site copy: 'offsite' holds no copy of the system's newest snapshot")
                .contains("'lifeboat backup --system files' copies every missing one there")
                .contains("lifeboat copy -r " + dir.resolve("offsite-repo") + " -p ").contains(" --from-repo " + dir.resolve("repo") + " --from-password-file ")
                .doesNotContain("files: no off-site copy: its snapshots are only on-site ('local'); add an off-site");

        Files.writeString(dir.resolve("src/files/sub/a.txt"), "version 2\n");
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Restic offsite = new Restic(dir.resolve("offsite-repo"), dir.resolve("cache"));
        assertThat(offsite.json("snapshots", "--json")).as("the first snapshot is caught up").hasSize(2);
        assertThat(offsite.run("check").exit()).isZero();
    }

    /** local → nas → offsite with nas unreachable: the skipped copy names local's snapshot as local's. */
    @Test
    void aCopySkippedBehindAFailedOneNamesTheSnapshotsRepository() throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src/files"));
        Files.writeString(dir.resolve("src/files/a.txt"), "a\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [nas] }
                  nas: { url: nas-repo, password-file: password, copy-to: [offsite] }
                  offsite: { url: offsite-repo, password-file: password, offsite: true }
                sites: { primary: { root: restored } }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src/files } ] }
                """);
        new Cli(dir.resolve("repo"), dir.resolve("password")).run("init").ok();
        new Cli(dir.resolve("offsite-repo"), dir.resolve("password")).run("init").ok();
        Run j = PlanRuns.lifeboat(plan, "--json", "backup", "--system", "files");
        assertThat(j.exit()).isEqualTo(3);
        String id = new Restic(dir.resolve("repo"), dir.resolve("cache")).snapshotIds().getFirst();
        JsonNode skipped = lines(j).stream().filter(n -> n.path("message_type").asText().equals("copy")
                && n.path("repository").asText().equals("offsite")).findFirst().orElseThrow();
        assertThat(skipped.get("snapshot_id").asText()).isEqualTo(id);
        assertThat(skipped.get("from").asText()).isEqualTo("local");
        assertThat(skipped.get("error").asText()).contains("'nas'");
    }
}
