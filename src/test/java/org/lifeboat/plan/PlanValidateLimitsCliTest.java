package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.PlanRuns;

/** `lifeboat plan validate` on hostile plans: exit code 1, FILE:LINE:COLUMN and a reason, no stack trace, no hang. */
class PlanValidateLimitsCliTest {
    @TempDir
    Path dir;

    @Test
    void aliasBombIsRefusedWithExitCodeOne() throws Exception {
        StringBuilder b = new StringBuilder("repositories: { local: { url: /b } }\nx0: &a0 [lol, lol]\n");
        for (int i = 1; i <= 24; i++) b.append("x").append(i).append(": &a").append(i).append(" [*a").append(i - 1)
                .append(", *a").append(i - 1).append("]\n");
        b.append("systems:\n  db: { rpo: 1h, rto: 1h, contact: *a24 }\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, b);
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> PlanRuns.lifeboat(p, "plan", "validate"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(p + ":13:12: error: more than 20 aliases of lists or maps; a plan needs few")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void oversizeFileIsRefusedWithExitCodeOne() throws Exception {
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, "systems:\n" + "  # padding\n".repeat(100_000));
        Run r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> PlanRuns.lifeboat(p, "plan", "validate"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(p + ": error: the plan file is larger than 1048576 bytes (1 MiB)")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }
}
