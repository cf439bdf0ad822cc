package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.ShopServers;
import org.lifeboat.testutil.Run;

/**
 * Plans with real database servers (Debian's PostgreSQL and MariaDB, throwaway instances on free
 * ports): back up through the postgres/mysql sources, lose the data, recover, and the sql checks
 * see the rows again; and the three-system plan recovered into an alternate site.
 */
class DatabaseRecoveryTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    static Server pg;
    static Server maria;
    static final List<Server> started = new ArrayList<>();
    static final List<Long> processes = new ArrayList<>();
    static Path pw;

    @BeforeAll
    static void servers() throws Exception {
        // PostgreSQL runs as the postgres user when we are root: it must reach its folder.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        pw = PlanRuns.initRepository(dir);
        pg = ShopServers.postgresShop(dir.resolve("pg-primary"));
        maria = ShopServers.mariaCrm(dir.resolve("maria"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (long pid : processes) Shell.stop(pid, Duration.ofSeconds(5));
        for (Server s : started) s.stop(T);
        if (pg != null) pg.stop(T);
        if (maria != null) maria.stop(T);
    }

    private static long count(Server s, String db, String table) throws Exception {
        if (s.kind().equals(Server.POSTGRES)) {
            return Long.parseLong(Postgres.locate().query(s.connection("postgres", null), db, "select count(*) from " + table, T));
        }
        return Long.parseLong(MySql.locate().query(s.connection("root", null), db, "select count(*) from " + table, T));
    }

    @Test
    void postgresBackupDropRecover() throws Exception {
        Path plan = dir.resolve("pg.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { primary: { pg_port: %d } }
                state-dir: state
                systems:
                  database:
                    rpo: 15m
                    rto: 20m
                    backup: { sources: [ { postgres: { host: 127.0.0.1, port: %d, user: postgres, databases: [shop] } } ] }
                    restore: [ { postgres: { port: "${pg_port}", user: postgres, databases: [shop] } } ]
                    verify:
                      - sql: { port: "${pg_port}", database: shop, query: "select count(*) from orders", expect: "= 3" }
                """.formatted(pg.port(), pg.port()));
        PlanRuns.lifeboat(plan, "backup", "--system", "database").ok();
        Postgres.locate().query(pg.connection("postgres", null), "postgres", "drop database shop", T);

        Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--yes");
        r.ok();
        JsonNode db = PlanRuns.system(PlanRuns.json(r), "database");
        assertThat(db.get("result").asText()).isEqualTo("recovered");
        assertThat(db.get("checks").get(0).get("result").asText()).isEqualTo("passed");
        assertThat(count(pg, "shop", "orders")).isEqualTo(3);

        // The dump is an ordinary file in a restic snapshot.
        Run ls = PlanRuns.lifeboat(plan, "-r", dir.resolve("repo").toString(), "--password-file", pw.toString(), "ls", "latest");
        assertThat(ls.out()).contains("/lifeboat/postgres/127.0.0.1-" + pg.port() + "/shop.pgdump")
                .contains("globals.sql");
    }

    /**
     * Database names with '/' and '..' are legal in PostgreSQL: backing up all databases of such a
     * server works (today: "stream path must be an absolute file path" for ../x), each dump is ONE
     * file (sales%2Feu.pgdump, not a folder sales/ holding eu.pgdump) and both recover by name.
     */
    @Test
    void postgresNamesWithSlashAndDotDotBackUpAndRecover() throws Exception {
        Postgres p = Postgres.locate();
        DbConnection c = pg.connection("postgres", null);
        p.query(c, "postgres", "create database \"sales/eu\"", T);
        p.query(c, "postgres", "create database \"../x\"", T);
        try {
            p.query(c, "sales/eu", "create table t (id int); insert into t values (1), (2)", T);
            p.query(c, "../x", "create table t (id int); insert into t values (1), (2), (3)", T);
            Path plan = dir.resolve("names.yaml");
            Files.writeString(plan, """
                    repositories: { local: { url: repo, password-file: password } }
                    state-dir: state
                    systems:
                      odd:
                        rpo: 1h
                        rto: 1h
                        backup: { sources: [ { postgres: { host: 127.0.0.1, port: %d, user: postgres } } ] }
                        restore: [ { postgres: { port: %d, user: postgres, databases: ["sales/eu", "../x"] } } ]
                    """.formatted(pg.port(), pg.port()));
            PlanRuns.lifeboat(plan, "backup", "--system", "odd").ok();
            Run ls = PlanRuns.lifeboat(plan, "-r", dir.resolve("repo").toString(), "--password-file", pw.toString(),
                    "ls", "--tag", "system=odd", "latest");
            String server = "/lifeboat/postgres/127.0.0.1-" + pg.port();
            assertThat(ls.out()).contains(server + "/sales%2Feu.pgdump").contains(server + "/..%2Fx.pgdump")
                    .doesNotContain(server + "/sales/");
            p.query(c, "postgres", "drop database \"sales/eu\"", T);
            p.query(c, "postgres", "drop database \"../x\"", T);

            Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--yes");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(count(pg, "sales/eu", "t")).isEqualTo(2);
            assertThat(count(pg, "../x", "t")).isEqualTo(3);
        } finally {
            p.query(c, "postgres", "drop database if exists \"sales/eu\"", T);
            p.query(c, "postgres", "drop database if exists \"../x\"", T);
        }
    }

    @Test
    void mariadbBackupDropRecover() throws Exception {
        Path plan = dir.resolve("my.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                state-dir: state
                systems:
                  crm:
                    rpo: 1h
                    rto: 30m
                    backup: { sources: [ { mysql: { host: 127.0.0.1, port: %d, user: root, databases: [crm] } } ] }
                    restore: [ { mysql: { port: %d, user: root } } ]
                    verify:
                      - sql: { port: %d, user: root, database: crm, query: "select count(*) from customers", expect: ">= 2" }
                """.formatted(maria.port(), maria.port(), maria.port()));
        PlanRuns.lifeboat(plan, "backup", "--system", "crm").ok();
        MySql.locate().query(maria.connection("root", null), "", "drop database crm", T);

        Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--yes");
        r.ok();
        JsonNode crm = PlanRuns.system(PlanRuns.json(r), "crm");
        assertThat(crm.get("result").asText()).isEqualTo("recovered");
        assertThat(crm.get("checks").get(0).get("detail").asText()).isNotEmpty();
        assertThat(count(maria, "crm", "customers")).isEqualTo(2);
    }

    @Test
    void threeSystemsIntoTheAlternateSiteInDependencyOrder() throws Exception {
        Path prod = dir.resolve("prod");
        Files.createDirectories(prod.resolve("srv/share"));
        Files.writeString(prod.resolve("srv/share/index.txt"), "shared files\n");
        Files.writeString(prod.resolve("srv/share/scratch.tmp"), "excluded\n");
        PlanRuns.webapp(prod.resolve("opt/webapp"));
        int webPrimary = PlanRuns.freePort();
        Path plan = dir.resolve("three.yaml");
        Files.writeString(plan, """
                name: shop
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary:   { root: prod, pg_port: %d, pg_dir: "", web_port: %d }
                  alternate: { root: dr, pg_port: "${free-port}", pg_dir: "${temp-dir}", web_port: "${free-port}" }
                default-site: primary
                state-dir: state
                systems:
                  database:
                    owner: Dana (DBA)
                    rpo: 15m
                    rto: 20m
                    backup: { repository: local, sources: [ { postgres: { port: %d, user: postgres, databases: [shop] } } ] }
                    restore:
                      - postgres: { port: "${pg_port}", user: postgres, databases: [shop], create-server: "${pg_dir}" }
                    verify:
                      - sql: { port: "${pg_port}", database: shop, query: "select count(*) from orders", expect: ">= 1" }
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { path: prod/srv/share, exclude: ["*.tmp"] } ] }
                    restore:
                      - path: { from: prod/srv/share, to: "${root}/srv/share" }
                    verify:
                      - command: "test -s ${root}/srv/share/index.txt"
                      - files: {}
                  webapp:
                    depends-on: [database, files]
                    rpo: 24h
                    rto: 40m
                    backup: { repository: local, sources: [ { path: prod/opt/webapp } ] }
                    restore:
                      - path: { from: prod/opt/webapp, to: "${root}/opt/webapp" }
                      - command: { run: "${root}/opt/webapp/start.sh --port ${web_port} ${root}/srv/share/index.txt", background: true }
                    verify:
                      - http: { url: "http://127.0.0.1:${web_port}/health", status: 200, body: "ok shared files", within: 60s }
                """.formatted(pg.port(), webPrimary, pg.port()));
        PlanRuns.lifeboat(plan, "plan", "validate").ok();
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
        String prodBefore = Files.readString(prod.resolve("srv/share/index.txt"));

        Run r = PlanRuns.lifeboat(plan, "--json", "recover", "--site", "alternate", "--yes");
        JsonNode res = PlanRuns.json(r);
        for (JsonNode s : res.get("systems")) {
            for (JsonNode st : s.get("steps")) if (st.has("pid")) {
                if (st.has("server_dir")) started.add(new Server("postgres", Path.of(st.get("server_dir").asText()), 1, st.get("pid").asLong()));
                else processes.add(st.get("pid").asLong());
            }
        }
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(res.get("site").asText()).isEqualTo("alternate");
        assertThat(res.get("result").asText()).isEqualTo("recovered");
        JsonNode database = PlanRuns.system(res, "database"), files = PlanRuns.system(res, "files"), webapp = PlanRuns.system(res, "webapp");
        // Order of execution, from the recorded timeline: webapp only after both of its dependencies were back.
        Instant webStart = Instant.parse(webapp.get("started").asText());
        assertThat(webStart).isAfterOrEqualTo(Instant.parse(database.get("finished").asText()))
                .isAfterOrEqualTo(Instant.parse(files.get("finished").asText()));
        assertThat(database.get("wave").asInt()).isEqualTo(1);
        assertThat(webapp.get("wave").asInt()).isEqualTo(2);
        for (JsonNode s : List.of(database, files, webapp)) {
            for (JsonNode c : s.get("checks")) assertThat(c.get("result").asText()).as(s.get("name") + " " + c).isEqualTo("passed");
        }
        // Restored into the alternate paths and a new server; primary untouched.
        Path dr = dir.resolve("dr");
        assertThat(Files.readString(dr.resolve("srv/share/index.txt"))).isEqualTo("shared files\n");
        assertThat(Files.exists(dr.resolve("srv/share/scratch.tmp"))).as("excluded from the backup").isFalse();
        assertThat(Files.exists(dr.resolve("opt/webapp/start.sh"))).isTrue();
        assertThat(started).hasSize(1);
        assertThat(started.get(0).dir()).isNotEqualTo(pg.dir());
        assertThat(Files.readString(prod.resolve("srv/share/index.txt"))).isEqualTo(prodBefore);
        assertThat(count(pg, "shop", "orders")).isEqualTo(3);

        // The runbook follows the same plan: recovery order and the commands.
        Run rb = PlanRuns.lifeboat(plan, "runbook", "--site", "alternate").ok();
        assertThat(rb.out()).contains("Wave 1: database, files").contains("Wave 2: webapp").contains("Dana (DBA)")
                .contains("pg_restore").contains("lifeboat");
        assertThat(rb.out().indexOf("4.1 database")).isLessThan(rb.out().indexOf("webapp (wave 2)"));
    }
}
