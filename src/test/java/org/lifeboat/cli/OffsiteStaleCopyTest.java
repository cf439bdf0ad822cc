package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A planned off-site copy that lags (it holds an older snapshot of the system, the newest was never
 * copied there) is a 3-2-1 gap in plan show and the runbook, and {@code recover --from} says that the
 * snapshot it takes from there is older than the primary's newest.
 */
class OffsiteStaleCopyTest {
    @TempDir
    Path dir;

    private Path plan() throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src/files"));
        Files.writeString(dir.resolve("src/files/a.txt"), "version 1\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [offsite] }
                  offsite: { url: offsite-repo, password-file: password, offsite: true }
                sites: { primary: { root: restored } }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src/files } ] }
                    restore: [ { path: { from: src/files, to: "${root}/files" } } ]
                """);
        return plan;
    }

    /** Two backups; the second one's copy fails (off-site moved away meanwhile): offsite holds only the first. */
    private List<String> lagging(Path plan) throws Exception {
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Files.move(dir.resolve("offsite-repo"), dir.resolve("offsite-away"));
        Files.writeString(dir.resolve("src/files/a.txt"), "version 2\n");
        assertThat(PlanRuns.lifeboat(plan, "backup", "--system", "files").exit()).isEqualTo(3);
        Files.move(dir.resolve("offsite-away"), dir.resolve("offsite-repo"));
        List<String> ids = new Restic(dir.resolve("repo"), dir.resolve("cache")).snapshotIds();
        assertThat(ids).hasSize(2);
        assertThat(new Restic(dir.resolve("offsite-repo"), dir.resolve("cache")).json("snapshots", "--json")).hasSize(1);
        return ids;
    }

    @Test
    void planShowAndRunbookFlagAnOffsiteCopyThatLagsBehindTheNewestSnapshot() throws Exception {
        Path plan = plan();
        List<String> ids = lagging(plan);
        String newest = ids.get(1).substring(0, 8);

        Run show = PlanRuns.lifeboat(plan, "plan", "show").ok();
        assertThat(show.out()).contains("3-2-1 GAPS:")
                .containsPattern("files: stale copy: the newest copy in 'offsite' \\(off-site\\) is snapshot [0-9a-f]{8} of \\S+, "
                        + "[0-9][^,]* older than the newest snapshot " + newest + " of \\S+ in 'local'")
                .contains("'lifeboat backup --system files' copies every missing one there, or `lifeboat copy -r "
                        + dir.resolve("offsite-repo") + " -p ");
        // the suggested copy runs as pasted (the passwords as the plan gives them), and catches the copy up
        java.util.regex.Matcher suggested = java.util.regex.Pattern.compile("`lifeboat (copy [^`]*)`").matcher(show.out());
        assertThat(suggested.find()).isTrue();
        assertThat(suggested.group(1)).contains("--from-repo " + dir.resolve("repo")).contains("--from-password-file ")
                .endsWith("--tag system=files");
        Run pasted = org.lifeboat.testutil.Cli.raw(null, suggested.group(1).split(" "));
        assertThat(pasted.exit()).as(pasted.toString()).isZero();
        assertThat(PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok()).toString()).doesNotContain("stale_copy");
        // (make it lag again for the rest of the test)
        Files.writeString(dir.resolve("src/files/a.txt"), "version 3\n");
        Path off = dir.resolve("offsite-repo"), away = dir.resolve("offsite-away");
        Files.move(off, away);
        assertThat(PlanRuns.lifeboat(plan, "backup", "--system", "files").exit()).isEqualTo(3);
        Files.move(away, off);

        JsonNode j = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok());
        assertThat(PlanRuns.system(j, "files").get("gaps").findValuesAsText("gap")).contains("stale_copy");

        Run md = PlanRuns.lifeboat(plan, "runbook").ok();
        assertThat(md.out()).contains("stale copy: the newest copy in 'offsite' (off-site)");

        // The next backup catches the copy up: the gap is gone.
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        JsonNode after = PlanRuns.json(PlanRuns.lifeboat(plan, "--json", "plan", "show").ok());
        assertThat(PlanRuns.system(after, "files").get("gaps").findValuesAsText("gap")).doesNotContain("stale_copy");
    }

    @Test
    void recoverFromTheLaggingCopyTakesItsNewestAndSaysItIsOlder() throws Exception {
        Path plan = plan();
        List<String> ids = lagging(plan);
        Run r = PlanRuns.lifeboat(plan, "recover", "--from", "offsite", "--system", "files", "--yes");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("snapshot " + ids.get(1).substring(0, 8) + " of repository 'local' has no copy in 'offsite'; "
                + "the newest snapshot there, snapshot [0-9a-f]{8} of \\S+, [0-9][^,]* older than " + ids.get(1).substring(0, 8));
        assertThat(Files.readString(dir.resolve("restored/files/a.txt"))).isEqualTo("version 1\n");
    }
}
