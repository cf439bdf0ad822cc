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

    @Test
    void aFileIsNotARepositoryAndAWrongPasswordIsExit12() throws Exception {
        PlanRuns.initRepository(dir); // dir/repo with the test password
        Files.writeString(dir.resolve("other-password"), "not the repository's\n");
        Files.writeString(dir.resolve("afile"), "notes\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories:
                  local: { url: repo, password-file: other-password }
                  fresh: { url: fresh, password-file: other-password }
                systems: {}
                """);
        Run r = PlanRuns.lifeboat(p, "init");
        // The wrong password is named and exits 12, after the other repository was created.
        assertThat(r.exit()).as(r.toString()).isEqualTo(12);
        assertThat(r.err()).contains("repository 'local' (" + dir.resolve("repo") + ") already exists, but the plan's password does not open it");
        assertThat(r.out()).contains("created repository 'fresh'");

        Files.writeString(p, """
                repositories:
                  local: { url: afile, password-file: other-password }
                systems: {}
                """);
        Run f = PlanRuns.lifeboat(p, "init");
        assertThat(f.exit()).as(f.toString()).isEqualTo(1);
        assertThat(f.err()).contains(dir.resolve("afile") + " is a file, not a repository folder").doesNotContain("another process");
        assertThat(Files.readString(dir.resolve("afile"))).isEqualTo("notes\n");
    }
}
