package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.BackendMetrics;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Restic;

/**
 * Trees are loaded pack-wise and once: a restore of a snapshot with 200 folders (three levels of
 * trees, written by restic into one or two tree packs) reads each tree pack once, not once per
 * tree (nor once per level), and decodes each tree once although the space check and the walk both visit
 * it; through a backend with 20 ms injected latency the whole restore makes a number of requests
 * bounded by levels × tree packs + data packs; with a cache too small for the snapshot the restore
 * is still complete and correct (trees are read again instead of held).
 */
class TreeLoadsTest {
    static final int TOP = 10;
    static final int SUB = 20;
    /** root + 10 + 200 folders */
    static final int TREES = 1 + TOP + TOP * SUB;

    @TempDir
    static Path shared;

    static Path repoDir;
    static Path source;
    static String snap;

    @TempDir
    Path dir;

    @BeforeAll
    static void backUp() throws Exception {
        repoDir = shared.resolve("repo");
        source = Files.createDirectories(shared.resolve("src"));
        for (int a = 0; a < TOP; a++) {
            for (int b = 0; b < SUB; b++) {
                Path d = Files.createDirectories(source.resolve("a" + a).resolve("b" + b));
                Files.writeString(d.resolve("f.txt"), "file " + a + "/" + b + "\n");
            }
        }
        Restic restic = new Restic(repoDir, shared.resolve("cache"));
        restic.run("init").ok();
        String out = restic.runIn(source, "backup", "--json", ".").ok().out();
        for (String line : out.split("\n")) {
            int i = line.indexOf("\"snapshot_id\":\"");
            if (i >= 0) snap = line.substring(i + 15, line.indexOf('"', i + 15));
        }
        assertThat(snap).isNotNull();
    }

    private static Id rootOf(Repository repo) throws IOException {
        for (var s : repo.listSnapshots(w -> {})) if (s.id().hex().startsWith(snap)) return s.tree();
        throw new AssertionError("no snapshot " + snap);
    }

    private static Restorer restorer(Repository repo, Path target) {
        return restorer(repo, target, false);
    }

    private static Restorer restorer(Repository repo, Path target, boolean verify) {
        return new Restorer(repo, new RestoreOptions(target, List.of(), List.of(), RestoreOptions.Overwrite.ALWAYS, verify, 0),
                "snapshot " + snap, org.lifeboat.backend.Cancel.NEVER);
    }

    /** Packs holding only tree blobs, and packs holding data blobs. */
    private static Set<Id> packs(Repository repo, BlobType type) {
        Set<Id> out = new HashSet<>();
        for (Map.Entry<Id, List<PackedBlob>> e : repo.index().byPack().entrySet()) {
            if (e.getValue().stream().allMatch(b -> b.type() == type)) out.add(e.getKey());
        }
        return out;
    }

