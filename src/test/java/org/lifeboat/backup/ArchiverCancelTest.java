package org.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.TestTrees;

/**
 * A backup cancelled mid-way (from its observer, after a number of files, while packs are being
 * uploaded) ends with {@link Cancel.Cancelled}, saves no snapshot, leaves only complete packs and
 * no lock, and the repository stays sound for restic and for the next backup. The per-file
 * observer reports new, changed and unchanged files with their byte counts.
 */
class ArchiverCancelTest {
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final int KIB = 1024;

    @TempDir
    Path dir;

    private static BackupOptions opts(Path target, Id parent) {
        return new BackupOptions(List.of(target.toString()), new Excludes(List.of(), List.of(), false), false,
                List.of(), "host", parent, false, false, null, 2, List.of(), false, false, null, false);
    }

    private static final Warnings NO_WARNINGS = (path, msg) -> {
        throw new AssertionError("unexpected warning: " + msg);
    };

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void aBackupCancelledMidWayLeavesNoSnapshotNoLockOnlyCompletePacksAndTheNextBackupWorks() throws Exception {
        Path early = Files.createDirectories(dir.resolve("early"));
        for (int i = 0; i < 3; i++) Files.write(early.resolve("e" + i), TestTrees.random(100 + i, 50 * KIB));
        Path big = Files.createDirectories(dir.resolve("big"));
        for (int i = 0; i < 40; i++) Files.write(big.resolve(String.format("f%02d", i)), TestTrees.random(i, 200 * KIB));
        Path repoDir = Files.createDirectories(dir.resolve("repo"));
        Restic restic = new Restic(repoDir, dir.resolve("cache"));
        try (Repository repo = Repository.init(new LocalBackend(repoDir), Restic.PASSWORD, 2, POLY)) {
            repo.setPackSize(256 * KIB); // many packs, so some are uploaded before the cancel
            Snapshot first = new Archiver(repo, opts(early, null), new Progress(), NO_WARNINGS).run().snapshot();

            Cancel cancel = new Cancel();
            AtomicInteger files = new AtomicInteger();
            BackupObserver stopAfterTen = new BackupObserver() {
                @Override
                public void onFile(FileEvent e) {
                    if (!e.dir() && files.incrementAndGet() == 10) cancel.cancel("stopped after ten files");
                }
            };
            try (RepositoryLock lock = repo.lock(false)) {
                assertThat(Files.list(repoDir.resolve("locks")).count()).isEqualTo(1);
                assertThatThrownBy(() -> new Archiver(repo, opts(big, null), new Progress(), NO_WARNINGS, stopAfterTen, cancel).run())
                        .isInstanceOf(Cancel.Cancelled.class).hasMessage("stopped after ten files");
            }
            assertThat(files.get()).as("the backup stopped long before its 40 files").isLessThan(40);
            assertThat(Files.list(repoDir.resolve("locks")).count()).as("no lock left").isZero();
            assertThat(repo.listSnapshots(w -> {})).as("no snapshot of the cancelled backup")
                    .extracting(Snapshot::id).containsExactly(first.id());
            List<Path> packs = files(repoDir.resolve("data"));
            assertThat(packs.size()).as("packs stored before the cancel").isGreaterThan(1);
            for (Path p : packs) {
                assertThat(sha256(p)).as("%s is complete (its content matches its name)", p).isEqualTo(p.getFileName().toString());
            }
            for (Path p : files(repoDir)) {
                assertThat(p.getFileName().toString()).as("no temporary file left: %s", p).matches("[0-9a-f]{64}|config");
            }
            restic.run("check", "--read-data").ok();
            Path out = dir.resolve("restored-early");
            restic.run("restore", first.id().hex(), "--target", out.toString()).ok();
            for (int i = 0; i < 3; i++) {
                assertThat(sha256(out.resolve(early.toString().substring(1)).resolve("e" + i))).isEqualTo(sha256(early.resolve("e" + i)));
            }

            BackupResult next = new Archiver(repo, opts(big, null), new Progress(), NO_WARNINGS).run();
            assertThat(next.snapshot()).isNotNull();
            assertThat(next.summary().filesNew()).isEqualTo(40);
            restic.run("check", "--read-data").ok();
            Path out2 = dir.resolve("restored-big");
            restic.run("restore", next.snapshot().id().hex(), "--target", out2.toString()).ok();
            for (Path f : files(big)) {
                assertThat(sha256(out2.resolve(f.toString().substring(1)))).as("%s restored by restic", f).isEqualTo(sha256(f));
            }
        }
    }

