package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileStat;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.testutil.DelegatingBackend;

/**
 * A repository's retention setting (S3 Object Lock) on the retention-keeping {@link MemoryBackend}:
 * kept in the config (a config without one unchanged byte for byte), applied to every write but
 * lock files, refused at init on storage without retention before anything is written, extended
 * by {@link RetentionKeeper}, reported by check, and removes it refuses said as such.
 */
class RetentionTest {
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Retention THIRTY_DAYS = Retention.parse("compliance", "30d");

    @TempDir
    Path dir;

    private static void at(MemoryBackend m, Instant t) {
        m.clock(Clock.fixed(t, ZoneOffset.UTC));
    }

    /** A backup's worth of files: blobs in a pack, an index, a snapshot. */
    private static Id snapshot(Repository repo, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        Id blob = Id.hash(data);
        repo.saveBlob(BlobType.DATA, blob, data, 0, data.length);
        byte[] tree = ("{\"nodes\":[{\"name\":\"f\",\"type\":\"file\",\"mode\":420,\"size\":" + data.length
                + ",\"content\":[\"" + blob.hex() + "\"]}]}\n").getBytes(StandardCharsets.UTF_8);
        Id treeId = Id.hash(tree);
        repo.saveBlob(BlobType.TREE, treeId, tree, 0, tree.length);
        repo.flush();
        Snapshot s = new Snapshot(null, OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC), null, treeId,
                List.of("/data"), "host", "user", 0, 0, List.of(), List.of(), null, "lifeboat-test", null);
        return repo.saveSnapshot(s).id();
    }

    private static List<Handle> all(Backend b) throws IOException {
        List<Handle> out = new ArrayList<>();
        for (FileType t : FileType.values()) {
            b.list(t, f -> out.add(new Handle(t, f.name())));
        }
        return out;
    }

    // ------------------------------------------------------------------ the setting

    @Test
    void aConfigWithoutRetentionIsWrittenByteForByteAsBeforeAndOneWithItKeepsItAsAnExtraField() throws Exception {
        assertThat(new String(new Config(2, "ab12", POLY).toJson(), StandardCharsets.UTF_8))
                .isEqualTo("{\"version\":2,\"id\":\"ab12\",\"chunker_polynomial\":\"3da3358b4dc173\"}");
        byte[] with = new Config(2, "ab12", POLY, Retention.parse("GOVERNANCE", "1d12h")).toJson();
        assertThat(new String(with, StandardCharsets.UTF_8)).isEqualTo("{\"version\":2,\"id\":\"ab12\",\"chunker_polynomial\":"
                + "\"3da3358b4dc173\",\"lifeboat_retention\":{\"mode\":\"governance\",\"period\":\"1d12h\"}}");
        Config back = Config.parse(with);
        assertThat(back.retention()).isEqualTo(new Retention(Retention.Mode.GOVERNANCE, Duration.ofHours(36)));
        assertThat(Config.parse(new Config(2, "ab12", POLY).toJson()).retention()).isNull();
        assertThatThrownBy(() -> Config.parse("{\"version\":2,\"id\":\"a\",\"chunker_polynomial\":\"3da3358b4dc173\",\"lifeboat_retention\":{\"mode\":\"compliance\",\"period\":\"0d\"}}"
                .getBytes(StandardCharsets.UTF_8)))
                .hasMessage("config has an invalid lifeboat_retention: retention period '0d' is zero; give a positive one such as 30d");
    }

    @Test
    void periodsAreDaysHoursAndMinutesAndZeroNegativeAndOverAHundredYearsAreRefusedInOneSentence() {
        assertThat(Retention.parse("compliance", "30d").period()).isEqualTo(Duration.ofDays(30));
        assertThat(Retention.parse("Compliance", "90m").periodText()).isEqualTo("1h30m");
        assertThat(Retention.parse("governance", "36525d").periodText()).isEqualTo("36525d");
        assertThatThrownBy(() -> Retention.parse("compliance", "0d")).hasMessage("retention period '0d' is zero; give a positive one such as 30d");
        assertThatThrownBy(() -> Retention.parse("compliance", "-1d"))
                .hasMessage("retention period '-1d' is negative; give a positive one such as 30d");
        assertThatThrownBy(() -> Retention.parse("compliance", "36526d")).hasMessage("retention period '36526d' is longer than 100 years");
        assertThatThrownBy(() -> Retention.parse("compliance", "30"))
                .hasMessage("retention period '30' is not a duration of days, hours and minutes such as 30d, 36h or 1d12h");
        assertThatThrownBy(() -> Retention.parse("compliance", "30s"))
                .hasMessage("retention period '30s' is not a duration of days, hours and minutes such as 30d, 36h or 1d12h");
        assertThatThrownBy(() -> Retention.parse("strict", "30d")).hasMessage("retention mode 'strict' is neither compliance nor governance");
    }

    // ------------------------------------------------------------------ every write but locks

    @Test
    void everyFileTheRepositoryWritesButLockFilesIsLockedForThePeriodInTheConfigsMode() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:retained");
        at(mem, T0);
        try (Repository repo = Repository.init(mem, "pw", 2, POLY, THIRTY_DAYS)) {
            snapshot(repo, "hello");
            repo.addKey("pw2", "u", "h");
            RepositoryLock lock = repo.lock(true, w -> {});
            List<Handle> files = all(mem);
            assertThat(files).extracting(Handle::type).contains(FileType.CONFIG, FileType.KEY, FileType.DATA, FileType.INDEX,
                    FileType.SNAPSHOT, FileType.LOCK);
            for (Handle h : files) {
                FileStat st = mem.stat(h);
                if (h.type() == FileType.LOCK) {
                    assertThat(st.retainUntil()).as("%s", h).isNull();
                } else {
                    assertThat(st.retainUntil()).as("%s", h).isEqualTo(T0.plus(Duration.ofDays(30)));
                    assertThat(mem.retentionMode(h)).as("%s", h).isEqualTo(PutOptions.Retention.COMPLIANCE);
                }
            }
            lock.close(); // a lock goes when its holder ends, whatever the retention
            assertThat(mem.list(FileType.LOCK)).isEmpty();
        }
        // and reopening finds the setting in the config
        try (Repository again = Repository.open(mem, "pw")) {
            assertThat(again.retention()).isEqualTo(THIRTY_DAYS);
        }
    }

    @Test
    void aRepositoryWithoutRetentionWritesEveryFileWithoutOne() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:plain");
        try (Repository repo = Repository.init(mem, "pw", 2, POLY)) {
            snapshot(repo, "hello");
            for (Handle h : all(mem)) assertThat(mem.stat(h).retainUntil()).as("%s", h).isNull();
            assertThat(repo.retention()).isNull();
        }
    }

    @Test
    void initWithRetentionOnStorageThatKeepsNoneIsRefusedNamingTheLocationAndWritesNothing() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("repo"));
        LocalBackend local = new LocalBackend(folder);
        assertThatThrownBy(() -> Repository.init(local, "pw", 2, POLY, THIRTY_DAYS))
                .isInstanceOf(RepositoryException.class)
                .hasMessage("refusing to create a repository with compliance retention of 30d at " + local.location()
                        + ": this storage keeps no retention; only an S3 bucket with Object Lock does, and nothing was written");
        try (var s = Files.list(folder)) {
            assertThat(s.toList()).isEmpty();
        }
        // a storage that takes the retention but does not keep it: the key it wrote is taken back
        MemoryBackend mem = new MemoryBackend("memory:forgetful");
        Backend forgetful = new DelegatingBackend(mem) {
            @Override
            public void retain(Handle h, PutOptions.Retention mode, Instant until) throws IOException {
                throw Backend.missing(h, location());
            }
        };
        assertThatThrownBy(() -> Repository.init(forgetful, "pw", 2, POLY, THIRTY_DAYS))
                .hasMessageContaining("it stored a file without the retention asked for");
        assertThat(all(mem)).isEmpty();
    }

    // ------------------------------------------------------------------ removes refused

    @Test
    void removingALockedKeySaysWhichAndUntilWhenAndRemovesNothing() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:keys");
        at(mem, T0);
        try (Repository repo = Repository.init(mem, "pw", 2, POLY, THIRTY_DAYS)) {
            Id second = repo.addKey("pw2", "u", "h");
            assertThatThrownBy(() -> repo.removeKey(second))
                    .isInstanceOf(RetainedException.class)
                    .hasMessage("keys/" + second.hex() + " in memory:keys is locked by the storage's retention (S3 Object Lock)"
                            + " until 2026-12-01T00:00:00Z and cannot be removed before then; nothing was removed");
            assertThat(mem.list(FileType.KEY)).hasSize(2);
            Id current = repo.keyId();
            RetainedException e = org.junit.jupiter.api.Assertions.assertThrows(RetainedException.class,
                    () -> repo.changePassword("pw3", "u", "h"));
            Id added = repo.listKeys(w -> { throw new AssertionError(w); }).stream().map(Repository.KeyInfo::id).filter(k -> !k.equals(current) && !k.equals(second))
                    .findFirst().orElseThrow();
            assertThat(e).hasMessage("keys/" + current.hex() + " in memory:keys is locked by the storage's retention (S3 Object Lock)"
                    + " until 2026-12-01T00:00:00Z and cannot be removed before then; nothing was removed; the new key "
                    + added.shortHex() + " was saved, so both the old and the new password open the repository until then");
            assertThat(mem.list(FileType.KEY)).hasSize(3);
            assertThat(repo.lockedUntil(Repository.FileKind.KEY, second)).isEqualTo(T0.plus(Duration.ofDays(30)));
            assertThat(repo.configLockedUntil()).isEqualTo(T0.plus(Duration.ofDays(30)));
            // once the retention ends, the same remove goes through
            at(mem, T0.plus(Duration.ofDays(31)));
            repo.removeKey(second);
            assertThat(mem.list(FileType.KEY)).hasSize(2);
        }
    }

    @Test
    void removeFileOfALockedSnapshotIsRefusedWithItsRetainUntil() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:forget");
        at(mem, T0);
        try (Repository repo = Repository.init(mem, "pw", 2, POLY, Retention.parse("governance", "2d"))) {
            Id snap = snapshot(repo, "x");
            RetainedException e = org.junit.jupiter.api.Assertions.assertThrows(RetainedException.class,
                    () -> repo.removeFile(Repository.FileKind.SNAPSHOT, snap));
            assertThat(e.file()).isEqualTo("snapshots/" + snap.hex());
            assertThat(e.until()).isEqualTo(T0.plus(Duration.ofDays(2)));
            assertThat(repo.listFiles(Repository.FileKind.SNAPSHOT)).containsExactly(snap);
        }
    }

    @Test
    void aLockFileTheStorageRetainedAnywayIsNamedWithItsRetainUntilWhenUnlockRemovesIt() throws Exception {
        // e.g. a bucket with a default retention rule, which locks lock files too
        MemoryBackend mem = new MemoryBackend("memory:unlock");
        at(mem, T0);
        try (Repository repo = Repository.init(mem, "pw", 2, POLY)) {
            byte[] stored = repo.crypto().encrypt("{}".getBytes(StandardCharsets.UTF_8));
            Id lock = Id.hash(stored);
            mem.save(new Handle(FileType.LOCK, lock.hex()), stored, 0, stored.length,
                    new PutOptions(PutOptions.Retention.GOVERNANCE, Duration.ofHours(6)));
            assertThatThrownBy(() -> repo.removeLock(lock)).isInstanceOf(RetainedException.class)
                    .hasMessage("locks/" + lock.hex() + " in memory:unlock is locked by the storage's retention (S3 Object Lock)"
                            + " until 2026-11-01T06:00:00Z and cannot be removed before then; nothing was removed");
            // a refusal that is no retention stays what it was
            Backend readOnly = new DelegatingBackend(mem) {
                @Override
                public void remove(Handle h) throws IOException {
                    throw new org.lifeboat.backend.StorageError.Denied(location() + "/" + h, "permission denied");
                }
            };
            try (Repository other = Repository.open(readOnly, "pw")) {
                Id key = other.addKey("pw2", "u", "h");
                assertThatThrownBy(() -> other.removeKey(key)).isInstanceOf(org.lifeboat.backend.StorageError.Denied.class);
            }
        }
    }

    // ------------------------------------------------------------------ extend

    /** Counts requests and the most stat/retain requests in flight at once. */
    private static final class Counting extends DelegatingBackend {
        final AtomicInteger stats = new AtomicInteger();
        final AtomicInteger dataStats = new AtomicInteger();
        final AtomicInteger retains = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();

        Counting(Backend inner) {
            super(inner);
        }

        private void enter() {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // a request's latency, so that requests overlap
        }

        @Override
        public FileStat stat(Handle h) throws IOException {
            stats.incrementAndGet();
            if (h.type() == FileType.DATA) dataStats.incrementAndGet();
            enter();
            try {
                return inner.stat(h);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public boolean exists(Handle h) throws IOException {
            return inner.exists(h);
        }

        @Override
        public long size(Handle h) throws IOException {
            return inner.size(h);
        }

        @Override
        public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
            inner.save(h, data, offset, length, options);
        }

        @Override
        public void retain(Handle h, PutOptions.Retention mode, Instant until) throws IOException {
            retains.incrementAndGet();
            enter();
            try {
                inner.retain(h, mode, until);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Test
    void aGovernanceFileInAComplianceRepositoryIsAProblemForCheckAndExtendMakesItCompliance() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:weaker");
        at(mem, T0);
        try (Repository repo = Repository.init(mem, "pw", 2, POLY, THIRTY_DAYS)) {
            snapshot(repo, "a");
            // Locked for longer than the period, but only in GOVERNANCE mode (bypassable).
            byte[] other = "weak".getBytes(StandardCharsets.UTF_8);
            Handle weak = new Handle(FileType.SNAPSHOT, Id.hash(other).hex());
            mem.save(weak, other, 0, other.length, new PutOptions(PutOptions.Retention.GOVERNANCE, Duration.ofDays(60)));
            assertThat(mem.stat(weak).retentionMode()).isEqualTo(PutOptions.Retention.GOVERNANCE);

            RetentionKeeper.Report report = RetentionKeeper.inspect(repo, T0, 2, Cancel.NEVER);
            assertThat(report.problems()).extracting(RetentionKeeper.Short::file).containsExactly(weak.toString());
            assertThat(org.lifeboat.check.Checker.retentionErrors(THIRTY_DAYS, report)).singleElement().asString()
                    .contains(weak.toString()).contains("only in governance mode").contains("retention extend");

            RetentionKeeper.Summary s = RetentionKeeper.extend(repo, T0, false, 2, Cancel.NEVER);
            assertThat(s.extended()).isEqualTo(1);
            assertThat(mem.stat(weak).retentionMode()).isEqualTo(PutOptions.Retention.COMPLIANCE);
            assertThat(mem.stat(weak).retainUntil()).isEqualTo(T0.plus(Duration.ofDays(60)));
            assertThat(RetentionKeeper.inspect(repo, T0, 2, Cancel.NEVER).ok()).isTrue();
        }
    }

    @Test
    void extendMovesTheLocksOfFilesInUseThatRunOutWithinThePeriodAndLeavesTheOthersAndLocks() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:extend", 8);
        Counting counting = new Counting(mem);
        at(mem, T0);
        Instant later = T0.plus(Duration.ofDays(2));
        try (Repository repo = Repository.init(counting, "pw", 2, POLY, THIRTY_DAYS)) {
            for (int i = 0; i < 12; i++) snapshot(repo, "old " + i);
            List<Handle> old = all(mem);
            // a pack no index names (prune's to remove), then two days on: a new snapshot, a lock file
            mem.save(new Handle(FileType.DATA, Id.hash("orphan".getBytes()).hex()), "orphan".getBytes(),
                    0, 6, new PutOptions(PutOptions.Retention.COMPLIANCE, Duration.ofDays(30)));
            at(mem, later);
            Id fresh = snapshot(repo, "new");
            RepositoryLock lock = repo.lock(false, w -> {});
            int inUse = RetentionKeeper.inUse(repo).size();
            counting.retains.set(0);

            RetentionKeeper.Summary s = RetentionKeeper.extend(repo, later, false, 3, Cancel.NEVER);

            assertThat(s.failures()).isEmpty();
            assertThat(s.checked()).isEqualTo(inUse);
            assertThat(s.extended()).isEqualTo(old.size()); // config, key, 12 × (data+tree pack, index, snapshot)
            assertThat(s.longEnough()).isEqualTo(inUse - old.size()); // the new snapshot's files
            for (Handle h : old) assertThat(mem.stat(h).retainUntil()).as("%s", h).isEqualTo(later.plus(Duration.ofDays(30)));
            assertThat(mem.stat(new Handle(FileType.SNAPSHOT, fresh.hex())).retainUntil()).isEqualTo(later.plus(Duration.ofDays(30)));
            assertThat(mem.stat(new Handle(FileType.DATA, Id.hash("orphan".getBytes()).hex())).retainUntil())
                    .as("a pack no index names is left to run out").isEqualTo(T0.plus(Duration.ofDays(30)));
            for (Handle h : mem.list(FileType.LOCK).stream().map(f -> new Handle(FileType.LOCK, f.name())).toList()) {
                assertThat(mem.stat(h).retainUntil()).isNull();
            }
            assertThat(counting.retains.get()).isEqualTo(old.size());
            assertThat(counting.maxInFlight.get()).isBetween(1, 3);
            // a day later nothing is due yet (29 days left is the limit): one stat each, no retain
            counting.retains.set(0);
            RetentionKeeper.Summary again = RetentionKeeper.extend(repo, later.plus(Duration.ofHours(12)), false, 3, Cancel.NEVER);
            assertThat(again.extended()).isZero();
            assertThat(again.longEnough()).isEqualTo(inUse);
            assertThat(counting.retains.get()).isZero();
            // --all extends every file in use whatever it has left
            assertThat(RetentionKeeper.extend(repo, later.plus(Duration.ofHours(12)), true, 3, Cancel.NEVER).extended()).isEqualTo(inUse);
            lock.close();
        }
    }

    @Test
    void extendNamesTheFilesItCouldNotExtendAndExtendsTheRest() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:failing");
        at(mem, T0);
        Id[] refused = new Id[1];
        Backend refusing = new DelegatingBackend(mem) {
            @Override
            public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
                inner.save(h, data, offset, length, options);
            }

            @Override
            public void retain(Handle h, PutOptions.Retention mode, Instant until) throws IOException {
                if (refused[0] != null && h.name().equals(refused[0].hex())) {
                    throw new org.lifeboat.backend.StorageError.Denied(location() + "/" + h, "AccessDenied (403)");
                }
                inner.retain(h, mode, until);
            }
        };
        try (Repository repo = Repository.init(refusing, "pw", 2, POLY, THIRTY_DAYS)) {
            refused[0] = snapshot(repo, "a");
            Id other = snapshot(repo, "b");
            // a pack the index names but the storage lost
            Id lost = repo.indexedPacks().iterator().next();
            at(mem, T0.plus(Duration.ofDays(31)));
            mem.remove(new Handle(FileType.DATA, lost.hex()));
            RetentionKeeper.Summary s = RetentionKeeper.extend(repo, T0.plus(Duration.ofDays(31)), false, 2, Cancel.NEVER);
            assertThat(s.failures()).containsExactlyInAnyOrder(
                    new RetentionKeeper.Failure("snapshots/" + refused[0].hex(), "AccessDenied (403)"),
                    new RetentionKeeper.Failure("data/" + lost.hex(), "it is missing"));
            assertThat(s.extended()).isEqualTo(s.checked() - 2);
            assertThat(mem.stat(new Handle(FileType.SNAPSHOT, other.hex())).retainUntil()).isEqualTo(T0.plus(Duration.ofDays(61)));
        }
    }

    @Test
    void extendOnARepositoryWithoutRetentionIsRefusedInOneSentence() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:none");
        try (Repository repo = Repository.init(mem, "pw", 2, POLY)) {
            assertThatThrownBy(() -> RetentionKeeper.extend(repo, Instant.now(), false, 2, Cancel.NEVER))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageStartingWith("the repository at memory:none keeps no retention");
        }
    }

    // ------------------------------------------------------------------ check

    @Test
    void checkReportsFilesNotLockedOrLockedTooBrieflyOnlyWhenTheConfigAsksForRetention() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:check");
        Counting counting = new Counting(mem);
        at(mem, T0);
        Id unlocked;
        try (Repository repo = Repository.init(counting, "pw", 2, POLY, THIRTY_DAYS)) {
            snapshot(repo, "a");
            // a snapshot another tool (restic) wrote: no retention
            unlocked = Id.hash("x".getBytes());
            Snapshot s = new Snapshot(null, OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC), null,
                    repo.loadSnapshot(repo.list(FileType.SNAPSHOT).getFirst()).tree(), List.of("/data"), "host", "user", 0, 0,
                    List.of(), List.of(), null, "restic", null);
            byte[] plain = s.toJson();
            byte[] stored = repo.crypto().encrypt(plain);
            unlocked = Id.hash(stored);
            mem.save(new Handle(FileType.SNAPSHOT, unlocked.hex()), stored);
        }
        try (Repository repo = Repository.open(counting, "pw")) {
            counting.dataStats.set(0);
            // right after the backup: only the file without a lock
            CheckResult r = new Checker(repo).clock(() -> T0).run(null);
            assertThat(r.errors()).containsExactly("retention: snapshots/" + unlocked.hex()
                    + " is not locked (the config asks for compliance retention of 30d)");
            assertThat(r.retention().checked()).isEqualTo(RetentionKeeper.inUse(repo).size());
            int packs = repo.indexedPacks().size();
            assertThat(packs).isEqualTo(2);
            assertThat(counting.dataStats.get()).isEqualTo(packs);
            // three days later nobody extended: everything is locked too briefly (less than 28 days left)
            Instant later = T0.plus(Duration.ofDays(3));
            CheckResult late = new Checker(repo).clock(() -> later).run(null);
            assertThat(late.retention().problems()).hasSize(late.retention().checked());
            assertThat(late.errors()).contains("retention: config is locked only until 2026-12-01T00:00:00Z, sooner than the period"
                    + " less 2 × 1d from now (compliance retention of 30d); run 'lifeboat retention extend'");
            // extended: clean again
            RetentionKeeper.extend(repo, later, false, 2, Cancel.NEVER);
            at(mem, later);
            assertThat(new Checker(repo).clock(() -> later).run(null).errors()).isEmpty();
        }
        // without retention: no stat of any pack, no retention section
        MemoryBackend plain = new MemoryBackend("memory:plain");
        Counting plainCounting = new Counting(plain);
        try (Repository repo = Repository.init(plainCounting, "pw", 2, POLY)) {
            snapshot(repo, "a");
            snapshot(repo, "b");
            CheckResult r = new Checker(repo).run(null);
            assertThat(r.ok()).isTrue();
            assertThat(r.retention()).isNull();
            assertThat(plainCounting.dataStats.get()).isZero();
        }
    }

    @Test
    void checkSummarisesWhenManyFilesAreNotLockedLongEnough() {
        List<RetentionKeeper.Short> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) many.add(new RetentionKeeper.Short("data/" + String.format("%064d", i), null));
        var errors = Checker.retentionErrors(THIRTY_DAYS, new RetentionKeeper.Report(30, many, List.of()));
        assertThat(errors).hasSize(21);
        assertThat(errors.getLast()).isEqualTo("retention: … and 5 more files not locked long enough (25 in all;"
                + " 'lifeboat check --json' lists them)");
    }
}
