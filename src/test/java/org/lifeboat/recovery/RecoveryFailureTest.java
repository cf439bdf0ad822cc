package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/** Recovery's failure paths and point-in-time choice, on file systems only (fast, no servers). */
class RecoveryFailureTest {
    @TempDir
    Path dir;

    private Path plan(String systems) throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.createDirectories(dir.resolve("prod/app"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "version 1\n");
        Files.writeString(dir.resolve("prod/app/app.conf"), "port=1\n");
        Files.createDirectories(dir.resolve("prod/notes"));
        Files.writeString(dir.resolve("prod/notes/n.txt"), "notes\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories:
                  local: { url: repo, password-file: password }
                sites:
                  primary: { root: prod }
                  dr: { root: dr }
                state-dir: state
                systems:
                """ + systems);
        return p;
    }

    private static final String THREE = """
              docs:
                rpo: 1h
                rto: 30m
                backup: { sources: [ { path: prod/docs } ] }
                restore: [ { path: { from: prod/docs, to: "${root}/docs" } } ]
                verify:
                  - command: { run: "%s", within: 1s }
              app:
                depends-on: [docs]
                rpo: 1h
                rto: 1h
                backup: { sources: [ { path: prod/app } ] }
                restore: [ { path: { from: prod/app, to: "${root}/app" } } ]
              notes:
                rpo: 1d
                rto: 1h
                backup: { sources: [ { path: prod/notes } ] }
                restore: [ { path: { from: prod/notes, to: "${root}/notes" } } ]
                verify: [ { files: {} } ]
            """;

    @Test
    void failingCheckBlocksDependentsAndIndependentSystemsGoOn() throws Exception {
        Path p = plan(THREE.formatted("test -s ${root}/docs/missing.txt"));
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        Run r = PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--yes");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode res = PlanRuns.json(r);
        assertThat(res.get("result").asText()).isEqualTo("failed");
        JsonNode docs = PlanRuns.system(res, "docs");
        assertThat(docs.get("result").asText()).isEqualTo("failed");
        assertThat(docs.get("checks").get(0).get("result").asText()).isEqualTo("failed");
        JsonNode app = PlanRuns.system(res, "app");
        assertThat(app.get("result").asText()).isEqualTo("blocked");
        assertThat(app.get("reason").asText()).contains("docs");
        assertThat(app.get("steps")).isEmpty();
        assertThat(Files.exists(dir.resolve("dr/app"))).as("a blocked system is not attempted").isFalse();
        JsonNode notes = PlanRuns.system(res, "notes");
        assertThat(notes.get("result").asText()).isEqualTo("recovered");
        assertThat(notes.get("checks").get(0).get("kind").asText()).isEqualTo("files");
        assertThat(Files.readString(dir.resolve("dr/notes/n.txt"))).isEqualTo("notes\n");

        // The same as a table for people: the blocked system and why.
        Run text = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--yes");
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out()).contains("app blocked: not attempted: docs is not back").contains("NOT recovered");
    }

    @Test
    void aPathStepWhoseIncludeMatchesNothingFailsInsteadOfRecoveringAnEmptyFolder() throws Exception {
        Path p = plan("""
                  notes:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/notes } ] }
                    restore: [ { path: { from: prod/notes, to: "${root}/notes", include: [ "/nomatch" ] } } ]
                """);
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        Run r = PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--yes");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode notes = PlanRuns.system(PlanRuns.json(r), "notes");
        assertThat(notes.get("result").asText()).isEqualTo("failed");
        assertThat(r.toString()).contains("matches the step's include patterns /nomatch");
    }

    @Test
    void recoverAtPicksTheSnapshotBeforeThatTime() throws Exception {
        Path p = plan(THREE.formatted("test -s ${root}/docs/index.txt"));
        PlanRuns.lifeboat(p, "backup", "--system", "docs").ok();
        Instant between = Instant.now();
        Files.writeString(dir.resolve("prod/docs/index.txt"), "version 2 (encrypted by ransomware)\n");
        PlanRuns.lifeboat(p, "backup", "--system", "docs").ok();

        Run r = PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--systems", "docs", "--yes", "--at", between.toString());
        r.ok();
        JsonNode docs = PlanRuns.system(PlanRuns.json(r), "docs");
        assertThat(Instant.parse(docs.get("snapshot_time").asText())).isBefore(between);
        assertThat(Files.readString(dir.resolve("dr/docs/index.txt"))).isEqualTo("version 1\n");

        PlanRuns.lifeboat(p, "recover", "--site", "dr", "--systems", "docs", "--yes").ok();
        assertThat(Files.readString(dir.resolve("dr/docs/index.txt"))).startsWith("version 2");

        Run before = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--systems", "docs", "--yes", "--at", "2001-01-01 00:00");
        assertThat(before.exit()).isEqualTo(1);
        assertThat(before.out()).contains("no snapshot of system 'docs'");
    }

    @Test
    void dryRunChangesNothingAndShowsTheOrder() throws Exception {
        Path p = plan(THREE.formatted("true"));
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        Run r = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--systems", "app", "--dry-run").ok();
        assertThat(r.out()).contains("wave 1").contains("wave 2");
        assertThat(r.out().indexOf("docs")).isLessThan(r.out().indexOf("  app"));
        assertThat(r.out()).doesNotContain("notes");
        assertThat(Files.exists(dir.resolve("dr"))).isFalse();
    }

    @Test
    void recoverWithoutYesOutsideATerminalRefuses() throws Exception {
        Path p = plan(THREE.formatted("true"));
        Run r = PlanRuns.lifeboat(p, "recover", "--site", "dr");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("--yes");
        assertThat(Files.exists(dir.resolve("dr"))).isFalse();
    }

    @Test
    void planErrorsArePreciseAndStopEveryCommand() throws Exception {
        Path p = plan("""
                  a:
                    depends-on: [b]
                    rpo: 1h
                    rto: 1h
                  b:
                    depends-on: [a]
                    rpo: 1h
                    rto: 1h
                  c:
                    depends-on: [nosuch]
                    rpo: 1h
                    rto: 1h
                """);
        Run v = PlanRuns.lifeboat(p, "plan", "validate");
        assertThat(v.exit()).isEqualTo(1);
        assertThat(v.err()).contains(p + ":9:17: error: dependency cycle: a -> b -> a")
                .contains(p + ":17:18: error: system 'c' depends on 'nosuch', which is not a system");
        Run r = PlanRuns.lifeboat(p, "recover", "--yes");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("dependency cycle").doesNotContain("Exception").doesNotContain("\tat ");

        Files.writeString(p, "systems:\n  a: { rpo: 1h, rto: [1h\n");
        Run m = PlanRuns.lifeboat(p, "plan", "validate");
        assertThat(m.exit()).isEqualTo(1);
        assertThat(m.err()).containsPattern(java.util.regex.Pattern.quote(p.toString()) + ":\\d+:\\d+: error: ");

        Run missing = PlanRuns.lifeboat(dir.resolve("nope.yaml"), "plan", "show");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.yaml does not exist");
    }
}