    @Test
    void theObserverHearsNewChangedAndUnchangedFilesWithTheirBytes() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] text = "a line of text that compresses very well\n".repeat(2500).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(src.resolve("text.txt"), text);
        Files.write(src.resolve("noise.bin"), TestTrees.random(7, 60 * KIB));
        Files.write(src.resolve("same.bin"), TestTrees.random(8, 30 * KIB));
        Path repoDir = Files.createDirectories(dir.resolve("repo"));
        try (Repository repo = Repository.init(new LocalBackend(repoDir), Restic.PASSWORD, 2, POLY)) {
            Map<String, FileEvent> one = new ConcurrentHashMap<>();
            BackupResult r1 = new Archiver(repo, opts(src, null), new Progress(), NO_WARNINGS, collect(one), Cancel.NEVER).run();
            FileEvent t = one.get(src.resolve("text.txt").toString());
            assertThat(t.status()).isEqualTo(FileEvent.Status.NEW);
            assertThat(t.size()).isEqualTo(text.length);
            assertThat(t.addedBytes()).isEqualTo(text.length);
            assertThat(t.compressionRatio()).as("text compresses").isGreaterThan(10);
            FileEvent n = one.get(src.resolve("noise.bin").toString());
            assertThat(n.status()).isEqualTo(FileEvent.Status.NEW);
            assertThat(n.addedBytes()).isEqualTo(60 * KIB);
            assertThat(n.storedBytes()).as("random data does not compress: stored with its encryption overhead")
                    .isBetween(60L * KIB, 60L * KIB + 100);
            assertThat(n.compressionRatio()).isLessThan(1);
            long filesStored = one.values().stream().filter(e -> !e.dir()).mapToLong(FileEvent::storedBytes).sum();
            assertThat(filesStored).as("the files' stored bytes are the summary's, less the trees'")
                    .isLessThan(r1.summary().dataAddedPacked()).isGreaterThan(r1.summary().dataAddedPacked() - 4 * KIB);

            Files.write(src.resolve("noise.bin"), TestTrees.random(9, 70 * KIB));
            Files.write(src.resolve("new.bin"), TestTrees.random(8, 30 * KIB)); // same content as same.bin
            Map<String, FileEvent> two = new ConcurrentHashMap<>();
            BackupResult r2 = new Archiver(repo, opts(src, r1.snapshot().id()), new Progress(), NO_WARNINGS, collect(two), Cancel.NEVER).run();
            FileEvent changed = two.get(src.resolve("noise.bin").toString());
            assertThat(changed.status()).isEqualTo(FileEvent.Status.CHANGED);
            assertThat(changed.size()).isEqualTo(70 * KIB);
            assertThat(changed.addedBytes()).isEqualTo(70 * KIB);
            for (String same : List.of("text.txt", "same.bin")) {
                FileEvent u = two.get(src.resolve(same).toString());
                assertThat(u.status()).as(same).isEqualTo(FileEvent.Status.UNCHANGED);
                assertThat(u.addedBytes()).as(same).isZero();
                assertThat(u.storedBytes()).as(same).isZero();
            }
            assertThat(two.get(src.resolve("text.txt").toString()).size()).isEqualTo(text.length);
            FileEvent dup = two.get(src.resolve("new.bin").toString());
            assertThat(dup.status()).isEqualTo(FileEvent.Status.NEW);
            assertThat(dup.size()).isEqualTo(30 * KIB);
            assertThat(dup.storedBytes()).as("its content was already stored (deduplicated)").isZero();
            assertThat(r2.summary().filesNew()).isEqualTo(1);
            assertThat(r2.summary().filesChanged()).isEqualTo(1);
            assertThat(r2.summary().filesUnmodified()).isEqualTo(2);
            assertThat(two.get(src.toString()).status()).as("the folder").isEqualTo(FileEvent.Status.CHANGED);
        }
    }

    /** A local backend whose pack saves fail from the third on, as a remote store that went away. */
    private static final class FailingBackend extends org.lifeboat.testutil.DelegatingBackend {
        final AtomicInteger packs = new AtomicInteger();

        FailingBackend(Path root) {
            super(new LocalBackend(root));
        }

        @Override
        public void save(org.lifeboat.backend.Handle h, byte[] data, int offset, int length) throws IOException {
            if (h.type() == org.lifeboat.backend.FileType.DATA && packs.incrementAndGet() > 2) {
                throw new IOException("connection reset by peer");
            }
            inner.save(h, data, offset, length);
        }
    }

    @Test
    void aFailedUploadFailsTheBackupNamingThePackWithNoSnapshotAndNoIndex() throws Exception {
        Path big = Files.createDirectories(dir.resolve("big"));
        for (int i = 0; i < 40; i++) Files.write(big.resolve(String.format("f%02d", i)), TestTrees.random(i, 200 * KIB));
        Path repoDir = Files.createDirectories(dir.resolve("repo"));
        AtomicInteger files = new AtomicInteger();
        BackupObserver count = new BackupObserver() {
            @Override
            public void onFile(FileEvent e) {
                if (!e.dir()) files.incrementAndGet();
            }
        };
        try (Repository repo = Repository.init(new FailingBackend(repoDir), Restic.PASSWORD, 2, POLY)) {
            repo.setPackSize(256 * KIB);
            assertThatThrownBy(() -> new Archiver(repo, opts(big, null), new Progress(), NO_WARNINGS, count, Cancel.NEVER).run())
                    .isInstanceOf(IOException.class).isNotInstanceOf(Cancel.Cancelled.class)
                    .hasMessageMatching("cannot store pack [0-9a-f]{8} \\(data/[0-9a-f]{64}\\): connection reset by peer");
            assertThat(files.get()).as("the other stages stopped soon after the failure").isLessThan(40);
            assertThat(repo.listSnapshots(w -> {})).isEmpty();
            assertThat(files(repoDir.resolve("index"))).as("no index names a pack that is not stored").isEmpty();
        }
        new Restic(repoDir, dir.resolve("cache")).run("check", "--read-data").ok();
    }

    private static BackupObserver collect(Map<String, FileEvent> into) {
        return new BackupObserver() {
            @Override
            public void onFile(FileEvent e) {
                into.put(e.path(), e);
            }
        };
    }
}
