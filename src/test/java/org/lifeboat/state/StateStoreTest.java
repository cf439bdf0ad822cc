package org.lifeboat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.PlanRuns;

/**
 * The state (issue 13) on both of its databases: SQLite in the state folder and a real PostgreSQL
 * server shared by several hosts. Job runs, incidents (one per condition) and the fleet's
 * published status; migration from the drill-only schema 1.
 */
class StateStoreTest {
    private static final Duration T = Duration.ofSeconds(90);
    private static final Instant NOW = Instant.parse("2026-12-02T14:00:00Z");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Server pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        // the server runs as the system user postgres, which must reach its folder
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        pg = Postgres.locate().createServer(shared.resolve("pg"), PlanRuns.freePort(), "postgres", null, T);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) pg.stop(T);
    }

    /** A fresh database on the server, as its postgresql:// location. */
    private static String freshPostgres() throws Exception {
        String name = "lifeboat" + DATABASES.incrementAndGet();
        DbConnection c = pg.connection("postgres", null);
        Postgres.locate().query(c, "postgres", "create database " + name, T);
        return "postgresql://postgres@127.0.0.1:" + pg.port() + "/" + name;
    }

    private StateStore open(String db) throws Exception {
        return db.equals("sqlite") ? StateStore.open(tmp.resolve("state")) : StateStore.open(freshPostgres(), tmp);
    }

    private static JobRun run(String id, String host, String system, Instant started) {
        return new JobRun(id, host, system, "backup", "schedule", started, null, JobRun.RUNNING, -1, -1, -1, null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void jobRunsAreRecordedAtStartAndEnd(String db) throws Exception {
        try (StateStore store = open(db)) {
            JobLog log = new JobLog(store);
            JobRun a = run("j1", "h1", "files", NOW);
            log.started(a);
            assertThat(log.get("j1")).contains(a);
            JobRun done = new JobRun("j1", "h1", "files", "backup", "schedule", NOW, NOW.plusSeconds(3), JobRun.SUCCEEDED,
                    12, 3_000_000_000L, 1024, "ab".repeat(32), "12 files");
            log.finished(done);
            log.started(run("j2", "h1", "db", NOW.plusSeconds(60)));
            assertThat(log.get("j1")).contains(done);
            assertThat(log.get("j1").orElseThrow().duration()).isEqualTo(Duration.ofSeconds(3));
            assertThat(log.recent(null, null, 0)).extracting(JobRun::id).containsExactly("j2", "j1");
            assertThat(log.recent("files", "backup", 5)).extracting(JobRun::id).containsExactly("j1");
            assertThat(log.lastSuccess("h1", "files", "backup")).contains(done);
            assertThat(log.lastSuccess("h1", "db", "backup")).isEmpty();
            // a service killed mid-job: its next start closes what it left running
            assertThat(log.abandon("h1", NOW.plusSeconds(90), "the service stopped")).isEqualTo(1);
            assertThat(log.get("j2").orElseThrow().result()).isEqualTo(JobRun.CANCELLED);
            assertThat(log.deleteBefore(NOW.plusSeconds(4))).isEqualTo(1);
            assertThat(log.recent(null, null, 0)).extracting(JobRun::id).containsExactly("j2");
            assertThatThrownBy(() -> log.finished(done)).isInstanceOf(StateStoreException.class).hasMessageContaining("never recorded");
        }
    }

    private static JobRun ended(String id, String host, String system, String kind, Instant started, String result) {
        return new JobRun(id, host, system, kind, "schedule", started, started.plusSeconds(1), result, -1, -1, -1, null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void theNewestFinishedRunOfEachSystemAndKindIsOneQuery(String db) throws Exception {
        try (StateStore store = open(db)) {
            JobLog log = new JobLog(store);
            List<JobRun> runs = List.of(
                    ended("a1", "h1", "files", "backup", NOW, JobRun.SUCCEEDED),
                    ended("a2", "h1", "files", "backup", NOW.plusSeconds(60), JobRun.FAILED),
                    ended("a3", "h1", "files", "check", NOW.plusSeconds(10), JobRun.PARTIAL),
                    ended("b1", "h1", "db", "backup", NOW.plusSeconds(5), JobRun.FAILED),
                    ended("o1", "h2", "files", "backup", NOW.plusSeconds(90), JobRun.SUCCEEDED)); // another host
            for (JobRun r : runs) {
                log.started(new JobRun(r.id(), r.host(), r.system(), r.kind(), "schedule", r.started(), null, JobRun.RUNNING,
                        -1, -1, -1, null, null));
                log.finished(r);
            }
            log.started(run("a4", "h1", "files", NOW.plusSeconds(120))); // still running: says nothing yet
            assertThat(log.newestFinished("h1", false)).extracting(JobRun::id).containsExactlyInAnyOrder("a2", "a3", "b1");
            assertThat(log.newestFinished("h1", true)).extracting(JobRun::id).containsExactlyInAnyOrder("a1", "a3");
            assertThat(log.newestFinished("h3", false)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void anIncidentIsRaisedOnceAndResolvedOnce(String db) throws Exception {
        try (StateStore store = open(db)) {
            Incidents inc = new Incidents(store);
            assertThat(inc.raise("h1", "files", "rpo_breached", "too old", "{}", NOW)).isPresent();
            assertThat(inc.raise("h1", "files", "rpo_breached", "still too old", "{}", NOW.plusSeconds(60))).isEmpty();
            assertThat(inc.raise("h2", "files", "rpo_breached", "too old on h2", "{}", NOW)).isPresent();
            assertThat(inc.open("h1")).extracting(Incident::message).containsExactly("too old");
            assertThat(inc.open(null)).hasSize(2);
            Incident closed = inc.resolve("h1", "files", "rpo_breached", NOW.plusSeconds(120)).orElseThrow();
            assertThat(closed.since()).isEqualTo(NOW);
            assertThat(inc.resolve("h1", "files", "rpo_breached", NOW.plusSeconds(180))).isEmpty();
            assertThat(inc.open("h1")).isEmpty();
            // the same condition again later is a new incident
            assertThat(inc.raise("h1", "files", "rpo_breached", "again", "{}", NOW.plusSeconds(240))).isPresent();
            assertThat(inc.recent(0)).hasSize(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void eachHostPublishesItsOwnRows(String db) throws Exception {
        try (StateStore store = open(db)) {
            FleetStatus fleet = new FleetStatus(store);
            fleet.publish("h1", List.of(new FleetStatus.Row("h1", "files", NOW, "{\"a\":1}"),
                    new FleetStatus.Row("h1", "db", NOW, "{\"a\":2}")));
            fleet.publish("h2", List.of(new FleetStatus.Row("h2", "files", NOW, "{\"a\":3}")));
            fleet.publish("h1", List.of(new FleetStatus.Row("h1", "files", NOW.plusSeconds(5), "{\"a\":4}")));
            assertThat(fleet.all()).extracting(r -> r.host() + "/" + r.system() + "=" + r.statusJson())
                    .containsExactly("h1/files={\"a\":4}", "h2/files={\"a\":3}");
        }
    }

    @Test
    void twoServicesOnOnePostgresShareOneState() throws Exception {
        String url = freshPostgres();
        try (StateStore a = StateStore.open(url, tmp.resolve("a")); StateStore b = StateStore.open(url, tmp.resolve("b"))) {
            assertThat(a.shared()).isTrue();
            assertThat(a.file()).isNull();
            new FleetStatus(a).publish("alpha", List.of(new FleetStatus.Row("alpha", "files", NOW, "{}")));
            new FleetStatus(b).publish("beta", List.of(new FleetStatus.Row("beta", "db", NOW, "{}")));
            assertThat(new FleetStatus(a).all()).extracting(FleetStatus.Row::host).containsExactly("alpha", "beta");
        }
        // neither SQLite file was made: the state is the server's
        assertThat(Files.exists(tmp.resolve("a"))).isFalse();
    }

    @Test
    void aPostgresStateFromANewerLifeboatIsRefused() throws Exception {
        String url = freshPostgres();
        try (StateStore s = StateStore.open(url, tmp)) {
            s.write("bump", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("UPDATE lifeboat_schema SET version = 99");
                }
                return null;
            });
        }
        assertThatThrownBy(() -> StateStore.open(url, tmp)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("written by a newer Lifeboat (state schema 99");
    }

    @Test
    void aReadOnlyOpenCreatesNothingAndCannotWrite() throws Exception {
        // SQLite: no state yet, nothing made
        assertThat(StateStore.openReadOnly(null, tmp.resolve("none"))).isNull();
        assertThat(Files.exists(tmp.resolve("none"))).isFalse();
        try (StateStore s = StateStore.open(tmp.resolve("st"))) {
            new JobLog(s).started(run("j1", "h1", "files", NOW));
        }
        try (StateStore s = StateStore.openReadOnly("", tmp.resolve("st"))) {
            assertThat(new JobLog(s).get("j1")).isPresent();
            assertThatThrownBy(() -> new JobLog(s).started(run("j2", "h1", "files", NOW))).isInstanceOf(StateStoreException.class);
        }
        // PostgreSQL: a database no service prepared yet stays empty
        String url = freshPostgres();
        String db = url.substring(url.lastIndexOf('/') + 1);
        assertThat(StateStore.openReadOnly(url, tmp)).isNull();
        assertThat(Postgres.locate().query(pg.connection("postgres", null), db,
                "select count(*) from pg_tables where schemaname = 'public'", T).strip()).isEqualTo("0");
        try (StateStore s = StateStore.open(url, tmp)) {
            new JobLog(s).started(run("j1", "h1", "files", NOW));
        }
        try (StateStore s = StateStore.openReadOnly(url, tmp)) {
            assertThat(new JobLog(s).get("j1")).isPresent();
            assertThatThrownBy(() -> new JobLog(s).started(run("j2", "h1", "files", NOW))).isInstanceOf(StateStoreException.class);
        }
    }

    @Test
    void aSqliteFileRemovedWhileOpenIsMadeAgainNotWrittenIntoTheVoid() throws Exception {
        Path st = tmp.resolve("st");
        try (StateStore s = StateStore.open(st)) {
            new JobLog(s).started(run("j1", "h1", "files", NOW));
            assertThat(s.reopenIfRemoved()).isFalse();
            for (String f : List.of(StateStore.FILE_NAME, StateStore.FILE_NAME + "-wal", StateStore.FILE_NAME + "-shm")) {
                Files.deleteIfExists(st.resolve(f));
            }
            assertThat(s.reopenIfRemoved()).isTrue();
            new JobLog(s).started(run("j2", "h1", "files", NOW));
            assertThat(s.reopenIfRemoved()).isFalse();
        }
        try (StateStore again = StateStore.open(st)) {
            assertThat(new JobLog(again).recent(null, null, 0)).extracting(JobRun::id).containsExactly("j2");
        }
    }

    @Test
    void anotherApplicationsPostgresDatabaseIsLeftUntouched() throws Exception {
        String url = freshPostgres();
        String db = url.substring(url.lastIndexOf('/') + 1);
        Postgres.locate().query(pg.connection("postgres", null), db, "create table drills (x int)", T);
        assertThatThrownBy(() -> StateStore.open(url, tmp)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("is not a Lifeboat state database");
        String tables = Postgres.locate().query(pg.connection("postgres", null), db,
                "select string_agg(tablename, ',') from pg_tables where schemaname = 'public'", T);
        assertThat(tables.strip()).isEqualTo("drills");
    }

    @Test
    void unreachableAndMissingPostgresAreOneSentenceWithoutThePassword() throws Exception {
        int closed = PlanRuns.freePort();
        assertThatThrownBy(() -> StateStore.open("postgresql://lifeboat:s3cret@127.0.0.1:" + closed + "/x", tmp))
                .isInstanceOf(StateStoreException.class)
                .hasMessageStartingWith("postgresql://lifeboat:***@127.0.0.1:" + closed + "/x: cannot connect")
                .hasMessageContaining("cannot be reached")
                .message().doesNotContain("s3cret");
        assertThatThrownBy(() -> StateStore.open("postgresql://postgres@127.0.0.1:" + pg.port() + "/nosuchdb", tmp))
                .isInstanceOf(StateStoreException.class).hasMessageContaining("the database does not exist");
        assertThat(StateStore.redact("postgresql://u@h/db?sslmode=disable&password=qs-S3CRET&x=1"))
                .isEqualTo("postgresql://u@h/db?sslmode=disable&password=***&x=1");
        assertThatThrownBy(() -> StateStore.open("mysql://x/y", tmp)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("is not one Lifeboat knows");
        assertThatThrownBy(() -> StateStore.open("postgresql://127.0.0.1", tmp)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("names no host or no database");
    }

    @Test
    void aDrillOnlyDatabaseOfSchemaOneGainsTheServiceTablesAndKeepsItsDrills() throws Exception {
        Path dir = tmp.resolve("state");
        try (StateStore s = StateStore.open(dir)) {
            s.write("make it version 1", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP TABLE job_runs");
                    st.execute("DROP TABLE alerts");
                    st.execute("DROP TABLE system_status");
                    st.execute("DROP TABLE anomalies"); // schema 3's
                    st.execute("DROP TABLE runbooks"); // schema 4's
                    st.execute("INSERT INTO drills (id, started, result, report_json) VALUES ('d1', 'x', 'passed', '{}')");
                }
                return null;
            });
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(StateStore.FILE_NAME));
             Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 1");
        }
        try (StateStore s = StateStore.open(dir)) {
            new JobLog(s).started(run("j1", "h", "files", NOW));
            List<String> drills = s.read("read", c -> {
                List<String> ids = new ArrayList<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM drills")) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
                return ids;
            });
            assertThat(drills).containsExactly("d1");
        }
    }

    @Test
    void aDatabaseOfSchemaTwoGainsTheAnomalyScoresAndRunbookRecordsAndKeepsItsJobs() throws Exception {
        Path dir = tmp.resolve("state");
        try (StateStore s = StateStore.open(dir)) {
            new JobLog(s).started(run("j1", "h", "files", NOW));
            s.write("make it version 2", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP TABLE runbooks");
                    st.execute("DROP TABLE anomalies");
                }
                return null;
            });
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(StateStore.FILE_NAME));
             Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 2");
        }
        try (StateStore s = StateStore.open(dir)) {
            assertThat(new JobLog(s).get("j1")).isPresent();
            Runbooks runbooks = new Runbooks(s);
            assertThat(runbooks.recent(0)).isEmpty();
            Runbooks.Generated g = runbooks.record("abc123", "/etc/lifeboat/lifeboat.yaml", "primary", "html", "/tmp/rb.html", "h", NOW);
            assertThat(runbooks.recent(0)).containsExactly(g);
            assertThat(new AnomalyLog(s).of("files", 0)).isEmpty();
        }
    }
}
