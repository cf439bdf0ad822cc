package org.lifeboat.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real PostgreSQL servers on 127.0.0.1 (one shared, one with a password), driven by the real tools. */
class PostgresTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final List<Server> SERVERS = new ArrayList<>();

    @TempDir
    static Path tmp;

    private static Postgres pg;
    private static Server server;
    private static DbConnection su;

    @BeforeAll
    static void startServer() throws IOException {
        // JUnit's temp folder is 0700 root; the postgres user must be able to reach the cluster inside it.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        pg = Postgres.locate();
        // initdb without its final fsync saves ~2.5 s here; the password server below takes the durable path.
        server = started(pg.createServer(tmp.resolve("main"), freePort(), "postgres", null, T, false));
        su = server.connection("postgres", null);
    }

    @AfterAll
    static void stopServers() throws IOException {
        IOException first = null;
        for (Server s : SERVERS) { // every one, even if one refuses
            try {
                s.stop(T);
            } catch (IOException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    private static Server started(Server s) {
        SERVERS.add(s);
        return s;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static byte[] readAll(InputStream stream) throws IOException {
        try (InputStream in = stream) {
            return in.readAllBytes();
        }
    }

    private static String sql(String db, String statements) throws IOException {
        return pg.query(su, db, statements, T);
    }

    @Test
    void serverIsLocalDurableAndRunning() throws IOException {
        assertThat(server.running()).isTrue();
        assertThat(server.kind()).isEqualTo("postgres");
        assertThat(sql("postgres", "SHOW listen_addresses")).isEqualTo("127.0.0.1");
        assertThat(sql("postgres", "SHOW fsync")).isEqualTo("on");
        assertThat(sql("postgres", "SHOW server_encoding")).isEqualTo("UTF8");
        assertThat(sql("postgres", "SHOW port")).isEqualTo(Integer.toString(server.port()));
        assertThat(server.dir().resolve(".s.PGSQL." + server.port())).exists();
        assertThat(server.logFile()).exists();
    }

    @Test
    void dumpDropAndRestoreBringsBackRowsAndRoles() throws IOException {
        sql("postgres", "CREATE ROLE shop_owner LOGIN PASSWORD 'owner-pw'; CREATE DATABASE shop OWNER shop_owner");
        sql("shop", """
                CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, qty int);
                ALTER TABLE orders OWNER TO shop_owner;
                INSERT INTO orders SELECT g, 'item ' || g, g % 7 FROM generate_series(1, 1000) g;
                UPDATE orders SET item = E'tab\\there\\nnew line | pipe ✓' WHERE id = 42;
                CREATE INDEX orders_item ON orders (item);
                CREATE VIEW big_orders AS SELECT * FROM orders WHERE qty > 5;
                ALTER VIEW big_orders OWNER TO shop_owner;
                """);
        assertThat(pg.databases(su)).contains("shop", "postgres").doesNotContain("template0", "template1");

        byte[] dump = readAll(pg.dump(su, "shop"));
        byte[] globals = readAll(pg.dumpGlobals(su));
        assertThat(new String(dump, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("PGDMP"); // custom format
        assertThat(new String(globals, StandardCharsets.UTF_8)).contains("CREATE ROLE shop_owner;");
        // Uncompressed (-Z0): the rows are in the archive as text, so Lifeboat's dedup sees them.
        assertThat(new String(dump, StandardCharsets.UTF_8)).contains("item 999");

        sql("postgres", "DROP DATABASE shop; DROP ROLE shop_owner");
        assertThat(sql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'shop_owner'")).isEqualTo("0");

        // Without the roles the restore stops at the first object owned by one, and says what to do.
        assertThatThrownBy(() -> pg.restore(su, "shop_too_early", new ByteArrayInputStream(dump), T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("pg_restore")
                .hasMessageContaining("role \"shop_owner\" does not exist")
                .hasMessageContaining("Restore the roles first");

        pg.restoreGlobals(su, new ByteArrayInputStream(globals), T); // CREATE ROLE postgres fails: expected
        pg.restore(su, "shop", new ByteArrayInputStream(dump), T);

        assertThat(sql("shop", "SELECT count(*) FROM orders")).isEqualTo("1000");
        assertThat(sql("shop", "SELECT item FROM orders WHERE id = 42")).isEqualTo("tab\there\nnew line | pipe ✓");
        assertThat(sql("shop", "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'")).isEqualTo("shop_owner");
        assertThat(sql("shop", "SELECT count(*) FROM big_orders")).isEqualTo(sql("shop", "SELECT count(*) FROM orders WHERE qty > 5"));
        assertThat(sql("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'shop_owner'")).isEqualTo("t");
        assertThat(sql("postgres", "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'shop_owner'"))
                .isEqualTo("t");

        // Onto an existing database: the archive's objects are replaced, whatever happened to them since.
        sql("shop", "DELETE FROM orders WHERE id > 10; DROP VIEW big_orders; UPDATE orders SET qty = -1");
        pg.restore(su, "shop", new ByteArrayInputStream(dump), T);
        assertThat(sql("shop", "SELECT count(*) FROM orders")).isEqualTo("1000");
        assertThat(sql("shop", "SELECT count(*) FROM orders WHERE qty < 0")).isEqualTo("0");
        assertThat(sql("shop", "SELECT count(*) FROM big_orders")).isNotEqualTo("0");

        // And under another name.
        pg.restore(su, "shop copy", new ByteArrayInputStream(dump), T);
        assertThat(sql("shop copy", "SELECT sum(qty) FROM orders")).isEqualTo(sql("shop", "SELECT sum(qty) FROM orders"));
    }

    @Test
    void dumpOfAMissingDatabaseFailsNamingPgDumpAndTheError() {
        assertThatThrownBy(() -> readAll(pg.dump(su, "no_such_db")))
                .isInstanceOfSatisfying(AppException.class, e -> {
                    assertThat(e.getMessage()).startsWith("pg_dump of database no_such_db at postgres@127.0.0.1:")
                            .contains("failed with exit code 1")
                            .contains("database \"no_such_db\" does not exist");
                    assertThat(e.exitCode()).isEqualTo(1);
                });
    }

    @Test
    void closingADumpStreamThrowsWhenPgDumpFailed() throws IOException {
        InputStream in = pg.dump(su, "no_such_db");
        // Nothing read: close() waits for pg_dump and reports its failure instead of passing as an empty dump.
        assertThatThrownBy(in::close)
                .isInstanceOf(AppException.class)
                .hasMessageContaining("pg_dump of database no_such_db")
                .hasMessageContaining("does not exist");
    }

    @Test
    void restoreGlobalsToleratesExistingRolesButNotOtherErrors() throws IOException {
        String ok = "CREATE ROLE postgres;\nALTER ROLE postgres WITH SUPERUSER LOGIN;\nCREATE ROLE globals_probe;\n";
        pg.restoreGlobals(su, new ByteArrayInputStream(ok.getBytes(StandardCharsets.UTF_8)), T);
        pg.restoreGlobals(su, new ByteArrayInputStream(ok.getBytes(StandardCharsets.UTF_8)), T); // twice: all exist now
        assertThat(sql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'globals_probe'")).isEqualTo("1");

        String bad = "CREATE ROLE globals_probe;\nCREATE TABLESPACE lost LOCATION '/nonexistent/lifeboat/ts';\n";
        assertThatThrownBy(() -> pg.restoreGlobals(su, new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("1 error(s)")
                .hasMessageContaining("/nonexistent/lifeboat/ts")
                .hasMessageNotContaining("globals_probe");
    }

    @Test
    void queryReturnsTheFirstColumnOfTheFirstRow() throws IOException {
        assertThat(sql("postgres", "SELECT 'a', 'b' UNION ALL SELECT 'c', 'd'")).isEqualTo("a");
        assertThat(sql("postgres", "SELECT 1 WHERE false")).isEmpty();
        assertThat(sql("postgres", "SELECT NULL")).isEmpty();
        assertThatThrownBy(() -> sql("postgres", "SELECT * FROM no_such_table"))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("psql")
                .hasMessageContaining("relation \"no_such_table\" does not exist");
    }

    @Test
    void commandsForRunbooksCarryNoPassword() throws IOException {
        DbConnection c = new DbConnection("db.example", 5433, "backup", "top-secret");
        List<String> dump = pg.dumpCommand(c, "shop");
        assertThat(dump.getFirst()).endsWith("/pg_dump");
        assertThat(dump).contains("--host=db.example", "--port=5433", "--username=backup", "--no-password",
                "--format=custom", "--compress=0", "--dbname=shop");
        assertThat(pg.restoreCommand(c, "shop", true)).contains("--clean", "--if-exists", "--exit-on-error");
        assertThat(pg.restoreCommand(c, "a=b", false)).contains("--dbname=dbname='a=b'").doesNotContain("--clean");
        assertThat(String.join(" ", dump) + pg.dumpGlobalsCommand(c) + pg.restoreGlobalsCommand(c)).doesNotContain("top-secret");
        assertThat(c.toString()).doesNotContain("top-secret");
    }

    @Test
    void passwordServerRefusesConnectionsWithoutIt() throws IOException {
        String password = "s3cret 'quoted' pass";
        Path dir = tmp.resolve("secured");
        List<Path> pwFilesBefore = initdbPasswordFiles();
        Server s = started(pg.createServer(dir, freePort(), "lifeboat_admin", password, T));
        assertThat(initdbPasswordFiles()).isEqualTo(pwFilesBefore); // the password file is gone again

        DbConnection withPw = s.connection("lifeboat_admin", password);
        assertThat(pg.query(withPw, "postgres", "SELECT current_user", T)).isEqualTo("lifeboat_admin");
        assertThat(pg.query(withPw, "postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", T))
                .isEqualTo("t");
        assertThatThrownBy(() -> pg.query(s.connection("lifeboat_admin", null), "postgres", "SELECT 1", T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("no password supplied");
        assertThatThrownBy(() -> pg.query(s.connection("lifeboat_admin", "wrong"), "postgres", "SELECT 1", T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("password authentication failed for user \"lifeboat_admin\"");

        s.stop(T);
        assertThat(s.running()).isFalse();
        s.stop(T); // stopping a stopped server is fine

        // A folder that already holds a cluster is started as it is, on the port asked for now.
        Server again = started(pg.createServer(dir, freePort(), "ignored", null, T));
        assertThat(again.pid()).isNotEqualTo(s.pid());
        assertThat(pg.query(again.connection("lifeboat_admin", password), "postgres", "SHOW port", T))
                .isEqualTo(Integer.toString(again.port()));
        again.stop(T);
        assertThat(again.running()).isFalse();
    }

    @Test
    void createServerOnTheFolderOfARunningServerReusesItOrRefusesWithoutKillingIt() throws IOException {
        Path dir = tmp.resolve("live");
        Server live = started(pg.createServer(dir, freePort(), "postgres", null, T, false));
        DbConnection c = live.connection("postgres", null);
        pg.query(c, "postgres", "CREATE TABLE still_here (n int)", T);

        // Same folder, same port: the running server is the answer, not restarted.
        long start = System.nanoTime();
        Server same = pg.createServer(dir, live.port(), "ignored", null, T);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        // the same server, marked as found running (a recovery never records or stops it)
        assertThat(same).isEqualTo(new Server(live.kind(), live.dir(), live.port(), live.pid(), true));
        assertThat(live.running()).isTrue();
        assertThat(pg.query(c, "postgres", "SELECT count(*) FROM still_here", T)).isEqualTo("0");

        // Another port: a clear refusal, and the running server is left alone.
        int other = freePort();
        assertThatThrownBy(() -> pg.createServer(dir, other, "ignored", null, T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("already runs from " + live.dir())
                .hasMessageContaining("on port " + live.port())
                .hasMessageContaining("not on port " + other);
        assertThat(live.running()).isTrue();
        assertThat(pg.query(c, "postgres", "SELECT count(*) FROM still_here", T)).isEqualTo("0");
        live.stop(T);
    }

    @Test
    void aPidFileNamingAnotherFoldersServerIsReportedAndThatServerLeftAlone() throws IOException {
        // A cluster copied while its server ran carries a postmaster.pid naming that (live) server.
        Path dir = tmp.resolve("copied");
        Server s = started(pg.createServer(dir, freePort(), "postgres", null, T, false));
        s.stop(T);
        Files.copy(server.pidFile(), dir.resolve("postmaster.pid"));
        assertThatThrownBy(() -> pg.createServer(dir, freePort(), "ignored", null, T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("names process " + server.pid())
                .hasMessageContaining("runs from " + server.dir());
        assertThat(server.running()).isTrue();
        assertThat(sql("postgres", "SELECT 1")).isEqualTo("1");
    }

    @Test
    void createServerRefusesAFolderWithOtherFiles() throws IOException {
        Path dir = tmp.resolve("occupied");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> pg.createServer(dir, freePort(), "postgres", null, T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("is not empty and holds no PostgreSQL cluster");
    }

    @Test
    void locatePrefersTheOverrideThenTheNewestVersion() throws IOException {
        Path root = tmp.resolve("fake-versions");
        for (String v : List.of("9.6", "10", "15", "notaversion")) {
            Path bin = Files.createDirectories(root.resolve(v).resolve("bin"));
            Path tool = Files.writeString(bin.resolve("pg_dump"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertThat(Postgres.locate(null, root, Optional.empty()).binDir()).isEqualTo(root.resolve("15/bin"));
        assertThat(Postgres.locate(root.resolve("10/bin").toString(), root, Optional.empty()).binDir())
                .isEqualTo(root.resolve("10/bin"));
        assertThatThrownBy(() -> Postgres.locate(tmp.toString(), root, Optional.empty()))
                .isInstanceOf(AppException.class).hasMessageContaining(Postgres.BIN_ENV);
        assertThat(Postgres.locate(null, tmp.resolve("none"), Optional.of(Path.of("/opt/pg/bin/pg_dump"))).binDir())
                .isEqualTo(Path.of("/opt/pg/bin"));
        assertThatThrownBy(() -> Postgres.locate(null, tmp.resolve("none"), Optional.empty()))
                .isInstanceOf(AppException.class).hasMessageContaining("not found");
    }

    private static List<Path> initdbPasswordFiles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("lifeboat-initdb-")).sorted().toList();
        }
    }
}
