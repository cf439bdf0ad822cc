package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * A drill of the three-system plan (a real PostgreSQL, files, an HTTP service started by a command
 * step) into a generated sandbox: it passes, its report's timeline is in dependency order, it is
 * kept in the state store, and afterwards nothing of it runs or stays on disk.
 */
class DrillTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    static Server pg;
    static Path plan;

    @BeforeAll
    static void setUp() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PlanRuns.initRepository(dir);
        pg = Postgres.locate().createServer(dir.resolve("pg-primary"), PlanRuns.freePort(), "postgres", null, T);
        DbConnection c = pg.connection("postgres", null);
        Postgres.locate().query(c, "postgres", "create database shop", T);
        Postgres.locate().query(c, "shop", "create table orders (id int primary key); insert into orders select generate_series(1, 500)", T);
        Path prod = dir.resolve("prod");
        Files.createDirectories(prod.resolve("srv/share"));
        Files.writeString(prod.resolve("srv/share/index.txt"), "shared files\n");
        byte[] big = new byte[3_000_000];
        new java.util.Random(3).nextBytes(big);
        Files.write(prod.resolve("srv/share/archive.bin"), big);
        PlanRuns.webapp(prod.resolve("opt/webapp"));
        plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                name: shop
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod, pg_port: %d, pg_dir: "", web_port: %d }
                  sandbox: { root: "${temp-dir}", pg_port: "${free-port}", pg_dir: "${temp-dir}", web_port: "${free-port}" }
                state-dir: state
                systems:
                  database:
                    rpo: 15m
                    rto: 20m
                    backup: { sources: [ { postgres: { port: %d, user: postgres, databases: [shop] } } ] }
                    restore: [ { postgres: { port: "${pg_port}", user: postgres, databases: [shop], create-server: "${pg_dir}" } } ]
                    verify: [ { sql: { port: "${pg_port}", database: shop, query: "select count(*) from orders", expect: "= 500" } } ]
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { sources: [ { path: prod/srv/share } ] }
                    restore: [ { path: { from: prod/srv/share, to: "${root}/srv/share" } } ]
                    verify: [ { command: "test -s ${root}/srv/share/index.txt" } ]
                  webapp:
                    depends-on: [database, files]
                    rpo: 24h
                    rto: 40m
                    backup: { sources: [ { path: prod/opt/webapp } ] }
                    restore:
                      - path: { from: prod/opt/webapp, to: "${root}/opt/webapp" }
                      - command: { run: "${root}/opt/webapp/start.sh --port ${web_port} ${root}/srv/share/index.txt", background: true }
                    verify: [ { http: { url: "http://127.0.0.1:${web_port}/health", status: 200, body: "ok shared", within: 60s } } ]
                """.formatted(pg.port(), PlanRuns.freePort(), pg.port()));
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (pg != null) pg.stop(T);
    }

    @Test
    void drillPassesInDependencyOrderAndLeavesNothingBehind() throws Exception {
        Path html = dir.resolve("report.html");
        Run r = PlanRuns.lifeboat(plan, "--json", "drill", "--report", html.toString());
        JsonNode rep = PlanRuns.json(r);
        List<Long> pids = new ArrayList<>();
        for (JsonNode s : rep.get("systems")) for (JsonNode st : s.get("steps")) if (st.has("pid")) pids.add(st.get("pid").asLong());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(rep.get("result").asText()).isEqualTo("passed");
        assertThat(rep.get("site").asText()).isEqualTo("sandbox");
        JsonNode database = PlanRuns.system(rep, "database"), files = PlanRuns.system(rep, "files"), webapp = PlanRuns.system(rep, "webapp");
        for (JsonNode s : List.of(database, files, webapp)) {
            assertThat(s.get("result").asText()).as(s.toString()).isEqualTo("passed");
            assertThat(s.get("rto_measured_seconds").asDouble()).isPositive()
                    .isLessThanOrEqualTo(s.get("rto_target_seconds").asDouble());
            assertThat(s.get("rpo_achieved_seconds").asDouble()).isPositive()
                    .isLessThanOrEqualTo(s.get("rpo_target_seconds").asDouble());
            assertThat(s.get("time_to_first_byte_seconds").isNull()).isFalse();
        }
        // The timeline: webapp started only after both of its dependencies were back.
        Instant webStart = Instant.parse(webapp.get("started").asText());
        assertThat(webStart).isAfterOrEqualTo(Instant.parse(database.get("finished").asText()))
                .isAfterOrEqualTo(Instant.parse(files.get("finished").asText()));
        // The drill's own verification: restored files hashed against the snapshot, packs checked.
        assertThat(files.get("verification").get("files_compared").asLong()).isEqualTo(2);
        assertThat(files.get("verification").get("content_checked").asLong()).isEqualTo(2);
        assertThat(files.get("verification").get("packs_checked").asLong()).isPositive();
        assertThat(database.get("bytes_restored").asLong()).isPositive();
        assertThat(files.get("bytes_restored").asLong()).isGreaterThanOrEqualTo(3_000_000);
        // Nothing left: processes, servers, folders.
        assertThat(rep.get("leftovers")).isEmpty();
        assertThat(pids).hasSize(2);
        for (long pid : pids) assertThat(org.lifeboat.recovery.Shell.alive(pid)).as("pid " + pid).isFalse();
        Path root = Path.of(rep.get("sandbox_root").asText());
        assertThat(root).doesNotExist();
        assertThat(processesMentioning(root.toString())).isEmpty();
        assertThat(Files.readString(html)).contains("<svg").contains("webapp");

        // Kept in the state store: report, history, forecast.
        Run report = PlanRuns.lifeboat(plan, "drill", "report", "latest", "--format", "json").ok();
        assertThat(PlanRuns.json(report).get("id").asText()).isEqualTo(rep.get("id").asText());
        Run history = PlanRuns.lifeboat(plan, "drill", "history").ok();
        assertThat(history.out()).contains("database").contains("files").contains("webapp").contains(rep.get("id").asText());
        Run forecast = PlanRuns.lifeboat(plan, "--json", "forecast").ok();
        JsonNode fc = PlanRuns.json(forecast);
        for (JsonNode s : fc.get("systems")) {
            assertThat(s.get("never_drilled").asBoolean()).isFalse();
            assertThat(s.get("forecast_seconds").asDouble()).as(s.toString()).isPositive();
        }
        Run runbook = PlanRuns.lifeboat(plan, "runbook").ok();
        assertThat(runbook.out()).contains("Last drill: passed").contains(rep.get("id").asText());
    }

    /** Processes whose command line names the path: servers or services the drill left. */
    private static List<String> processesMentioning(String path) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains(path)) found.add(p.getFileName() + ": " + cmd);
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }
}