    private static void assertSameTree(Path expected, Path actual) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(expected)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSize(TOP * SUB);
        for (Path f : files) {
            Path other = actual.resolve(expected.relativize(f).toString());
            assertThat(Files.mismatch(f, other)).as(other.toString()).isEqualTo(-1L);
        }
    }

    @Test
    void treesAreReadPerPackAndLevelAndDecodedOnce() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Set<Id> treePacks = packs(repo, BlobType.TREE);
            assertThat(treePacks).hasSizeBetween(1, 2);
            Path target = dir.resolve("out");
            counting.reset();
            Restorer r = restorer(repo, target);
            RestoreResult res = r.run(rootOf(repo), "");
            assertThat(res.damaged()).isEmpty();
            assertThat(res.failed()).isEmpty();
            assertSameTree(source, target);
            int treeReads = 0;
            for (Id p : treePacks) treeReads += counting.packReads(p.hex());
            // before: one request per tree, twice (space check and walk) = 422; level by level it
            // would be at most 3 (levels) per tree pack; a tree pack read is read whole (its other
            // trees are the levels below), so one request per tree pack
            assertThat(treeReads).as("requests on tree packs").isLessThanOrEqualTo(treePacks.size());
            assertThat(r.treesLoaded()).as("trees decoded").isEqualTo(TREES);
        }
    }

    @Test
    void verifyReusesTheRestoresTrees() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Set<Id> treePacks = packs(repo, BlobType.TREE);
            counting.reset();
            Restorer r = restorer(repo, dir.resolve("out"), true);
            RestoreResult res = r.run(rootOf(repo), "");
            assertThat(res.verifyFailures()).isEmpty();
            int treeReads = 0;
            for (Id p : treePacks) treeReads += counting.packReads(p.hex());
            // space check, walk and --verify: each tree decoded once, each tree pack read once per level
            assertThat(treeReads).isLessThanOrEqualTo(treePacks.size());
            assertThat(r.treesLoaded()).isEqualTo(TREES);
        }
    }

    @Test
    void restoreThroughTwentyMillisecondLatencyMakesFewRequests() throws Exception {
        Backend stacked = Backends.stack(new LocalBackend(repoDir), BackendOptions.DEFAULT.faults("latency=20ms"));
        try (Repository repo = Repository.open(stacked, Restic.PASSWORD)) {
            repo.loadIndex();
            int treePacks = packs(repo, BlobType.TREE).size();
            int dataPacks = packs(repo, BlobType.DATA).size();
            long before = Backends.metrics(stacked).op(BackendMetrics.Op.LOAD).requests();
            Path target = dir.resolve("out");
            RestoreResult res = restorer(repo, target).run(rootOf(repo), "");
            assertThat(res.failed()).isEmpty();
            assertSameTree(source, target);
            long loads = Backends.metrics(stacked).op(BackendMetrics.Op.LOAD).requests() - before;
            // at 20 ms each this bounds the time spent waiting: (tree packs + 2 × data packs) × 20 ms
            assertThat(loads).as("load requests").isLessThanOrEqualTo((long) treePacks + 2L * dataPacks);
        }
    }

    /**
     * A snapshot whose decoded trees do not fit the cache but whose stored trees do (the Linux
     * source tree against the default budget: 43 MB of tree JSON, ~8 MB stored) still costs
     * about one request per tree pack: trees are kept as stored and decoded when used. (Kept
     * decoded, each tree past the first half of the budget cost a request of its own: 2,866 of
     * 3,415 requests of that restore.)
     */
    @Test
    void treesThatFitOnlyAsStoredCostOneRequestPerTreePack() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Set<Id> treePacks = packs(repo, BlobType.TREE);
            long storedBytes = 0, plainBytes = 0;
            for (PackedBlob b : repo.indexedBlobs(BlobType.TREE)) {
                storedBytes += b.length();
                plainBytes += b.plainLength();
            }
            // (so half this budget, counted in plaintext, would not hold the snapshot's trees decoded)
            assertThat(plainBytes).as("tree JSON compresses").isGreaterThan(storedBytes + 64L * TREES);
            counting.reset();
            Path target = dir.resolve("out");
            // room for every stored tree (and their weights), not for half the plaintext
            Restorer r = restorer(repo, target).treeCacheBytes(2 * storedBytes + 2 * 64L * TREES);
            RestoreResult res = r.run(rootOf(repo), "");
            assertThat(res.damaged()).isEmpty();
            assertThat(res.failed()).isEmpty();
            assertSameTree(source, target);
            int treeReads = 0;
            for (Id p : treePacks) treeReads += counting.packReads(p.hex());
            assertThat(treeReads).as("requests on tree packs").isLessThanOrEqualTo(2 * treePacks.size());
        }
    }

    @Test
    void cacheSmallerThanTheSnapshotStillRestoresEverything() throws Exception {
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Path target = dir.resolve("out");
            Restorer r = restorer(repo, target).treeCacheBytes(2048);
            RestoreResult res = r.run(rootOf(repo), "");
            assertThat(res.damaged()).isEmpty();
            assertThat(res.failed()).isEmpty();
            assertSameTree(source, target);
            // the cache cannot hold the snapshot's trees: some are read again, none is lost
            assertThat(r.treesLoaded()).isGreaterThan(TREES);
        }
    }
}
