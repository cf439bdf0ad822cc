package org.lifeboat.cli;

import org.lifeboat.restore.TarWriter;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.BlobWindow;
import org.lifeboat.restore.CountingBackend;
import org.lifeboat.testutil.Restic;

/**
 * dump of a folder as tar reads the blobs of files that share a pack with one request per
 * read-ahead window (restic's repository, 2,000 small files in one pack): at most two requests on
 * that pack instead of one per file, and GNU tar extracts exactly the backed-up files.
 */
class DumpPackReadsTest {
    @TempDir
    Path dir;

    @Test
    void dumpOfAFolderOfSmallFilesReadsTheirPackAtMostTwice() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Random rnd = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[200 + rnd.nextInt(800)];
            rnd.nextBytes(b);
            Files.write(src.resolve("f" + i + ".bin"), b);
        }
        Path repoDir = dir.resolve("repo");
        Restic restic = new Restic(repoDir, dir.resolve("cache"));
        restic.run("init").ok();
        restic.runIn(src, "backup", ".").ok();
        CountingBackend counting = new CountingBackend(new LocalBackend(repoDir));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Repository repo = Repository.open(counting, Restic.PASSWORD)) {
            repo.loadIndex();
            Id root = repo.listSnapshots(w -> {}).getFirst().tree();
            counting.reset();
            // dump's folder path: TreeWalker, TarWriter and DumpCommand.writeContent over one BlobWindow
            BlobWindow blobs = new BlobWindow(repo, Cancel.NEVER);
            try (TarWriter tar = new TarWriter(out)) {
                TreeWalker.walk(repo, root, "", (q, shown, node) -> {
                    long size = node.type() == NodeType.FILE ? node.size() : 0;
                    tar.entry(q, node, size, node.type() == NodeType.FILE ? o -> org.lifeboat.restore.Dump.file(blobs, node, o) : null);
                    return true;
                }, null);
            }
            Map<Id, List<PackedBlob>> byPack = repo.index().byPack();
            int smallPacks = 0;
            for (Map.Entry<Id, List<PackedBlob>> e : byPack.entrySet()) {
                long data = e.getValue().stream().filter(b -> b.type() == BlobType.DATA).count();
                if (data == 0) continue;
                if (data >= 1000) smallPacks++;
                // before: one request per file (2,000); now one per 8 MiB window
                assertThat(counting.packReads(e.getKey().hex())).as("reads of pack " + e.getKey().shortHex()).isLessThanOrEqualTo(2);
            }
            assertThat(smallPacks).isEqualTo(1);
        }
        Path tarFile = dir.resolve("out.tar");
        Files.write(tarFile, out.toByteArray());
        Path x = Files.createDirectories(dir.resolve("x"));
        Process p = new ProcessBuilder("tar", "-xf", tarFile.toString(), "-C", x.toString()).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(msg).isZero();
        try (Stream<Path> s = Files.list(src)) {
            List<Path> files = s.toList();
            assertThat(files).hasSize(2000);
            for (Path f : files) assertThat(Files.mismatch(f, x.resolve(f.getFileName().toString()))).isEqualTo(-1L);
        }
    }
}
