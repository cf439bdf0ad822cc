package org.lifeboat.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real MariaDB server on 127.0.0.1 (plus a short-lived one with root as superuser), driven by the real tools. */
class MySqlTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String PASSWORD = "pa'ss\\word \"x\"";
    private static final List<Server> SERVERS = new ArrayList<>();

    @TempDir
    static Path tmp;

    private static MySql my;
    private static Server server;
    private static DbConnection su;

    @BeforeAll
    static void startServer() throws IOException {
        // JUnit's temp folder is 0700 root; the mysql user must be able to reach the server's folder inside it.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        my = MySql.locate();
        server = started(my.createServer(tmp.resolve("main"), PostgresTest.freePort(), "lbadmin", PASSWORD, T));
        su = server.connection("lbadmin", PASSWORD);
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

    private static byte[] readAll(InputStream stream) throws IOException {
        try (InputStream in = stream) {
            return in.readAllBytes();
        }
    }

    private static String sql(String db, String statements) throws IOException {
        return my.query(su, db, statements, T);
    }

    @Test
    void serverIsLocalAndRunning() throws IOException {
        assertThat(server.running()).isTrue();
        assertThat(server.kind()).isEqualTo("mysql");
        assertThat(sql(null, "SELECT @@bind_address")).isEqualTo("127.0.0.1");
        assertThat(sql(null, "SELECT @@port")).isEqualTo(Integer.toString(server.port()));
        assertThat(sql(null, "SELECT CURRENT_USER()")).isEqualTo("lbadmin@127.0.0.1");
        assertThat(sql(null, "SHOW GRANTS")).contains("ALL PRIVILEGES").contains("WITH GRANT OPTION");
        assertThat(server.logFile()).exists();
    }

    @Test
    void dumpDropAndRestoreNamedAndAllDatabases() throws IOException {
        sql(null, """
                CREATE DATABASE shop;
                CREATE DATABASE crm;
                CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(100) NOT NULL, qty INT) ENGINE=InnoDB;
                INSERT INTO shop.orders SELECT seq, CONCAT('item ', seq), seq % 7 FROM shop.seq_1_to_1000;
                UPDATE shop.orders SET item = 'tab\\there\\nnew line \\\\ back ✓' WHERE id = 42;
                CREATE TABLE shop.audit (n INT);
                CREATE TRIGGER shop.orders_audit AFTER DELETE ON shop.orders FOR EACH ROW INSERT INTO shop.audit VALUES (OLD.id);
                CREATE PROCEDURE shop.order_count() SELECT COUNT(*) FROM shop.orders;
                CREATE TABLE crm.customers (name VARCHAR(50));
                INSERT INTO crm.customers VALUES ('ada'), ('grace');
                """);
        assertThat(my.databases(su)).contains("shop", "crm").doesNotContain("mysql", "information_schema");

        byte[] shopOnly = readAll(my.dump(su, List.of("shop")));
        byte[] all = readAll(my.dump(su, List.of()));
        String shopText = new String(shopOnly, StandardCharsets.UTF_8);
        assertThat(shopText).contains("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`").contains("TRIGGER shop.orders_audit")
                .contains("CREATE DEFINER=").contains("order_count").doesNotContain("customers").doesNotContain("Dump completed on");
        assertThat(new String(all, StandardCharsets.UTF_8)).contains("`crm`").contains("`shop`").contains("global_priv");

        sql(null, "DROP DATABASE shop");
        my.restore(su, new ByteArrayInputStream(shopOnly), T);
        assertThat(sql("shop", "SELECT COUNT(*) FROM orders")).isEqualTo("1000");
        assertThat(sql("shop", "SELECT item FROM orders WHERE id = 42")).isEqualTo("tab\there\nnew line \\ back ✓");
        assertThat(sql(null, "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'shop'")).isEqualTo("1");
        assertThat(sql("shop", "CALL order_count()")).isEqualTo("1000");

        sql(null, "DROP DATABASE shop; DROP DATABASE crm");
        my.restore(su, new ByteArrayInputStream(all), T);
        assertThat(sql("shop", "SELECT SUM(qty) FROM orders")).isEqualTo("3003"); // sum of seq % 7 over 1..1000
        assertThat(sql("crm", "SELECT GROUP_CONCAT(name ORDER BY name) FROM customers")).isEqualTo("ada,grace");
        // The accounts came back with the mysql database: our superuser still gets in.
        assertThat(sql(null, "SELECT CURRENT_USER()")).isEqualTo("lbadmin@127.0.0.1");

        // Restoring over existing databases replaces the dumped tables (DROP TABLE IF EXISTS in the dump).
        sql("shop", "DELETE FROM orders WHERE id > 10");
        my.restore(su, new ByteArrayInputStream(shopOnly), T);
        assertThat(sql("shop", "SELECT COUNT(*) FROM orders")).isEqualTo("1000");
    }

    @Test
    void wrongPasswordIsAClearAppException() {
        String wrong = "Tr0ub4dor-not-it";
        assertThatThrownBy(() -> my.query(su.withPassword(wrong), null, "SELECT 1", T))
                .isInstanceOfSatisfying(AppException.class, e -> {
                    assertThat(e.getMessage()).contains("failed with exit code 1")
                            .contains("Access denied for user 'lbadmin'@'127.0.0.1' (using password: YES)")
                            .doesNotContain(wrong);
                    assertThat(e.command()).startsWith("mariadb ").doesNotContain(wrong);
                });
        assertThatThrownBy(() -> my.query(su.withPassword(null), null, "SELECT 1", T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("Access denied");
    }

    @Test
    void dumpOfAMissingDatabaseFailsNamingTheToolAndTheError() throws IOException {
        assertThatThrownBy(() -> readAll(my.dump(su, List.of("no_such_db"))))
                .isInstanceOf(AppException.class)
                .hasMessageStartingWith("mariadb-dump of database(s) no_such_db at lbadmin@127.0.0.1:")
                .hasMessageContaining("Unknown database 'no_such_db'");
        InputStream unread = my.dump(su, List.of("no_such_db"));
        assertThatThrownBy(unread::close).isInstanceOf(AppException.class).hasMessageContaining("no_such_db");
    }

    @Test
    void aFailingRestoreStopsAndSaysWhere() {
        String badSql = "CREATE DATABASE IF NOT EXISTS broken;\nUSE broken;\nCREATE TABLE t (a INT);\nINSERT INTO nope VALUES (1);\n";
        assertThatThrownBy(() -> my.restore(su, new ByteArrayInputStream(badSql.getBytes(StandardCharsets.UTF_8)), T))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("at line 4")
                .hasMessageContaining("broken.nope' doesn't exist");
    }

    @Test
    void queryUnescapesBatchOutput() throws IOException {
        assertThat(sql(null, "SELECT 'a\\tb', 'second column'")).isEqualTo("a\tb");
        assertThat(sql(null, "SELECT 1 FROM DUAL WHERE FALSE")).isEmpty();
        assertThat(MySql.unescape("x\\\\y\\nz\\0")).isEqualTo("x\\y\nz\0");
        assertThat(MySql.literal("it's a \\ test")).isEqualTo("'it\\'s a \\\\ test'");
    }

    @Test
    void commandsForRunbooksCarryNoPassword() {
        DbConnection c = new DbConnection("db.example", 3307, "backup", "top-secret");
        List<String> dump = my.dumpCommand(c, List.of("a", "b"));
        assertThat(dump).containsSubsequence("--no-defaults", "--host=db.example", "--port=3307", "--protocol=TCP",
                "--user=backup", "--single-transaction", "--routines", "--triggers", "--events", "--databases", "a", "b");
        assertThat(dump.get(1)).isEqualTo("--no-defaults"); // only honoured as the first argument
        assertThat(my.dumpCommand(c, List.of())).contains("--all-databases");
        assertThat(my.dumpCommand(c.withPassword(null), List.of())).doesNotContain("--no-defaults");
        assertThat(String.join(" ", dump) + my.restoreCommand(c)).doesNotContain("top-secret");
        assertThatThrownBy(() -> my.dumpCommand(c, List.of("--all-databases"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createServerOnTheFolderOfARunningServerReusesItOrRefusesAndLeavesItsSocketAlone() throws IOException {
        Path dir = tmp.resolve("live");
        Path socket = dir.resolve(MySql.SOCKET_FILE);
        Duration shortT = Duration.ofSeconds(20);
        Server live = started(my.createServer(dir, PostgresTest.freePort(), "lbadmin", PASSWORD, T));
        DbConnection c = live.connection("lbadmin", PASSWORD);
        my.query(c, null, "CREATE DATABASE still_here", T);

        // Same folder, same port: the running server is the answer, not a second mariadbd.
        long start = System.nanoTime();
        Server same = my.createServer(dir, live.port(), "ignored", null, shortT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        // the same server, marked as found running (a recovery never records or stops it)
        assertThat(same).isEqualTo(new Server(live.kind(), live.dir(), live.port(), live.pid(), true));
        assertThat(socket).exists();
        assertThat(my.databases(c)).contains("still_here");

        // Another port: a clear refusal; the server keeps running and keeps its socket.
        int other = PostgresTest.freePort();
        assertThatThrownBy(() -> my.createServer(dir, other, "ignored", null, shortT))
                .isInstanceOf(AppException.class)
                .hasMessageContaining("already runs from " + live.dir())
                .hasMessageContaining("on port " + live.port())
                .hasMessageContaining("not on port " + other);
        assertThat(live.running()).isTrue();
        assertThat(socket).exists();
        assertThat(my.databases(c)).contains("still_here");

        // Killed, it leaves its socket and pid file behind: both stale, so it starts again.
        ProcessHandle.of(live.pid()).orElseThrow().destroyForcibly();
        assertThat(Os.waitUntilGone(live.pid(), Duration.ofSeconds(10))).isTrue();
        assertThat(socket).exists();
        Server again = started(my.createServer(dir, other, "ignored", null, T));
        assertThat(again.pid()).isNotEqualTo(live.pid());
        assertThat(my.databases(again.connection("lbadmin", PASSWORD))).contains("still_here");
        again.stop(T);
    }

    @Test
    void aSocketSomethingListensOnIsNotDeleted() throws IOException {
        Path dir = tmp.resolve("listened");
        Server s = started(my.createServer(dir, PostgresTest.freePort(), "lbadmin", PASSWORD, T));
        s.stop(T);
        Path socket = dir.resolve(MySql.SOCKET_FILE);
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket)); // some server we know nothing of
            AppException refused = null;
            try {
                started(my.createServer(dir, PostgresTest.freePort(), "ignored", null, Duration.ofSeconds(20)));
            } catch (AppException e) {
                refused = e;
            }
            assertThat(refused).isNotNull().hasMessageContaining("listens on " + socket);
            assertThat(socket).exists();
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void rootAsSuperuserGetsThePasswordAndTheServerRestartsAsItWas() throws IOException {
        Path dir = tmp.resolve("rooted");
        Server s = started(my.createServer(dir, PostgresTest.freePort(), "root", "root-pw", T));
        DbConnection root = s.connection("root", "root-pw");
        assertThat(my.query(root, null, "SELECT CURRENT_USER()", T)).isEqualTo("root@127.0.0.1");
        assertThatThrownBy(() -> my.query(root.withPassword("nope"), null, "SELECT 1", T))
                .isInstanceOf(AppException.class).hasMessageContaining("Access denied for user 'root'");
        my.query(root, null, "CREATE DATABASE kept", T);

        s.stop(T);
        assertThat(s.running()).isFalse();
        s.stop(T); // stopping a stopped server is fine

        Server again = started(my.createServer(dir, PostgresTest.freePort(), "ignored", null, T));
        assertThat(my.databases(again.connection("root", "root-pw"))).contains("kept");
        again.stop(T);
        assertThat(again.running()).isFalse();
    }
}
