package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * A drill opens its sandbox's repositories with the command's storage flags, as `recover` does
 * (before, it took default options: `--limit-download` was ignored). So those flags are checked
 * before anything starts, and a flag naming a repository — which the plan names — is refused
 * instead of ignored.
 */
class DrillStorageFlagsTest {
    @TempDir
    Path dir;

    private Path plan() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                name: tiny
                sites:
                  primary: { root: prod }
                  sandbox: { root: "${temp-dir}" }
                state-dir: state
                systems:
                  job:
                    rpo: 1d
                    rto: 5m
                    restore: [ { command: "true" } ]
                    verify: [ { command: "true" } ]
                """);
        return plan;
    }

    @Test
    void storageFlagsReachTheDrillAndAreCheckedFirst() throws Exception {
        Path plan = plan();
        Run bad = PlanRuns.lifeboat(plan, "--limit-download", "-5", "drill");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.err()).contains("--limit-download").contains("cannot be negative").doesNotContain("Exception");
        assertThat(bad.out()).doesNotContain("recovering into");

        Run repo = PlanRuns.lifeboat(plan, "-r", dir.resolve("elsewhere").toString(), "drill");
        assertThat(repo.exit()).as(repo.toString()).isEqualTo(1);
        assertThat(repo.err()).contains("-r/--repo cannot be used with the plan " + plan);

        Run ok = PlanRuns.lifeboat(plan, "--limit-download", "1000", "drill");
        assertThat(ok.exit()).as(ok.toString()).isZero();
    }
}
