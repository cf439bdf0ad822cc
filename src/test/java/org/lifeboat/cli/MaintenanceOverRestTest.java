package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.Run;

/**
 * forget --prune, tag, rewrite --forget, prune, repair index and migrate on one repository served by
 * Lifeboat's REST server (rest-server's protocol, which restic 0.14 speaks too), each step judged by
 * restic: check --read-data clean, every remaining snapshot restored byte-identically. The same
 * folder is also served append-only: there every command that would remove a file is refused in
 * one sentence before it writes anything, and not one file of the repository changes.
 */
@Tag("restic")
class MaintenanceOverRestTest {
    @TempDir
    Path dir;

    @Test
    void everyMaintenanceCommandLeavesARepositoryResticChecksAndRestoresAndAppendOnlyRefusesCleanly() throws Exception {
        Path root = Files.createDirectories(dir.resolve("served"));
        try (RestServer server = new RestServer(options(root, false)); RestServer appendOnly = new RestServer(options(root, true))) {
            var place = new MaintenanceScenario.Place("rest:" + server.start() + "repo/", List.of(), List.of(), Map.of(),
                    new MaintenanceScenario.Folder(root.resolve("repo")));
            String appendOnlyLocation = "rest:" + appendOnly.start() + "repo/";
            MaintenanceScenario scenario = new MaintenanceScenario(Files.createDirectories(dir.resolve("work")), place);
            scenario.runAll(
                    () -> {
                        refused(scenario, appendOnlyLocation, "", new String[] {"migrate", "upgrade_repo_v2"});
                        assertThat(migrateCopiesOf(root.resolve("repo/config")))
                                .as("the copy of a config that was not replaced is not left in the temporary folder").isEmpty();
                    },
                    () -> refused(scenario, appendOnlyLocation, "the append-only refusals",
                            new String[] {"forget", "--keep-last", "1"},
                            new String[] {"forget", "--keep-last", "1", "--prune"},
                            new String[] {"prune"},
                            new String[] {"repair", "index"},
                            new String[] {"repair", "snapshots", "--forget"},
                            new String[] {"rewrite", "--exclude", "changing.bin", "--forget"},
                            new String[] {"tag", "--add", "refused"}));
        }
    }

    /** migrate's copies of this config file (in folders named lifeboat-migrate-upgrade-repo-v2-* under java.io.tmpdir). */
    private static List<Path> migrateCopiesOf(Path config) throws Exception {
        byte[] bytes = Files.readAllBytes(config);
        List<Path> out = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("lifeboat-migrate-upgrade-repo-v2-")).toList()) {
                Path c = d.resolve("config");
                if (Files.isRegularFile(c) && java.util.Arrays.equals(Files.readAllBytes(c), bytes)) out.add(c);
            }
        }
        return out;
    }

    private static ServerOptions options(Path root, boolean appendOnly) {
        return new ServerOptions(root, "127.0.0.1", 0, null, true, false, appendOnly, null, null, 0, false, false, false);
    }

    /**
     * Through the append-only server: each command refused in one sentence (exit 1) that names
     * the append-only refusal, and not one file of the repository changed; then (unless
     * {@code judged} is empty) restic finds the repository as whole as before.
     */
    private static void refused(MaintenanceScenario scenario, String location, String judged, String[]... commands)
            throws Exception {
        Map<String, Long> before = scenario.contents();
        for (String[] c : commands) {
            String line = String.join(" ", c);
            Run r = scenario.lifeboatAt(location, c);
            String fatal = Failures.fatal(r, ExitCodes.FATAL);
            assertThat(r.err().strip().lines().toList()).as("%s says one sentence: %s", line, r).hasSize(1);
            assertThat(fatal).as("%s: %s", line, r).contains("append-only").containsPattern("nothing was (changed|removed)$");
            assertThat(scenario.contents()).as("%s changed nothing: %s", line, r).isEqualTo(before);
        }
        if (!judged.isEmpty()) scenario.judge(judged);
    }
}
