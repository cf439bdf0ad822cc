package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** System backups and the edges of recovery commands: excludes, hooks, secrets, dry runs. */
class SystemBackupTest {
    @TempDir
    Path dir;

    private Path plan(String systems, boolean repoPasswordInPlan) throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("src/data"));
        Files.createDirectories(dir.resolve("src/other"));
        Files.writeString(dir.resolve("src/data/a.txt"), "a\n");
        Files.writeString(dir.resolve("src/data/b.bin"), "b\n");
        Files.writeString(dir.resolve("src/other/keep.txt"), "keep\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, "repositories: { local: { url: repo" + (repoPasswordInPlan ? ", password-file: password" : "")
                + " } }\nsites: { primary: { root: src }, dr: { root: dr } }\nsystems:\n" + systems);
        return p;
    }

    @Test
    void excludesApplyOnlyToTheirOwnSource() throws Exception {
        Path p = plan("""
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/data, exclude: ["*.txt"] }, { path: src/other } ] }
                """, true);
        PlanRuns.lifeboat(p, "backup", "--system", "files").ok();
        Run ls = new Cli(dir.resolve("repo"), dir.resolve("password")).run("ls", "latest");
        assertThat(ls.out()).contains("/src/other/keep.txt").contains("/src/data/b.bin").doesNotContain("/src/data/a.txt");
    }

    @Test
    void aFailingAfterHookMakesTheBackupPartial() throws Exception {
        Path p = plan("""
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/data } ], after: [ "echo resume failed >&2; exit 5" ] }
                """, true);
        Run r = PlanRuns.lifeboat(p, "--json", "backup", "--system", "files");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).contains("\"message_type\":\"warning\"").contains("exit 5").contains("resume failed");
        assertThat(r.out()).contains("\"snapshot_id\"");
    }

    @Test
    void commandsNeverSeeTheRepositoryPassword() throws Exception {
        Path p = plan("""
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/data } ], before: [ "env > before-env.txt" ] }
                    restore:
                      - path: { from: src/data, to: "${root}/data" }
                      - command: "env > step-env.txt"
                """, false);
        Map<String, String> env = Map.of("LIFEBOAT_PASSWORD", Restic.PASSWORD, "RESTIC_PASSWORD", Restic.PASSWORD);
        Cli.process(env, null, "--config", p.toString(), "backup", "--all").ok();
        Cli.process(env, null, "--config", p.toString(), "recover", "--site", "dr", "--yes").ok();
        for (String f : new String[] {"before-env.txt", "step-env.txt"}) {
            String seen = Files.readString(dir.resolve(f));
            assertThat(seen).contains("LIFEBOAT_SYSTEM=files").doesNotContain(Restic.PASSWORD).doesNotContain("PASSWORD=");
        }
    }

    @Test
    void aDryRunFailsWhenTheRecoveryWould() throws Exception {
        Path p = plan("""
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/data } ] }
                    restore: [ { path: { from: src/data, to: "${root}/data" } } ]
                """, true);
        Run before = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--dry-run");
        assertThat(before.exit()).isEqualTo(1);
        assertThat(before.out()).contains("NO SNAPSHOT");
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        PlanRuns.lifeboat(p, "recover", "--site", "dr", "--dry-run").ok();
        assertThat(dir.resolve("dr")).doesNotExist();
    }

    @Test
    void mysqlDumpFilterKeepsOnlyTheChosenDatabases() throws Exception {
        String dump = """
                -- MariaDB dump
                /*!40101 SET NAMES utf8mb4 */;
                --
                -- Current Database: `shop`
                --
                CREATE DATABASE IF NOT EXISTS `shop`;
                USE `shop`;
                INSERT INTO t VALUES (1);
                --
                -- Current Database: `crm`
                --
                CREATE DATABASE IF NOT EXISTS `crm`;
                USE `crm`;
                INSERT INTO c VALUES (1);
                """;
        Set<String> seen = new TreeSet<>();
        String out;
        try (MysqlDumpFilter f = new MysqlDumpFilter(new ByteArrayInputStream(dump.getBytes(StandardCharsets.UTF_8)),
                Set.of("shop"), seen)) {
            out = new String(f.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(out).contains("SET NAMES").contains("USE `shop`").contains("INSERT INTO t").doesNotContain("crm")
                .doesNotContain("INSERT INTO c");
        assertThat(seen).containsExactly("shop");
    }
}
