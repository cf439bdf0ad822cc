package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lifeboat.drill.TestDrills.MIB;
import static org.lifeboat.drill.TestDrills.drill;
import static org.lifeboat.drill.TestDrills.system;
import static org.lifeboat.drill.TestDrills.viaJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.state.StateStoreException;

class DrillStoreTest {
    private static final Instant NOV1 = Instant.parse("2026-11-01T09:00:00Z");
    private static final Instant NOV8 = Instant.parse("2026-11-08T09:00:00.250Z");

    @TempDir
    Path tmp;

    /** Two drills: the first all passed, the second with db failing and web blocked behind it. */
    private static DrillReport first() {
        return drill("20261101-090000-a1b2", NOV1)
                .with(system("db").restored(300 * MIB, Duration.ofSeconds(20)).rto(Duration.ofSeconds(45), Duration.ofMinutes(10)),
                        system("web").wave(2).restored(5 * MIB, Duration.ofMillis(1500)).rto(Duration.ofSeconds(70),
                                Duration.ofMinutes(15)))
                .build();
    }

    private static DrillReport second() {
        return drill("20261108-090000-c3d4", NOV8).site("cloud").lasting(Duration.ofMinutes(7).plusMillis(125))
                .with(system("db").restored(320 * MIB, Duration.ofMillis(21_337)).failed("check tcp failed", null),
                        system("web").wave(2).blocked("db"))
                .build();
    }

    @Test
    void savesAndLoadsByIdPrefixAndLatest() throws Exception {
        DrillReport a = first();
        DrillReport b = second();
        try (DrillStore store = DrillStore.open(tmp.resolve("state"))) {
            store.save(a);
            store.save(b);
            assertThat(store.load(a.id())).isEqualTo(viaJson(a)).isEqualTo(a);
            assertThat(store.load("20261108")).isEqualTo(viaJson(b));
            assertThat(store.load("latest")).isEqualTo(viaJson(b));
            DrillReport back = store.load(" 20261101-090000-a1 ");
            assertThat(back.system("db").steps()).hasSize(2).extracting(org.lifeboat.recovery.StepResult::pid).containsExactly(null, 4242L);
            assertThat(back.system("db").checks()).singleElement().satisfies(c -> assertThat(c.attempts()).isEqualTo(3));
            assertThat(store.load(b.id()).system("web").result()).isEqualTo(DrillSystem.Outcome.BLOCKED);
        }
    }

