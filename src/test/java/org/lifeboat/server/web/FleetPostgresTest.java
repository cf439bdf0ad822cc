package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.PlanRuns;

/**
 * Two hosts, two services, one state (issue 13): both services use a real PostgreSQL server as
 * their state, so either one's dashboard shows the whole fleet, and the alerts and jobs of both.
 */
class FleetPostgresTest {
    private static final Duration T = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private static String plan(Path d, String system) throws Exception {
        ServeFixture.repository(d, "main");
        Files.createDirectories(d.resolve("src"));
        Files.writeString(d.resolve("src/data.txt"), system);
        return """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  %s:
                    rpo: 1h
                    rto: 20m
                    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                """.formatted(ServeFixture.repositoryLine(d, "main").stripTrailing(), system);
    }

    @Test
    void twoServicesSharingPostgresShowOneFleet() throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Server pg = Postgres.locate().createServer(dir.resolve("pg"), PlanRuns.freePort(), "postgres", null, T);
        try {
            Postgres.locate().query(pg.connection("postgres", null), "postgres", "create database fleet", T);
            String url = "postgresql://postgres@127.0.0.1:" + pg.port() + "/fleet";
            Path a = dir.resolve("alpha"), b = dir.resolve("beta");
            try (ServeFixture alpha = new ServeFixture(a, plan(a, "shop-db"), url, "alpha");
                 ServeFixture beta = new ServeFixture(b, plan(b, "web-files"), url, "beta")) {
                alpha.await("both hosts' systems backed up and published", Duration.ofSeconds(60), () -> {
                    List<String> seen = new ArrayList<>();
                    try {
                        for (JsonNode s : alpha.json("/api/systems")) {
                            if (!s.get("last_snapshot").isNull()) seen.add(s.get("host").asText() + "/" + s.get("name").asText());
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    return seen.containsAll(List.of("alpha/shop-db", "beta/web-files"));
                });
                JsonNode overview = beta.json("/api/overview");
                List<String> hosts = new ArrayList<>();
                overview.get("hosts").forEach(h -> hosts.add(h.asText()));
                assertThat(hosts).containsExactly("alpha", "beta");
                List<String> names = new ArrayList<>();
                overview.get("systems").forEach(s -> names.add(s.get("name").asText()));
                assertThat(names).containsExactlyInAnyOrder("shop-db", "web-files");
                // each service ran only its own plan's jobs, recorded under its host in the shared state
                assertThat(alpha.service.jobs().recent(null, null, 0)).extracting(r -> r.host() + "/" + r.system())
                        .contains("alpha/shop-db", "beta/web-files");
                assertThat(alpha.said).noneMatch(l -> l.contains("web-files"));
                assertThat(Files.exists(a.resolve("state/lifeboat.db"))).as("no SQLite beside a PostgreSQL state").isFalse();
            }
        } finally {
            pg.stop(T);
        }
    }
}
