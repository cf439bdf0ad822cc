package org.lifeboat.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * Every failure of {@code copy} names the repository it happened in: reading the source (a missing
 * pack, a damaged blob, a wrong password, no repository) says {@code source repository LOC}, writing
 * the target {@code target repository LOC}; exit codes are restic's (10, 12, else 1), and no
 * snapshot is written for what failed.
 */
class CopySourceErrorsTest {
    @TempDir
    Path dir;

    private Path pw;
    private Path src;
    private Cli target;

    @BeforeEach
    void repos() throws Exception {
        pw = Cli.passwordFile(dir);
        src = dir.resolve("A");
        Restic restic = new Restic(src, dir.resolve("cache"));
        assertThat(restic.run("init").exit()).isZero();
        Files.createDirectories(dir.resolve("data"));
        Files.write(dir.resolve("data/f.bin"), TestTrees.random(3, 3_000_000));
        Run b = restic.run("backup", dir.resolve("data").toString());
        assertThat(b.exit()).as(b.toString()).isZero();
        target = new Cli(dir.resolve("B"), pw);
        target.run("init").ok();
    }

    private Run copy() {
        return target.run("copy", "--from-repo", src.toString(), "--from-password-file", pw.toString());
    }

    /** The source's data packs (not the tree pack: the largest ones), largest first. */
    private List<Path> dataPacks() throws Exception {
        try (Stream<Path> w = Files.walk(src.resolve("data"))) {
            return w.filter(Files::isRegularFile).sorted((x, y) -> Long.compare(size(y), size(x))).toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void noSnapshotInTarget() throws Exception {
        Run s = target.run("snapshots", "--json");
        assertThat(s.out().strip()).isEqualTo("[]");
    }

    @Test
    void aMissingSourcePackNamesTheSourceRepository() throws Exception {
        Path pack = dataPacks().getFirst();
        Files.delete(pack);
        Run r = copy();
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("Fatal: source repository " + src + ": cannot copy snapshot ")
                .contains(pack.getFileName().toString().substring(0, 8)).doesNotContain("Exception").doesNotContain("target repository");
        noSnapshotInTarget();
    }

    @Test
    void aDamagedSourceBlobNamesTheSourceRepository() throws Exception {
        Path pack = dataPacks().getFirst();
        byte[] bytes = Files.readAllBytes(pack);
        for (int i = 100; i < 200; i++) bytes[i] ^= 0x5a; // inside the first blob's ciphertext: its MAC fails
        Files.write(pack, bytes);
        Run r = copy();
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("Fatal: source repository " + src + ": cannot copy snapshot ")
                .doesNotContain("Exception").doesNotContain("target repository");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
        noSnapshotInTarget();
    }

    @Test
    void aWrongSourcePasswordIs12AndAMissingSourceIs10NamingTheSource() throws Exception {
        Path other = dir.resolve("other-password");
        Files.writeString(other, "not it\n");
        Run wrong = target.run("copy", "--from-repo", src.toString(), "--from-password-file", other.toString());
        assertThat(wrong.exit()).isEqualTo(12);
        assertThat(wrong.err()).contains("source repository " + src).doesNotContain("target repository");
        Run none = target.run("copy", "--from-repo", dir.resolve("gone").toString(), "--from-password-file", pw.toString());
        assertThat(none.exit()).isEqualTo(10);
        assertThat(none.err()).contains("source repository").contains(dir.resolve("gone").toString());
    }

    @Test
    void aTargetThatCannotBeWrittenNamesTheTargetRepository() throws Exception {
        // every data/XX folder of the target is a regular file: no pack can be stored (also as root)
        Path data = dir.resolve("B/data");
        for (int i = 0; i < 256; i++) {
            Path d = data.resolve(String.format("%02x", i));
            if (Files.isDirectory(d)) Files.delete(d);
            Files.writeString(d, "not a folder\n");
        }
        Run r = copy();
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("Fatal: target repository " + dir.resolve("B") + ": cannot copy snapshot ")
                .doesNotContain("Exception").doesNotContain("source repository");
        for (int i = 0; i < 256; i++) Files.delete(data.resolve(String.format("%02x", i)));
        noSnapshotInTarget();
        // the source is whole: restic checks it clean
        assertThat(new Restic(src, dir.resolve("cache")).run("check", "--read-data").exit()).isZero();
    }
}