    @Test
    void keepsDrillsAcrossOpens() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(first());
        }
        try (DrillStore store = DrillStore.open(tmp)) {
            assertThat(store.load("latest")).isEqualTo(viaJson(first()));
        }
    }

    @Test
    void unknownAmbiguousAndMissingDrillsAreClearErrors() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            String db = tmp.resolve("lifeboat.db").toString();
            assertThatThrownBy(() -> store.load("latest")).isInstanceOf(StateStoreException.class)
                    .hasMessage("no drills are recorded in " + db + " yet");
            store.save(first());
            store.save(second());
            assertThatThrownBy(() -> store.load("20261109")).isInstanceOf(StateStoreException.class)
                    .hasMessage("no drill '20261109' is recorded in " + db);
            assertThatThrownBy(() -> store.load("202611")).isInstanceOf(StateStoreException.class)
                    .hasMessage("'202611' matches several drills in " + db
                            + " (20261101-090000-a1b2, 20261108-090000-c3d4); give more of the id");
            assertThatThrownBy(() -> store.load(" ")).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("'latest'");
            // LIKE wildcards are not wildcards here
            assertThatThrownBy(() -> store.load("2026%")).hasMessageStartingWith("no drill '2026%'");
        }
    }

    @Test
    void refusesToRecordTheSameDrillTwice() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(first());
            assertThatThrownBy(() -> store.save(first())).isInstanceOf(StateStoreException.class)
                    .hasMessage(tmp.resolve("lifeboat.db") + ": drill 20261101-090000-a1b2 is already recorded");
            assertThat(store.list(0)).hasSize(1);
            assertThat(store.history(null, null)).hasSize(2); // the refused save left no rows behind
        }
    }

    @Test
    void aSaveThatFailsHalfwayLeavesNothing() throws Exception {
        // the second "db" breaks the (drill, system) key after the drill and the first system went in
        DrillReport twice = drill("20261101-090000-0bad", NOV1).with(system("db"), system("db").wave(2)).build();
        try (DrillStore store = DrillStore.open(tmp)) {
            assertThatThrownBy(() -> store.save(twice)).isInstanceOf(StateStoreException.class)
                    .hasMessageStartingWith(tmp.resolve("lifeboat.db") + ": cannot record drill 20261101-090000-0bad: SQLite: ");
            assertThat(store.list(0)).isEmpty();
            assertThat(store.history(null, null)).isEmpty();
            store.save(first()); // and the store is usable afterwards (no transaction left open)
            assertThat(store.list(0)).hasSize(1);
        }
    }

    @Test
    void listsNewestFirstWithCounts() throws Exception {
        DrillReport third = drill("20261115-090000-e5f6", NOV8.plus(Duration.ofDays(7)))
                .with(system("db"), system("web").wave(2), system("cache").wave(2)).build();
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(second());
            store.save(third);
            store.save(first());
            List<DrillSummary> all = store.list(0);
            assertThat(all).extracting(DrillSummary::id)
                    .containsExactly("20261115-090000-e5f6", "20261108-090000-c3d4", "20261101-090000-a1b2");
            assertThat(all.get(1)).isEqualTo(new DrillSummary("20261108-090000-c3d4", NOV8, "cloud", false, 2, 2,
                    Duration.ofMinutes(7).plusMillis(125)));
            assertThat(all.get(0)).isEqualTo(new DrillSummary("20261115-090000-e5f6", NOV8.plus(Duration.ofDays(7)),
                    "alternate", true, 3, 0, Duration.ofMinutes(12)));
            assertThat(store.list(2)).extracting(DrillSummary::id)
                    .containsExactly("20261115-090000-e5f6", "20261108-090000-c3d4");
        }
    }

    @Test
    void historyIsPerSystemPerDrillOldestFirstAndFilters() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(second());
            store.save(first());
            List<SystemRun> all = store.history(null, null);
            assertThat(all).extracting(r -> r.drillId() + "/" + r.name()).containsExactly(
                    "20261101-090000-a1b2/db", "20261101-090000-a1b2/web",
                    "20261108-090000-c3d4/db", "20261108-090000-c3d4/web");
            assertThat(all.getFirst()).isEqualTo(new SystemRun("20261101-090000-a1b2", NOV1, "db",
                    DrillSystem.Outcome.PASSED, Duration.ofMinutes(10), Duration.ofSeconds(45), Duration.ofHours(1),
                    Duration.ofMinutes(20), Duration.ofMinutes(47), 300 * MIB, Duration.ofSeconds(20)));
            SystemRun failedDb = all.get(2);
            assertThat(failedDb.started()).isEqualTo(NOV8);
            assertThat(failedDb.result()).isEqualTo(DrillSystem.Outcome.FAILED);
            assertThat(failedDb.rtoMeasured()).isNull();
            assertThat(failedDb.restoreTime()).isEqualTo(Duration.ofMillis(21_337));
            assertThat(all.get(3).restoreTime()).isNull();

            assertThat(store.history("db", null)).extracting(SystemRun::drillId)
                    .containsExactly("20261101-090000-a1b2", "20261108-090000-c3d4");
            assertThat(store.history(null, NOV8)).extracting(SystemRun::name).containsExactly("db", "web");
            assertThat(store.history("web", NOV8.plusMillis(1))).isEmpty();
            assertThat(store.history("nosuch", null)).isEmpty();
        }
    }

    @Test
    void createsAnOwnerOnlyFolderAndAVersionedWalDatabase() throws Exception {
        Path dir = tmp.resolve("var/lib/lifeboat");
        try (DrillStore store = DrillStore.open(dir)) {
            assertThat(store.file()).isEqualTo(dir.resolve("lifeboat.db"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (Connection c = sqlite(dir.resolve("lifeboat.db"))) {
            assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
            assertThat(pragma(c, "user_version")).isEqualTo(String.valueOf(org.lifeboat.state.StateStore.SCHEMA_VERSION));
            assertThat(pragma(c, "application_id")).isEqualTo(String.valueOf(0x4C494645));
            List<String> names = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")) {
                while (rs.next()) names.add(rs.getString(1));
            }
            assertThat(names).contains("drill_systems", "drill_systems_name_started", "drills", "drills_started",
                    "job_runs", "alerts", "system_status");
        }
    }

    @Test
    void twoStoresOnOneDatabaseBothSave() throws Exception {
        Path dir = tmp.resolve("shared");
        int each = 15;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int process = p;
                done.add(pool.submit(() -> {
                    go.await();
                    // Both open the fresh folder at the same moment: one creates the schema, the other waits.
                    try (DrillStore store = DrillStore.open(dir)) {
                        for (int i = 0; i < each; i++) {
                            Instant t = NOV1.plus(Duration.ofMinutes(i * 2L + process));
                            store.save(drill(DrillStore.newId(t), t).with(system("db"), system("web").wave(2)).build());
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        try (DrillStore a = DrillStore.open(dir); DrillStore b = DrillStore.open(dir)) {
            assertThat(a.list(0)).hasSize(2 * each);
            assertThat(b.history("web", null)).hasSize(2 * each);
            a.save(first());
            assertThat(b.load("latest").id()).isNotEqualTo(first().id()); // newest by start, not by save
            assertThat(b.load(first().id())).isEqualTo(viaJson(first()));
        }
    }

    @Test
    void manyOpeningAFreshFolderAtOnceAllGetTheSameStore() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 10; round++) {
                Path dir = tmp.resolve("round" + round);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Integer>> opened = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    opened.add(pool.submit(() -> {
                        go.await();
                        try (DrillStore store = DrillStore.open(dir)) {
                            return store.list(0).size();
                        }
                    }));
                }
                go.countDown();
                for (Future<Integer> f : opened) assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSaveWaitsForAnotherWriterInsteadOfFailing() throws Exception {
        try (DrillStore store = DrillStore.open(tmp); Connection other = sqlite(tmp.resolve("lifeboat.db"))) {
            try (Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                s.execute("INSERT INTO drills (id, started, result, report_json) VALUES ('x', '2000-01-01T00:00:00.000Z',"
                        + " 'passed', '{}')");
            }
            Thread release = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(700);
                    try (Statement s = other.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            store.save(first());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(500));
            release.join();
            assertThat(store.list(0)).extracting(DrillSummary::id).containsExactly(first().id());
        }
    }

    @Test
    void anUnwritableFolderIsAClearErrorNamingIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("readonly"));
        boolean root = isRoot();
        // root writes anywhere regardless of mode bits, but not into an immutable folder
        if (root) exec("chattr", "+i", dir.toString());
        else Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        try {
            assertThatThrownBy(() -> DrillStore.open(dir)).isInstanceOf(StateStoreException.class)
                    .hasMessage("cannot use " + dir.resolve("lifeboat.db") + ": the folder " + dir
                            + " is not writable (the database and its journal files live there); check its permissions");
        } finally {
            if (root) exec("chattr", "-i", dir.toString());
            else Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(dir.resolve("lifeboat.db")).doesNotExist();
    }

    @Test
    void aFileWhereTheFolderShouldBeIsAClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("state"), "not a folder");
        assertThatThrownBy(() -> DrillStore.open(file)).isInstanceOf(StateStoreException.class)
                .hasMessage("cannot create the state folder " + file + " for " + file.resolve("lifeboat.db") + ": "
                        + file + " exists and is not a folder");
        assertThatThrownBy(() -> DrillStore.open(file.resolve("sub"))).isInstanceOf(StateStoreException.class)
                .hasMessageStartingWith("cannot create the state folder " + file.resolve("sub"))
                .hasMessageContaining(file.toString());
    }

    @Test
    void aRandomFileNamedLifeboatDbIsNotAStateDatabase() throws Exception {
        byte[] junk = new byte[8192];
        new Random(7).nextBytes(junk);
        Path db = Files.write(tmp.resolve("lifeboat.db"), junk);
        assertThatThrownBy(() -> DrillStore.open(tmp)).isInstanceOf(StateStoreException.class)
                .hasMessage(db + " is not a Lifeboat state database (not an SQLite database at all);"
                        + " move it aside or use another state folder");
        assertThat(Files.readAllBytes(db)).isEqualTo(junk);
    }

    @Test
    void anotherApplicationsSqliteDatabaseIsLeftUntouched() throws Exception {
        Path db = tmp.resolve("lifeboat.db");
        try (Connection c = sqlite(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (text TEXT)");
        }
        byte[] before = Files.readAllBytes(db);
        assertThatThrownBy(() -> DrillStore.open(tmp)).isInstanceOf(StateStoreException.class)
                .hasMessage(db + " is not a Lifeboat state database (it is another application's SQLite database);"
                        + " move it aside or use another state folder");
        assertThat(Files.readAllBytes(db)).isEqualTo(before); // not even switched to WAL
    }

    @Test
    void aDamagedDatabaseIsAClearError() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(first());
        }
        Path db = tmp.resolve("lifeboat.db");
        byte[] bytes = Files.readAllBytes(db);
        java.util.Arrays.fill(bytes, 100, 4096, (byte) 0x5a); // the schema page after the valid header
        Files.write(db, bytes);
        assertThatThrownBy(() -> {
            try (DrillStore store = DrillStore.open(tmp)) {
                store.load("latest");
            }
        }).isInstanceOf(StateStoreException.class).hasMessageStartingWith(db + ": ").hasMessageContaining("damaged");
    }

    @Test
    void aDatabaseFromANewerLifeboatIsAClearError() throws Exception {
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(first());
        }
        Path db = tmp.resolve("lifeboat.db");
        try (Connection c = sqlite(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 7");
        }
        assertThatThrownBy(() -> DrillStore.open(tmp)).isInstanceOf(StateStoreException.class)
                .hasMessage(db + " was written by a newer Lifeboat (state schema 7, this version knows up to " + org.lifeboat.state.StateStore.SCHEMA_VERSION + ");"
                        + " use that newer Lifeboat");
    }

    @Test
    void anEmptyFileBecomesAStore() throws Exception {
        Files.createFile(tmp.resolve("lifeboat.db")); // e.g. touched by hand: SQLite's empty database
        try (DrillStore store = DrillStore.open(tmp)) {
            store.save(first());
            assertThat(store.list(0)).hasSize(1);
        }
    }

    @Test
    void idsAreUtcStartTimeAndFourHexDigits() {
        Instant t = Instant.parse("2026-11-22T05:49:07.913Z");
        assertThat(DrillStore.newId(t)).matches("20261122-054907-[0-9a-f]{4}");
        assertThat(DrillStore.newId(Instant.parse("2026-01-02T03:04:05Z"))).startsWith("20260102-030405-");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) ids.add(DrillStore.newId(t.plusSeconds(i * 3599L)));
        assertThat(ids).isSorted();
    }

    private static Connection sqlite(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean isRoot() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    }

    private static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}
