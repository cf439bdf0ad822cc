package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/** Drills that must fail, each with the right reason, and sandboxes that must be refused. */
class DrillFailureTest {
    @TempDir
    Path dir;

    private Path plan(String sandbox, String docsRto, String docsRpo, String docsCheck) throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "hello\n");
        Files.createDirectories(dir.resolve("prod/app"));
        Files.writeString(dir.resolve("prod/app/app.conf"), "x=1\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod, port: 18080 }
                  sandbox: %s
                state-dir: state
                systems:
                  docs:
                    rpo: %s
                    rto: %s
                    backup: { sources: [ { path: prod/docs } ] }
                    restore: [ { path: { from: prod/docs, to: "${root}/docs" } } ]
                    verify: [ { command: { run: "%s", within: 1s } } ]
                  app:
                    depends-on: [docs]
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/app } ] }
                    restore: [ { path: { from: prod/app, to: "${root}/app" } } ]
                    verify: [ { tcp: { port: "${port}", within: 1s } } ]
                """.formatted(sandbox, docsRpo, docsRto, docsCheck));
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        return p;
    }

    private static final String SANDBOX = "{ root: \"${temp-dir}\", port: \"${free-port}\" }";

    @Test
    void aFailingCheckFailsTheDrillAndBlocksDependents() throws Exception {
        Path p = plan(SANDBOX, "1h", "1d", "test -s ${root}/docs/nothing-here");
        Run r = PlanRuns.lifeboat(p, "--json", "drill");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode rep = PlanRuns.json(r);
        assertThat(rep.get("result").asText()).isEqualTo("failed");
        JsonNode docs = PlanRuns.system(rep, "docs");
        assertThat(docs.get("result").asText()).isEqualTo("failed");
        assertThat(docs.get("reasons").get(0).asText()).contains("command check").contains("nothing-here");
        JsonNode app = PlanRuns.system(rep, "app");
        assertThat(app.get("result").asText()).isEqualTo("blocked");
        assertThat(Files.exists(Path.of(rep.get("sandbox_root").asText()))).as("torn down").isFalse();
    }

    @Test
    void aMeasuredTimeOverTheRtoFailsTheDrill() throws Exception {
        Path p = plan(SANDBOX, "1ms", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "--json", "drill", "--systems", "docs");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode docs = PlanRuns.system(PlanRuns.json(r), "docs");
        assertThat(docs.get("result").asText()).isEqualTo("failed");
        assertThat(docs.get("reasons").toString()).contains("measured RTO").contains("exceeds the target 1ms");
        assertThat(docs.get("rto_measured_seconds").asDouble()).isGreaterThan(0.001);
        assertThat(docs.get("checks").get(0).get("result").asText()).isEqualTo("passed");
    }

    @Test
    void aSnapshotOlderThanTheRpoFailsTheDrill() throws Exception {
        Path p = plan(SANDBOX, "1h", "1ms", "true");
        Run r = PlanRuns.lifeboat(p, "--json", "drill", "--systems", "docs");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode docs = PlanRuns.system(PlanRuns.json(r), "docs");
        assertThat(docs.get("result").asText()).isEqualTo("failed");
        assertThat(docs.get("reasons").toString()).contains("the newest snapshot is").contains("more than the RPO 1ms");
        assertThat(docs.get("rpo_achieved_seconds").asDouble()).isGreaterThan(0.001);
    }

    @Test
    void aSandboxInsideProductionIsRefused() throws Exception {
        Path p = plan("{ root: prod/docs/sandbox, port: \"${free-port}\" }", "1h", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "drill");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("the drill is refused").contains(dir.resolve("prod/docs/sandbox/docs").toString())
                .contains("lies inside " + dir.resolve("prod/docs"));
        assertThat(Files.exists(dir.resolve("prod/docs/sandbox"))).as("nothing restored").isFalse();
    }

    @Test
    void aSandboxReachingProductionThroughASymlinkIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("prod"));
        Files.createSymbolicLink(dir.resolve("innocent-looking"), dir.resolve("prod"));
        Path p = plan("{ root: innocent-looking, port: \"${free-port}\" }", "1h", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "drill");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("the drill is refused").contains("is " + dir.resolve("prod/docs"));
        assertThat(Files.readString(dir.resolve("prod/docs/index.txt"))).isEqualTo("hello\n");
    }

    @Test
    void aSandboxOnAProductionPortIsRefused() throws Exception {
        Path p = plan("{ root: \"${temp-dir}\", port: 18080 }", "1h", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "drill");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("would check port 18080").contains("production");
    }

    @Test
    void keepLeavesTheSandboxForALookAround() throws Exception {
        Path p = plan(SANDBOX, "1h", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "--json", "drill", "--systems", "docs", "--keep");
        r.ok();
        JsonNode rep = PlanRuns.json(r);
        Path root = Path.of(rep.get("sandbox_root").asText());
        try {
            assertThat(rep.get("kept").asBoolean()).isTrue();
            assertThat(root).isDirectory();
            try (var files = Files.walk(root)) {
                assertThat(files.filter(f -> f.getFileName().toString().equals("index.txt")).count()).isEqualTo(1);
            }
        } finally {
            try (var files = Files.walk(root)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    @Test
    void noSandboxSiteIsAClearError() throws Exception {
        Path p = plan(SANDBOX, "1h", "1d", "true");
        Run r = PlanRuns.lifeboat(p, "drill", "--site", "nosuch");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no site 'nosuch'").doesNotContain("Exception");
    }
}
