package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.KillAt;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * kill -9 of a backup at different moments (before it starts, once it holds its lock, after its
 * first pack, after five packs, as its index appears). After each kill the repository checks clean
 * with Lifeboat (which ignores the dead process's lock), and, after 'unlock', with restic
 * (unreferenced packs are only warnings); the earlier snapshot still restores byte for byte, and at
 * the end a new backup of the same data succeeds and restores.
 */
@Tag("slow")
@Tag("restic")
class KillDuringBackupFailureTest {
    private static final int BIG_FILES = 6;
    private static final int BIG_FILE_SIZE = 50 * 1024 * 1024;
    private static final long DEADLINE_SECONDS = 60;

    enum KillPoint { AT_START, LOCK_TAKEN, FIRST_PACK, FIVE_PACKS, INDEX_WRITTEN }

    Path work;
    Path repo;
    Path pw;
    Cli cli;
    Restic restic;

    @BeforeEach
    void setUp() throws IOException {
        work = TestDirs.create("kill");
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        cli = Failures.init(repo, pw);
        restic = new Restic(repo, work.resolve("restic-cache"));
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(work);
    }

    @Test
    void killMinus9AtAnyMomentLeavesTheRepositoryConsistent() throws Exception {
        // A small tree of many kinds of entry, backed up completely first.
        Path small = work.resolve("small");
        smallTree(small);
        String smallId = Failures.snapshotId(cli.run("backup", small.toString()).ok());
        Map<String, String> smallTree = TestTrees.describe(small, true);
        assertRestoresIdentically(smallId, small, smallTree, "before any kill");

        Path big = Files.createDirectories(work.resolve("big"));
        writeRandomFiles(big);

        List<String> outcomes = new ArrayList<>();
        for (KillPoint point : KillPoint.values()) {
            String outcome = backupAndKill(big, point);
            outcomes.add(point + ": " + outcome);

            Run check = cli.run("check");
            assertThat(check.exit()).as("lifeboat check after kill at %s:\n%s", point, check).isZero();
            Failures.assertNoStackTrace(check);
            if (point == KillPoint.FIRST_PACK || point == KillPoint.FIVE_PACKS) {
                assertThat(check.err()).as("the killed backup's packs are reported as unused, not as errors")
                        .contains("not referenced in any index");
            }
            // restic, like after its own crash, wants the dead process's lock removed first: unlock does it.
            Run unlock = cli.run("unlock");
            assertThat(unlock.exit()).as("%s", unlock).isZero();
            assertThat(Failures.ids(repo, "locks")).as("unlock removed the killed backup's lock").isEmpty();
            Run resticCheck = restic.run("check");
            assertThat(resticCheck.exit()).as("restic check after kill at %s:\n%s", point, resticCheck).isZero();
            assertRestoresIdentically(smallId, small, smallTree, "after kill at " + point);
        }
        assertThat(outcomes).as("every kill but possibly the last hit a running backup")
                .filteredOn(o -> !o.startsWith(KillPoint.INDEX_WRITTEN.name())).allMatch(o -> o.endsWith("killed"));

        // A new backup of the same data succeeds over the debris and restores identically.
        Run again = cli.run("backup", big.toString());
        assertThat(again.exit()).as("%s\n%s", outcomes, again).isZero();
        String bigId = Failures.snapshotId(again);
        assertRestoresIdentically(bigId, big, TestTrees.describe(big, true), "the new backup");
        cli.run("check").ok();
        restic.run("check").ok();
    }

    /** Starts a backup in a separate JVM and kills it with SIGKILL at {@code point}; returns what happened. */
    private String backupAndKill(Path big, KillPoint point) throws Exception {
        int packsBefore = Failures.packs(repo).size();
        List<String> locksBefore = Failures.ids(repo, "locks");
        List<String> indexBefore = Failures.ids(repo, "index");
        KillAt.Outcome o = KillAt.run(List.of("-r", repo.toString(), "--password-file", pw.toString(), "backup",
                big.toString()), work.resolve("backup-" + point + ".log"),
                () -> reached(point, packsBefore, locksBefore, indexBefore), DEADLINE_SECONDS, point.toString());
        if (o.killed()) return "killed";
        // Only the last point can lose the race: the snapshot is written right after the index.
        assertThat(point).as("backup ended by itself before %s (exit %d):\n%s", point, o.exit(), o.output())
                .isEqualTo(KillPoint.INDEX_WRITTEN);
        assertThat(o.exit()).as(o.output()).isZero();
        return "completed before the kill";
    }

    private boolean reached(KillPoint point, int packsBefore, List<String> locksBefore, List<String> indexBefore)
            throws IOException {
        return switch (point) {
            case AT_START -> true;
            case LOCK_TAKEN -> !locksBefore.containsAll(Failures.ids(repo, "locks"));
            case FIRST_PACK -> Failures.packs(repo).size() > packsBefore;
            case FIVE_PACKS -> Failures.packs(repo).size() >= packsBefore + 5;
            case INDEX_WRITTEN -> !indexBefore.containsAll(Failures.ids(repo, "index"));
        };
    }

    private void assertRestoresIdentically(String id, Path source, Map<String, String> expected, String when)
            throws IOException {
        Path target = work.resolve("restore-" + System.nanoTime());
        Run r = cli.run("restore", id + ":" + source, "--target", target.toString());
        assertThat(r.exit()).as("restore %s %s:\n%s", id, when, r).isZero();
        assertThat(TestTrees.describe(target, true)).as("snapshot %s restored %s", id, when).isEqualTo(expected);
        TestDirs.delete(target);
    }

    /**
     * Files (empty, small, multi-chunk), a symlink, hard links, a FIFO, a user xattr, nested folders.
     * (Not TestTrees.everyKind: its setTimes opens the FIFO and blocks forever.)
     */
    private static void smallTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("docs/deeper"));
        Files.writeString(root.resolve("docs/hello.txt"), "hello, world\n");
        Files.write(root.resolve("docs/empty"), new byte[0]);
        Files.writeString(root.resolve("docs/deeper/bottom.txt"), "deep\n");
        Files.write(root.resolve("multi-chunk.bin"), TestTrees.random(1, 5 * 1024 * 1024 + 12345));
        Files.createSymbolicLink(root.resolve("link-to-hello"), Path.of("docs/hello.txt"));
        Files.writeString(root.resolve("hard-a"), "linked content\n");
        Files.createLink(root.resolve("hard-b"), root.resolve("hard-a"));
        TestTrees.exec("mkfifo", root.resolve("fifo").toString());
        Files.getFileAttributeView(root.resolve("docs/hello.txt"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("lifeboat.note", java.nio.ByteBuffer.wrap("kept".getBytes(StandardCharsets.UTF_8)));
        java.time.Instant t = java.time.Instant.parse("2025-06-01T10:00:00.123456789Z");
        for (String f : List.of("docs/hello.txt", "docs/empty", "docs/deeper/bottom.txt", "multi-chunk.bin", "hard-a")) {
            Files.setLastModifiedTime(root.resolve(f), java.nio.file.attribute.FileTime.from(t));
            t = t.plusSeconds(61).plusNanos(7);
        }
    }

    private static void writeRandomFiles(Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] buf = new byte[1 << 20];
        for (int i = 0; i < BIG_FILES; i++) {
            try (OutputStream out = Files.newOutputStream(dir.resolve("random-" + i + ".bin"))) {
                for (int n = 0; n < BIG_FILE_SIZE; n += buf.length) {
                    rnd.nextBytes(buf);
                    out.write(buf);
                }
            }
        }
    }
}
