package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.ShopServers;

/**
 * The runbook's by-hand {@code lifeboat dump} commands read the files recover reads: database
 * names with {@code /}, {@code %} and {@code ..} as the snapshot stores them (SnapshotLayout), and
 * only from the system's own snapshots, not from a newer look-alike with the same tag.
 */
class RunbookSnapshotChoiceTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    static Server pg;

    @BeforeAll
    static void server() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PlanRuns.initRepository(dir);
        pg = ShopServers.postgresShop(dir.resolve("pg-prod"));
        DbConnection c = pg.connection("postgres", null);
        Postgres p = Postgres.locate();
        for (String db : new String[] {"sales/eu", "100%", ".."}) {
            p.query(c, "postgres", "create database \"" + db + "\"", T);
            p.query(c, db, "create table marker (name text); insert into marker values ('" + db + "')", T);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) pg.stop(T);
    }

    @Test
    void theRunbookDumpsEscapedNamesFromTheSystemsOwnSnapshot() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                state-dir: state
                systems:
                  db:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { postgres: { port: %d, user: postgres, databases: [shop, "sales/eu", "100%%", ".."] } } ] }
                    restore:
                      - postgres: { port: %d, user: postgres, databases: ["sales/eu", "100%%", ".."] }
                """.formatted(pg.port(), pg.port()));
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
        // A look-alike, newer: the same tag, another host and another path. Recover passes it over.
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("x"), "not a dump\n");
        new Cli(dir.resolve("repo"), dir.resolve("password"))
                .run("backup", "--host", "other", "--tag", "system=db", elsewhere.toString()).ok();

        Run rb = PlanRuns.lifeboat(plan, "runbook");
        rb.ok();
        String byHand = RunbookByHandTest.blocks(rb.out(), "**By hand**").get("db");
        String dumpDir = "-" + pg.port();
        assertThat(byHand).contains(dumpDir + "/sales%2Feu.pgdump", dumpDir + "/100%25.pgdump", dumpDir + "/...pgdump")
                .doesNotContain("sales/eu.pgdump");
        // The rule in words, so a person can check the ID.
        assertThat(rb.out()).contains(SystemSnapshots.RULE);

        Path bin = RunbookByHandTest.lifeboatOnPath(dir);
        int dumps = 0;
        for (String line : byHand.lines().toList()) {
            if (!line.startsWith("lifeboat ") || !line.contains(" dump ") || !line.contains(".pgdump |")) continue;
            // The runbook's own dump command, as printed; its output must be the pg_dump archive of that database.
            String cmd = line.substring(0, line.indexOf(" | "));
            Run r = RunbookByHandTest.bash("set -e -o pipefail; cd " + Runbook.q(dir.toString()) + "; " + cmd + " | head -c 5", bin, dir);
            assertThat(r.exit()).as("%s\n%s", cmd, r).isZero();
            assertThat(r.out()).as(cmd).isEqualTo("PGDMP");
            dumps++;
        }
        assertThat(dumps).isEqualTo(3);
    }
}
