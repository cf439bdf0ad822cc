package org.lifeboat.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** The copy engine on real repositories: what it sends, how it stops, and what a stop leaves (restic judges). */
@Tag("restic")
@Tag("slow")
class CopyEngineTest {
    @TempDir
    Path dir;

    private Cli a;
    private Cli b;

    private Path src() {
        return dir.resolve("src");
    }

    /** A (password "pa") with one backup per entry of {@code files} (each adds a file of that size), B (password "pb") empty. */
    private void repos(int... files) throws IOException {
        Files.createDirectories(src());
        Path pa = dir.resolve("pa");
        Path pb = dir.resolve("pb");
        Files.writeString(pa, "pa\n");
        Files.writeString(pb, "pb\n");
        a = new Cli(dir.resolve("A"), pa);
        b = new Cli(dir.resolve("B"), pb);
        a.run("init").ok();
        b.run("init").ok();
        for (int i = 0; i < files.length; i++) {
            Files.write(src().resolve("f" + i + ".bin"), TestTrees.random(100 + i, files[i]));
            a.run("backup", src().toString()).ok();
        }
    }

    private static Repository open(Path repo, String password) throws Exception {
        Repository r = Repository.open(Backends.open(repo.toString(), BackendOptions.DEFAULT), password);
        r.loadIndex();
        return r;
    }

    private CopyResult copy(CopyListener l, Cancel cancel) throws Exception {
        try (Repository s = open(a.repo(), "pa"); Repository t = open(b.repo(), "pb")) {
            List<Snapshot> sel = Copier.select(s, SnapshotFilter.ALL, List.of(), w -> {});
            return new Copier(s, t, l, cancel).copy(sel, w -> {});
        }
    }

