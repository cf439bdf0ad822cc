package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.ShopServers;

/**
 * create-server with real PostgreSQL servers: a server already running in the folder (started by
 * hand) is used but never recorded or stopped as the recovery's; a port already in use is named
 * before any server is started.
 */
class CreateServerOwnershipTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    static Server pg;
    static Server byHand;
    static Path plan;

    @BeforeAll
    static void serversAndBackup() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PlanRuns.initRepository(dir);
        pg = ShopServers.postgresShop(dir.resolve("pg-prod"));
        byHand = Postgres.locate().createServer(dir.resolve("alt"), PlanRuns.freePort(), "postgres", null, T);
        plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { pg_port: %d, pg_dir: "" }
                  alt:     { pg_port: %d, pg_dir: "%s" }
                  clash:   { pg_port: 1, pg_dir: "%s" }
                default-site: primary
                state-dir: state
                systems:
                  db:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { postgres: { port: %d, user: postgres, databases: [shop] } } ] }
                    restore:
                      - postgres: { port: "${pg_port}", user: postgres, databases: [shop], create-server: "${pg_dir}" }
                """.formatted(pg.port(), byHand.port(), byHand.dir(), dir.resolve("clash"), pg.port()));
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
    }

    @AfterAll
    static void stop() throws Exception {
        if (byHand != null && byHand.running()) byHand.stop(T);
        if (pg != null) pg.stop(T);
    }

    @Test
    void aServerStartedByHandIsReusedButNeverRecordedOrStopped() throws Exception {
        Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--site", "alt", "--yes");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode res = PlanRuns.json(r);
        JsonNode step = PlanRuns.system(res, "db").get("steps").get(0);
        assertThat(step.get("detail").asText()).contains("reusing the server already running in " + byHand.dir()
                + " (pid " + byHand.pid() + "), not started by this recovery").doesNotContain("new server");
        assertThat(res.get("started_services")).isEmpty();

        Run stop = PlanRuns.lifeboat(plan, "recover", "--site", "alt", "--stop-started").ok();
        assertThat(stop.out()).contains("no services recorded as started on site alt");
        assertThat(byHand.running()).as("the server started by hand still runs").isTrue();
    }

    @Test
    void aPortInUseIsNamedBeforeAServerIsStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(plan, Files.readString(plan).replace("clash:   { pg_port: 1,", "clash:   { pg_port: " + taken.getLocalPort() + ","));
            Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--site", "clash", "--yes");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            String reason = PlanRuns.system(PlanRuns.json(r), "db").get("reason").asText();
            assertThat(reason).contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use")
                    .contains("server of system 'db'").doesNotContain("pg_ctl");
            assertThat(dir.resolve("clash/PG_VERSION")).doesNotExist();
        }
    }
}
