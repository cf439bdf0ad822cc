package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** {@code init --config}: the plan's missing repositories created with the plan's passwords, existing ones untouched. */
class InitPlanTest {
    @TempDir
    Path dir;

    @Test
    void createsThePlansMissingRepositoriesAndLeavesExistingOnes() throws Exception {
        PlanRuns.initRepository(dir);
        byte[] config = Files.readAllBytes(dir.resolve("repo/config"));
        Files.writeString(dir.resolve("offsite-password"), "another secret\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories:
                  local:   { url: repo, password-file: password }
                  offsite: { url: offsite/repo, password-file: offsite-password }
                  vault:   { url: vault, password-env: LIFEBOAT_TEST_UNSET_VARIABLE_4711 }
                systems: {}
                """);
        Run r = PlanRuns.lifeboat(p, "init");
        // The vault's password variable is not set: named, the others still done, exit 1.
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("repository 'local' (" + dir.resolve("repo") + ") already exists; left untouched")
                .contains("created repository 'offsite'");
        assertThat(r.err()).contains("cannot create repository 'vault'").contains("LIFEBOAT_TEST_UNSET_VARIABLE_4711")
                .doesNotContain("Exception");
        assertThat(Files.exists(dir.resolve("vault"))).isFalse();
        assertThat(Files.readAllBytes(dir.resolve("repo/config"))).isEqualTo(config);

        // restic opens the new repository with the plan's password.
        new Restic(dir.resolve("offsite/repo"), dir.resolve("cache"), "another secret").run("snapshots").ok();

        Files.writeString(p, Files.readString(p).replace("  vault:   { url: vault, password-env: LIFEBOAT_TEST_UNSET_VARIABLE_4711 }\n", ""));
        JsonNode again = PlanRuns.json(PlanRuns.lifeboat(p, "--json", "init").ok());
        assertThat(again.get(0).get("status").asText()).isEqualTo("exists");
        assertThat(again.get(1).get("status").asText()).isEqualTo("exists");
    }
}
