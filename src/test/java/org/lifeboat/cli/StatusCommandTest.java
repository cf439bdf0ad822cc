package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.web.ServeFixture;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * {@code lifeboat status} (brk13 #22, brk13b N13, N14): it writes nothing (no state folder, no empty
 * database when no service has run yet), it shows what the repositories hold even when the state
 * cannot be reached (then exit 1, not 0 or 3), and a snapshot dated in the future has no age.
 */
class StatusCommandTest {
    @TempDir
    Path dir;

    Path planFile;
    Path state;

    @BeforeEach
    void planWithOneBackedUpSystemAndOneNever() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("src2"));
        Files.writeString(dir.resolve("src/a.txt"), "a");
        Files.writeString(dir.resolve("src2/b.txt"), "b");
        state = dir.resolve("st/state");
        planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, """
                state-dir: %1$s
                repositories:
                %2$s
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: %3$s/src } ] }
                  never:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: %3$s/src2 } ] }
                """.formatted(state, ServeFixture.repositoryLine(dir, "main").stripTrailing(), dir));
        Run b = PlanRuns.lifeboat(planFile, "backup", "--system", "files");
        assertThat(b.exit()).as("%s", b).isZero();
        // the plan backup kept its anomaly score in the state: these tests are about a state not made yet
        if (Files.exists(state.getParent())) {
            try (var w = Files.walk(state.getParent())) {
                for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** No service has run: status reads the repositories, says there is no job history, and creates nothing. */
    @Test
    void withNoStateYetStatusShowsTheRepositoriesAndWritesNothing() throws Exception {
        assertThat(dir.resolve("st")).as("the backup made no state").doesNotExist();
        Run r = PlanRuns.lifeboat(planFile, "status");
        assertThat(r.exit()).as("%s", r).isEqualTo(3); // 'never' is breached
        assertThat(r.out()).contains("files").contains("OK (1h)").contains("never").contains("BREACHED (1h)")
                .contains("no job history yet: there is no state at " + state.resolve("lifeboat.db"))
                .doesNotContain("no open alerts");
        assertThat(r.err()).doesNotContain("Fatal");
        assertThat(dir.resolve("st")).as("status wrote no state folder").doesNotExist();

        Run j = PlanRuns.lifeboat(planFile, "status", "--json");
        assertThat(j.exit()).as("%s", j).isEqualTo(3);
        JsonNode o = PlanRuns.json(j);
        assertThat(o.get("state").get("status").asText()).isEqualTo("none");
        assertThat(o.get("state").get("location").asText()).isEqualTo(state.resolve("lifeboat.db").toString());
        assertThat(o.get("jobs")).isEmpty();
        assertThat(PlanRuns.system(o, "files").get("rpo_status").asText()).isEqualTo("ok");
        assertThat(dir.resolve("st")).doesNotExist();
    }

    /**
     * A state that cannot be reached: what the repositories say is still shown, then one line says
     * the state cannot be reached, and the exit code is 1 (so {@code status || page} tells it from a breach).
     */
    @Test
    void anUnreachableStateStillShowsTheRepositoriesAndExitsOne() throws Exception {
        String db = "postgresql://lifeboat@127.0.0.1:" + PlanRuns.freePort() + "/lifeboat"; // nothing listens there
        Run r = PlanRuns.lifeboat(planFile, "status", "--state-db", db);
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        assertThat(r.out()).contains("SYSTEM").contains("files").contains("OK (1h)").contains("BREACHED (1h)")
                .doesNotContain("no open alerts").doesNotContain("no job history");
        // the last line (a plan warning may come before it)
        assertThat(r.err().strip().lines().toList().getLast()).startsWith("Fatal: the state cannot be reached").contains("127.0.0.1");

        Run j = PlanRuns.lifeboat(planFile, "status", "--json", "--state-db", db);
        assertThat(j.exit()).as("%s", j).isEqualTo(1);
        JsonNode o = PlanRuns.json(j);
        assertThat(o.get("state").get("status").asText()).isEqualTo("unreachable");
        assertThat(o.get("state").get("error").asText()).isNotBlank();
        assertThat(PlanRuns.system(o, "files").get("rpo_status").asText()).isEqualTo("ok");
        assertThat(dir.resolve("st")).doesNotExist();
    }

    /** brk13b N14: a snapshot dated in the future is "in the future", not "- ago"; its problem line says why. */
    @Test
    void aSnapshotDatedInTheFutureIsSaidSo() throws Exception {
        Cli cli = new Cli(dir.resolve("main/repo"), dir.resolve("main/password"));
        cli.run("backup", dir.resolve("src2").toString(), "--tag", "system=never", "--time", "2099-01-01 00:00:00").ok();
        Run r = PlanRuns.lifeboat(planFile, "status");
        assertThat(r.out()).as("%s", r).containsPattern("never .*BREACHED \\(1h\\) +in the future")
                .doesNotContain("- ago").contains("in the future (clock skew?)");
    }

    @Test
    void aNegativeJobCountIsRefused() {
        Run r = PlanRuns.lifeboat(planFile, "status", "--jobs", "-5");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("--jobs -5 is negative");
    }
}
