package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** Restoring into a folder that already holds files: refused without --overwrite, and each mode's promise. */
class RestoreTargetFailureTest {
    @TempDir
    Path dir;

    Cli cli;
    Path src;
    Path target;
    /** "ID:/abs/src": restores the contents of src directly into the target. */
    String snap;

    @BeforeEach
    void setUp() throws Exception {
        cli = Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "snapshot a\n");
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("sub/b.txt"), "b\n");
        Files.writeString(src.resolve("hard-a"), "linked\n");
        Files.createLink(src.resolve("hard-b"), src.resolve("hard-a"));
        Files.write(src.resolve("big.bin"), TestTrees.random(7, 3 * 1024 * 1024));
        TestTrees.setTimes(src);
        snap = Failures.snapshotId(cli.run("backup", src.toString()).ok()) + ":" + src;
        target = dir.resolve("target");
    }

    private static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** Content, size, mode, mtime and inode: equal means the file was not touched. */
    private static String identity(Path p) throws Exception {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        return a.get("ino") + " " + Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("size") + " "
                + a.get("lastModifiedTime") + " " + TestTrees.sha256(p);
    }

    @Test
    void nonEmptyTargetWithoutOverwriteIsRefusedAndUntouched() throws Exception {
        Files.createDirectories(target);
        Files.writeString(target.resolve("precious.txt"), "mine\n");
        Map<String, String> before = Failures.fingerprint(target);
        Run r = cli.run("restore", snap, "--target", target.toString());
        assertThat(fatal(r, 1)).contains("not empty").contains("--overwrite").contains(target.toString());
        assertThat(Failures.fingerprint(target)).isEqualTo(before);
        assertThat(Failures.ids(cli.repo(), "locks")).as("no lock left behind").isEmpty();
    }

    @Test
    void unknownOverwriteModeIsAClearError() throws Exception {
        Run r = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "sometimes");
        assertThat(fatal(r, 1)).contains("--overwrite").contains("always, if-changed, if-newer or never").contains("sometimes");
        assertThat(target).doesNotExist();
    }

    @Test
    void targetThatIsAFileIsAClearError() throws Exception {
        Files.writeString(target, "a file\n");
        Run r = cli.run("restore", snap, "--target", target.toString());
        assertThat(fatal(r, 1)).contains(target.toString()).contains("not a folder");
        assertThat(Files.readString(target)).isEqualTo("a file\n");
    }

    @Test
    void overwriteNeverLeavesEveryExistingFileUntouched() throws Exception {
        cli.run("restore", snap, "--target", target.toString()).ok();
        // Local changes after the restore: an edited file, an edited big file, a hard link replaced by
        // a separate file, and a file that was deleted.
        Files.writeString(target.resolve("a.txt"), "edited locally, longer than before\n");
        Files.write(target.resolve("big.bin"), TestTrees.random(8, 1000));
        Files.delete(target.resolve("hard-b"));
        Files.writeString(target.resolve("hard-b"), "now a separate file\n");
        Files.delete(target.resolve("sub/b.txt"));
        Map<String, String> kept = Map.of(
                "a.txt", identity(target.resolve("a.txt")),
                "big.bin", identity(target.resolve("big.bin")),
                "hard-a", identity(target.resolve("hard-a")),
                "hard-b", identity(target.resolve("hard-b")));

        Run r = cli.run("restore", snap, "--target", target.toString(), "--overwrite", "never");
        assertThat(r.exit()).as("%s", r).isZero();
        Failures.assertNoStackTrace(r);
        for (var e : kept.entrySet()) {
            assertThat(identity(target.resolve(e.getKey()))).as("%s is untouched with --overwrite never", e.getKey())
                    .isEqualTo(e.getValue());
        }
        assertThat(target.resolve("sub/b.txt")).as("a missing file is still restored").hasContent("b");
    }

    @Test
    void overwriteIfChangedSkipsUnchangedFilesAndRewritesChangedOnes() throws Exception {
        cli.run("restore", snap, "--target", target.toString()).ok();
        Map<String, String> restored = TestTrees.describe(target, true);
        Object bInode = inode(target.resolve("sub/b.txt"));
        Object bigInode = inode(target.resolve("big.bin"));
        FileTime bMtime = Files.getLastModifiedTime(target.resolve("sub/b.txt"));
        // Changed: other content and size; other content, same size, newer mtime.
        Files.writeString(target.resolve("a.txt"), "edited locally, longer than before\n");
        Files.writeString(target.resolve("hard-a"), "LINKED\n");
        Files.setLastModifiedTime(target.resolve("hard-a"), FileTime.from(Instant.now()));

        Run r = cli.run("--json", "restore", snap, "--target", target.toString(), "--overwrite", "if-changed");
        assertThat(r.exit()).as("%s", r).isZero();
        Failures.assertNoStackTrace(r);
        assertThat(TestTrees.describe(target, true)).as("the target equals the snapshot again").isEqualTo(restored);
        assertThat(inode(target.resolve("sub/b.txt"))).as("unchanged file skipped, not rewritten").isEqualTo(bInode);
        assertThat(inode(target.resolve("big.bin"))).as("unchanged big file skipped, not rewritten").isEqualTo(bigInode);
        assertThat(Files.getLastModifiedTime(target.resolve("sub/b.txt"))).isEqualTo(bMtime);
        var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out().strip().lines().toList().getLast());
        assertThat(summary.get("files_skipped").asLong()).as("b.txt and big.bin skipped: %s", r.out()).isEqualTo(2);
    }
}
