package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * "Re-running a restore repairs; --verify never calls a damaged file good": a file restored from a
 * damaged pack does not look complete, the damage summary has one line per file naming the pack
 * file as it lies in the repository, and once the pack is repaired {@code --overwrite if-changed
 * --verify} rewrites what differs, including files damaged in the target without a size or mtime change.
 */
class RestoreRepairTest {
    private static final String A = "the content of a, damaged in one test\n";

    @TempDir
    Path dir;

    Cli cli;
    Path repo;
    Path src;
    Path target;
    String snap;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), A);
        Files.writeString(src.resolve("b.txt"), "b\n");
        TestTrees.setTimes(src);
        snap = Failures.snapshotId(cli.run("backup", src.toString()).ok()) + ":" + src;
        target = dir.resolve("target");
    }

    private PackedBlob blobOfA() throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            return r.index().lookup(BlobType.DATA, Id.hash(A.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void damagedPackThenRepairedPackThenIfChangedVerifyRepairs() throws Exception {
        PackedBlob a = blobOfA();
        String hex = a.pack().hex();
        Path pack = repo.resolve("data").resolve(hex.substring(0, 2)).resolve(hex);
        Path copy = dir.resolve("pack-copy");
        Files.copy(pack, copy);
        pack.toFile().setWritable(true);
        Failures.flipByte(pack, a.offset() + 20);

        Run first = cli.run("restore", snap, "--target", target.toString());
        assertThat(first.exit()).as(first.toString()).isEqualTo(1);
        List<String> lines = first.err().lines().filter(l -> l.startsWith("error: damaged in the repository")).toList();
        assertThat(lines).as("one line per damaged file").hasSize(1);
        assertThat(lines.getFirst()).contains("/a.txt").contains("data/" + hex.substring(0, 2) + "/" + hex);
        assertThat(first.err()).contains("Fatal: 1 file or folder damaged in the repository");
        assertThat(Files.getLastModifiedTime(target.resolve("a.txt")))
                .as("an incomplete file does not get the snapshot's mtime")
                .isNotEqualTo(Files.getLastModifiedTime(src.resolve("a.txt")));

        Files.copy(copy, pack, StandardCopyOption.REPLACE_EXISTING);
        Run again = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "if-changed", "--verify");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(target.resolve("a.txt")).hasContent(A.strip());
        assertThat(Files.getLastModifiedTime(target.resolve("a.txt"))).isEqualTo(Files.getLastModifiedTime(src.resolve("a.txt")));
    }

    @Test
    void fileDamagedInTheTargetWithSameSizeAndMtime() throws Exception {
        cli.run("restore", snap, "--target", target.toString()).ok();
        Path f = target.resolve("a.txt");
        FileTime mtime = Files.getLastModifiedTime(f);
        Files.writeString(f, "X" + A.substring(1));
        Files.setLastModifiedTime(f, mtime);

        Run never = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "never", "--verify");
        assertThat(never.exit()).as("--verify compares files it did not write: %s", never).isEqualTo(1);
        assertThat(never.err()).contains("verification failed").contains("a.txt").doesNotContain("verified: every");

        Run plain = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "if-changed");
        assertThat(plain.exit()).isZero();
        assertThat(Files.readString(f)).startsWith("X");

        Run repair = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "if-changed", "--verify");
        assertThat(repair.exit()).as(repair.toString()).isZero();
        assertThat(f).hasContent(A.strip());
        assertThat(repair.out() + repair.err()).contains("verified");
    }
}
