package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Restic;

/**
 * Reads go pack by pack: restore (with and without --verify) and check --read-data read each pack
 * with one covering request (at most two), not one request per blob; a damaged blob costs only its
 * own file; and the result is byte for byte what restic's own restore writes, for small files
 * sharing packs and a 40 MB file spread over many 4 MiB packs. The repository is written by restic.
 */
class PackReadsTest {
    static final int SMALL = 2000;

    @TempDir
    static Path shared;

    static Path repoDir;
    static Path small;
    static Path mixed;
    static String smallSnap;
    static String mixedSnap;

    @TempDir
    Path dir;

    @BeforeAll
    static void backUp() throws Exception {
        repoDir = shared.resolve("repo");
        small = Files.createDirectories(shared.resolve("small"));
        mixed = Files.createDirectories(shared.resolve("mixed"));
        Random rnd = new Random(10);
        for (int i = 0; i < SMALL; i++) {
            byte[] b = new byte[200 + rnd.nextInt(800)];
            rnd.nextBytes(b);
            Path sub = Files.createDirectories(small.resolve("d" + (i % 20)));
            Files.write(sub.resolve("f" + i + ".bin"), b);
        }
        byte[] big = new byte[40_000_000];
        rnd.nextBytes(big);
        Files.write(mixed.resolve("big.bin"), big);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[100 + rnd.nextInt(3000)];
            rnd.nextBytes(b);
            Files.write(mixed.resolve("s" + i + ".txt"), b);
        }
        Files.write(mixed.resolve("empty"), new byte[0]);
        Files.write(mixed.resolve("zeros"), new byte[3_000_000]);
        Restic restic = new Restic(repoDir, shared.resolve("cache"));
        restic.run("init").ok();
        smallSnap = snapshotId(restic.runIn(small, "backup", "--pack-size", "4", "--json", ".").ok().out());
        mixedSnap = snapshotId(restic.runIn(mixed, "backup", "--pack-size", "4", "--json", ".").ok().out());
    }

    private static String snapshotId(String json) {
        for (String line : json.split("\n")) {
            int i = line.indexOf("\"snapshot_id\":\"");
            if (i >= 0) return line.substring(i + 15, line.indexOf('"', i + 15));
        }
        throw new AssertionError("no snapshot id in " + json);
    }

    /** The data packs holding blobs of the snapshot's files (by the index). */
    private static List<Id> dataPacks(Repository repo) {
        List<Id> out = new ArrayList<>();
        for (Map.Entry<Id, List<PackedBlob>> e : repo.index().byPack().entrySet()) {
            if (e.getValue().stream().anyMatch(b -> b.type() == BlobType.DATA)) out.add(e.getKey());
        }
        return out;
    }

    /** The root tree of the snapshot whose ID starts with {@code prefix}. */
    private static Id rootOf(Repository repo, String prefix) throws IOException {
        for (var s : repo.listSnapshots(w -> {})) if (s.id().hex().startsWith(prefix)) return s.tree();
        throw new AssertionError("no snapshot " + prefix);
    }

    private RestoreResult restore(Repository repo, String snap, Path target, boolean verify) throws IOException {
        Id tree = rootOf(repo, snap);
        return new Restorer(repo, new RestoreOptions(target, List.of(), List.of(), RestoreOptions.Overwrite.ALWAYS, verify, 0),
                "snapshot " + snap).run(tree, "");
    }

    private static void assertSameTree(Path expected, Path actual) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(expected)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            Path other = actual.resolve(expected.relativize(f).toString());
            assertThat(Files.mismatch(f, other)).as(other.toString()).isEqualTo(-1L);
        }
        try (Stream<Path> s = Files.walk(actual)) {
            assertThat(s.filter(Files::isRegularFile).count()).isEqualTo(files.size());
        }
    }

    @Test
    void restoreOf2000SmallFilesInOnePackReadsThatPackAtMostTwice() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Path target = dir.resolve("out");
            counting.reset();
            RestoreResult r = restore(repo, smallSnap, target, false);
            assertThat(r.damaged()).isEmpty();
            assertThat(r.failed()).isEmpty();
            assertSameTree(small, target);
            // which packs hold the small files' blobs: one pack (2,000 files of ~600 bytes < 4 MiB)
            List<Id> touched = new ArrayList<>();
            for (Id p : dataPacks(repo)) if (counting.packReads(p.hex()) > 0) touched.add(p);
            int trees = 0;
            for (Id p : touched) {
                boolean onlyTrees = repo.index().byPack().get(p).stream().allMatch(b -> b.type() == BlobType.TREE);
                if (onlyTrees) trees++;
            }
            Map<Id, List<PackedBlob>> byPack = repo.index().byPack();
            int smallPacks = 0;
            for (Id p : touched) {
                long n = byPack.get(p).stream().filter(b -> b.type() == BlobType.DATA).count();
                if (n >= SMALL / 2) {
                    smallPacks++;
                    // before: one request per blob (2,000); now one covering range
                    assertThat(counting.packReads(p.hex())).as("reads of pack " + p.shortHex()).isLessThanOrEqualTo(2);
                }
                assertThat(counting.packReads(p.hex())).isLessThanOrEqualTo(2);
            }
            assertThat(smallPacks).isEqualTo(1);
            assertThat(trees).isZero();
            System.out.println("restore of " + SMALL + " small files: " + counting.allPackReads() + " pack reads");
        }
    }

    @Test
    void restoreWithVerifyReadsNoPackAgain() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            List<Id> packs = dataPacks(repo);
            counting.reset();
            RestoreResult r = restore(repo, smallSnap, dir.resolve("out"), true);
            assertThat(r.verifyFailures()).isEmpty();
            assertThat(r.verifyFailureCount()).isZero();
            // trees are read pack-wise once for the space check, the walk and verify (TreeLoadsTest);
            // the data packs are read at most twice each, verify compares by hash without reading them
            for (Id p : packs) {
                long dataBlobs = repo.index().byPack().get(p).stream().filter(b -> b.type() == BlobType.DATA).count();
                if (dataBlobs > 0) assertThat(counting.packReads(p.hex())).isLessThanOrEqualTo(2);
            }
        }
    }

    @Test
    void restoreMatchesResticByteForByteWithFilesSpanningPacks() throws Exception {
        Path lifeboat = dir.resolve("lifeboat");
        Path judge = dir.resolve("restic");
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            counting.reset();
            RestoreResult r = restore(repo, mixedSnap, lifeboat, true);
            assertThat(r.damaged()).isEmpty();
            assertThat(r.failed()).isEmpty();
            assertThat(r.verifyFailures()).isEmpty();
            // the 40 MB file lies in several 4 MiB packs: each is read with at most two requests
            int touched = 0;
            for (Id p : dataPacks(repo)) {
                int n = counting.packReads(p.hex());
                assertThat(n).as("reads of pack " + p.shortHex()).isLessThanOrEqualTo(2);
                if (n > 0) touched++;
            }
            assertThat(touched).as("packs holding the 40 MB file").isGreaterThanOrEqualTo(5);
        }
        new Restic(repoDir, shared.resolve("cache")).run("restore", mixedSnap, "--target", judge.toString()).ok();
        assertSameTree(judge, lifeboat);
        assertSameTree(mixed, lifeboat);
        // the all-zero file is left as holes, as restic does
        assertThat(Files.size(lifeboat.resolve("zeros"))).isEqualTo(3_000_000);
    }

    @Test
    void filesClosedToBoundOpenFilesAreReopenedAndFilled() throws Exception {
        Path target = dir.resolve("out");
        try (Repository repo = Repository.open(new LocalBackend(repoDir), Restic.PASSWORD)) {
            repo.loadIndex();
            // one open file at most: the 40 MB file is closed whenever a small file opens, and reopened
            // (same inode, by descriptor) when its next blob arrives from another pack
            RestoreResult r = new Restorer(repo, new RestoreOptions(target, List.of(), List.of(),
                    RestoreOptions.Overwrite.ALWAYS, true, 0), "snapshot " + mixedSnap).maxOpenFiles(1)
                    .run(rootOf(repo, mixedSnap), "");
            assertThat(r.failed()).isEmpty();
            assertThat(r.damaged()).isEmpty();
            assertThat(r.verifyFailures()).isEmpty();
        }
        assertSameTree(mixed, target);
    }

    @Test
    void checkReadDataReadsEachPackOnce() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            counting.reset();
            CheckResult r = new Checker(repo).run(Checker.PackSubset.all());
            assertThat(r.errors()).isEmpty();
            List<Id> packs = new ArrayList<>(repo.index().byPack().keySet());
            assertThat(r.packsRead()).isEqualTo(packs.size());
            Map<Id, List<PackedBlob>> byPack = repo.index().byPack();
            for (Id p : packs) {
                // one whole-pack read each; the tree walk before it loads each tree blob once
                long trees = byPack.get(p).stream().filter(b -> b.type() == BlobType.TREE).count();
                assertThat(counting.packReads(p.hex())).as("reads of pack " + p.shortHex()).isEqualTo(1 + trees);
            }
        }
    }

    @Test
    void aJobCancelledWhileItsPackIsReadStopsWithinThatPack() throws Exception {
        org.lifeboat.backend.Cancel cancel = new org.lifeboat.backend.Cancel();
        java.util.Set<String> dataOnly = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // Cancelled as the first bytes of a pack holding only file data arrive: the 2,000 small
        // files share one such pack, so this is one range with thousands of files in it, streamed
        // blob by blob (the cancel is seen before the first blob is handed over).
        org.lifeboat.backend.Backend cancelling = new org.lifeboat.testutil.DelegatingBackend(new LocalBackend(repoDir)) {
            @Override
            public void load(org.lifeboat.backend.Handle h, long offset, int length, Reader consumer) throws IOException {
                if (!dataOnly.contains(h.name())) {
                    inner.load(h, offset, length, consumer);
                    return;
                }
                inner.load(h, offset, length, in -> consumer.read(new java.io.FilterInputStream(in) {
                    @Override
                    public int read() throws IOException {
                        cancel.cancel("interrupted");
                        return super.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        cancel.cancel("interrupted");
                        return super.read(b, off, len);
                    }
                }));
            }
        };
        try (Repository repo = Repository.open(cancelling, Restic.PASSWORD)) {
            repo.loadIndex();
            for (Id p : dataPacks(repo)) {
                if (repo.index().byPack().get(p).stream().allMatch(b -> b.type() == BlobType.DATA)) dataOnly.add(p.hex());
            }
            assertThat(dataOnly).isNotEmpty();
            Id tree = rootOf(repo, smallSnap);
            Path out = dir.resolve("out-cancel");
            Restorer r = new Restorer(repo, new RestoreOptions(out, List.of(), List.of(),
                    RestoreOptions.Overwrite.ALWAYS, false, 0), "snapshot " + smallSnap, cancel);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.run(tree, ""))
                    .isInstanceOf(org.lifeboat.backend.Cancel.Cancelled.class);
            long written;
            assertThat(out).as("the restore began before the data arrived").exists();
            try (var files = Files.walk(out)) {
                written = files.filter(Files::isRegularFile).filter(p -> {
                    try {
                        return Files.size(p) > 0;
                    } catch (IOException e) {
                        return false;
                    }
                }).count();
            }
            assertThat(written).as("files given content after the cancel").isLessThan(2);
        }
    }

    @Test
    void aCancelledJobStopsBeforeReadingPacks() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Id tree = rootOf(repo, smallSnap);
            org.lifeboat.backend.Cancel cancel = new org.lifeboat.backend.Cancel();
            cancel.cancel("interrupted");
            counting.reset();
            Restorer r = new Restorer(repo, new RestoreOptions(dir.resolve("out"), List.of(), List.of(),
                    RestoreOptions.Overwrite.ALWAYS, false, 0), "snapshot " + smallSnap, cancel);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.run(tree, ""))
                    .isInstanceOf(org.lifeboat.backend.Cancel.Cancelled.class).hasMessage("interrupted");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Checker(repo, cancel).run(Checker.PackSubset.all()))
                    .isInstanceOf(org.lifeboat.backend.Cancel.Cancelled.class);
            for (Id p : dataPacks(repo)) {
                if (repo.index().byPack().get(p).stream().allMatch(b -> b.type() == BlobType.DATA)) {
                    assertThat(counting.packReads(p.hex())).isZero();
                }
            }
        }
    }

    @Test
    void aDamagedBlobCostsOnlyItsFile() throws Exception {
        Path copy = dir.resolve("repo");
        copyTree(repoDir, copy);
        String victimPath;
        Id pack;
        try (Repository repo = Repository.open(new LocalBackend(copy), Restic.PASSWORD)) {
            repo.loadIndex();
            var node = org.lifeboat.repository.tree.TreeWalker.find(repo, rootOf(repo, smallSnap),
                    "/d3/f1003.bin");
            PackedBlob pb = repo.index().lookup(BlobType.DATA, node.content().getFirst());
            pack = pb.pack();
            victimPath = "/d3/f1003.bin";
            Path packFile = copy.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
            packFile.toFile().setWritable(true);
            try (RandomAccessFile f = new RandomAccessFile(packFile.toFile(), "rw")) {
                long at = pb.offset() + pb.length() / 2;
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0xff);
            }
        }
        CountingBackend counting = new CountingBackend(new LocalBackend(copy));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Path target = dir.resolve("out");
            counting.reset();
            RestoreResult r = restore(repo, smallSnap, target, false);
            assertThat(r.damaged()).hasSize(1);
            assertThat(r.damaged().getFirst()).startsWith(victimPath + ": 1 of 1 data blob unreadable")
                    .contains("data/" + pack.hex().substring(0, 2) + "/" + pack.hex());
            assertThat(counting.packReads(pack.hex())).isLessThanOrEqualTo(2);
            // every other file of that pack is whole
            try (Stream<Path> s = Files.walk(small)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    String rel = small.relativize(f).toString();
                    if (("/" + rel).equals(victimPath)) continue;
                    assertThat(Files.mismatch(f, target.resolve(rel))).as(rel).isEqualTo(-1L);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
