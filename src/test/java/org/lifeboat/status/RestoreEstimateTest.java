package org.lifeboat.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backup.Progress;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemBackup;
import org.lifeboat.testutil.Cli;

/** The restore estimate behind forecasts and the service's look. */
class RestoreEstimateTest {
    @TempDir
    Path dir;

    @Test
    void aSnapshotsTreesAreWalkedOnceNotOnEveryLook() throws Exception {
        Path pw = Cli.passwordFile(dir);
        new Cli(dir.resolve("repo"), pw).run("init").ok();
        Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(dir.resolve("src/a.txt"), "a".repeat(1000));
        Files.writeString(dir.resolve("src/sub/b.txt"), "b".repeat(234));
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  local: { url: repo, password-file: password }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src } ] }
                    restore: [ { path: { from: src, to: /tmp/restored-never-written } } ]
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        try (Repositories repos = new Repositories(plan, false)) {
            SystemBackup.run(plan, plan.system("files"), repos, new Progress(), w -> {});
        }
        List<String> warnings = new ArrayList<>();
        try (Repositories repos = new Repositories(plan, false).forStatus().withoutLocks()) {
            assertThat(RestoreEstimate.input(plan, plan.system("files"), repos, warnings::add).restoreBytes()).isEqualTo(1234);
        }
        // The trees are gone (the packs deleted): a second look does not read them again.
        try (Stream<Path> packs = Files.walk(dir.resolve("repo/data"))) {
            for (Path p : packs.filter(Files::isRegularFile).toList()) Files.delete(p);
        }
        try (Repositories repos = new Repositories(plan, false).forStatus().withoutLocks()) {
            assertThat(RestoreEstimate.input(plan, plan.system("files"), repos, warnings::add).restoreBytes()).isEqualTo(1234);
        }
        assertThat(warnings).isEmpty();
    }
}