    private static List<Path> packs(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private Restic resticB() {
        return new Restic(b.repo(), dir.resolve("cache"), "pb");
    }

    @Test
    void onlyTheBlobsTheTargetLacksAreSent() throws Exception {
        repos(1_000_000);
        CopyResult first = copy(CopyListener.NONE, Cancel.NEVER);
        assertThat(first.copied()).hasSize(1);
        assertThat(first.bytesSent()).isGreaterThanOrEqualTo(1_000_000);
        int packsAfterFirst = packs(b.repo()).size();

        // A second backup adds one file of 300,000 bytes: only it and the changed trees travel.
        Files.write(src().resolve("new.bin"), TestTrees.random(7, 300_000));
        a.run("backup", src().toString()).ok();
        List<Long> sentData = new ArrayList<>();
        CopyResult second = copy(new CopyListener() {
            @Override
            public void blobSent(BlobType type, long plainBytes, long packedBytes) {
                if (type == BlobType.DATA) synchronized (sentData) { sentData.add(plainBytes); }
            }
        }, Cancel.NEVER);
        assertThat(second.copied()).hasSize(1);
        assertThat(second.skipped()).isEqualTo(1);
        assertThat(sentData.stream().mapToLong(Long::longValue).sum()).isEqualTo(300_000);
        assertThat(second.bytesSent()).isBetween(300_000L, 300_000L + 64 * 1024);
        // one data pack and one tree pack, nothing else
        assertThat(packs(b.repo()).size() - packsAfterFirst).isEqualTo(2);

        CopyResult third = copy(CopyListener.NONE, Cancel.NEVER);
        assertThat(third.copied()).isEmpty();
        assertThat(third.skipped()).isEqualTo(2);
        assertThat(third.blobsSent()).isZero();
    }

    @Test
    void aCancelledCopyLeavesEarlierSnapshotsWholeAndARerunCompletes() throws Exception {
        repos(200_000, 400_000, 600_000);
        Cancel cancel = new Cancel();
        List<Snapshot> written = new ArrayList<>();
        assertThatThrownBy(() -> copy(new CopyListener() {
            @Override
            public void copied(Snapshot source, Snapshot copy, long blobs, long bytes) {
                written.add(copy);
                cancel.cancel("stopped by the test");
            }
        }, cancel)).isInstanceOf(Cancel.Cancelled.class).hasMessageContaining("stopped by the test");
        assertThat(written).hasSize(1);
        Restic rb = resticB();
        assertThat(rb.snapshotIds()).containsExactly(written.getFirst().id().hex());
        Run check = rb.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        rb.run("restore", "latest", "--target", dir.resolve("r").toString()).ok();
        assertThat(Files.size(dir.resolve("r").resolve(src().toString().substring(1)).resolve("f0.bin"))).isEqualTo(200_000);

        CopyResult rerun = copy(CopyListener.NONE, Cancel.NEVER);
        assertThat(rerun.skipped()).isEqualTo(1);
        assertThat(rerun.copied()).hasSize(2);
        assertThat(rb.snapshotIds()).hasSize(3);
        assertThat(rb.run("check", "--read-data").exit()).isZero();
    }

    @Test
    void aCrashWhileCopyingLeavesEarlierSnapshotsRestorableAndARerunCompletes() throws Exception {
        repos(200_000, 400_000);
        // Target saves: the lock (1), snapshot 1's data and tree packs (2, 3), its index (4), the
        // snapshot (5), snapshot 2's first pack (6): written whole, then every request fails.
        Map<String, String> env = b.env();
        env.put(Backends.FAULTS_ENV, "crash-after-save=6");
        Run crashed = Cli.process(env, null, "copy", "--from-repo", a.repo().toString(), "--from-password-file",
                dir.resolve("pa").toString());
        assertThat(crashed.exit()).as(crashed.toString()).isNotZero();
        Restic rb = resticB();
        assertThat(rb.snapshotIds()).hasSize(1);
        // The crash left the copy's lock (its removal failed too); restic 0.14 wants it removed
        // before its exclusive check: its unlock removes only locks of processes that are gone.
        rb.run("unlock").ok();
        Run check = rb.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        rb.run("restore", "latest", "--target", dir.resolve("r").toString()).ok();
        assertThat(Files.size(dir.resolve("r").resolve(src().toString().substring(1)).resolve("f0.bin"))).isEqualTo(200_000);

        Run rerun = b.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", dir.resolve("pa").toString());
        assertThat(rerun.exit()).as(rerun.toString()).isZero();
        assertThat(rerun.out()).contains("skipping source snapshot").contains("copy started");
        assertThat(rb.snapshotIds()).hasSize(2);
        assertThat(rb.run("check", "--read-data").exit()).isZero();
    }

    @Test
    void aDamagedSourceBlobIsNamedAndNoSnapshotIsWrittenForIt() throws Exception {
        repos(3_000_000);
        // The largest pack holds the data blob; a flipped byte in its middle breaks that blob's MAC.
        Path pack = packs(a.repo()).stream().max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int v = f.read();
            f.seek(at);
            f.write(v ^ 0xff);
        }
        String sourceId;
        try (Repository s = open(a.repo(), "pa")) {
            sourceId = s.listSnapshots(w -> {}).getFirst().id().shortHex();
        }
        assertThatThrownBy(() -> copy(CopyListener.NONE, Cancel.NEVER)).isInstanceOf(CopyException.class)
                .hasMessageContaining("cannot copy snapshot " + sourceId)
                .hasMessageContaining("data blob").hasMessageContaining(pack.getFileName().toString().substring(0, 8));
        Restic rb = resticB();
        assertThat(rb.snapshotIds()).isEmpty();
        Run check = rb.run("check");
        assertThat(check.exit()).as(check.toString()).isZero();

        Run cli = b.run("copy", "--from-repo", a.repo().toString(), "--from-password-file", dir.resolve("pa").toString());
        assertThat(cli.exit()).isEqualTo(1);
        assertThat(cli.err()).contains("Fatal: source repository " + a.repo() + ": cannot copy snapshot " + sourceId).contains("data blob").doesNotContain("Exception");
        assertThat(rb.snapshotIds()).isEmpty();
    }
}
