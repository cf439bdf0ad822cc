package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * What a mount does at its edges: files count their 512-byte blocks (du), a symlink whose target
 * is longer than Linux allows answers "File name too long" with Lifeboat's own warning, an entry
 * of a type this version does not know is an empty file in a folder that lists fine, and two
 * mounts started at once on one folder do not stack: the second refuses in one sentence.
 */
@Tag("slow")
class MountFaultsTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture("mount-faults");
    Path repo;
    Path pw;
    String shortId;

    @BeforeEach
    void setUp() throws Exception {
        repo = fx.work.resolve("repo");
        pw = fx.work.resolve("pw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        try (RawRepo raw = RawRepo.create(repo)) {
            Id k = raw.data("k".repeat(1000));
            ObjectNode whiteout = RawRepo.file("whiteout", 77);
            whiteout.put("type", "whiteout");
            shortId = raw.snapshot(raw.tree(
                    RawRepo.file("kilo.txt", 1000, k),
                    RawRepo.symlink("long-link", "t".repeat(100_000)),
                    RawRepo.symlink("short-link", "kilo.txt"),
                    whiteout)).hex().substring(0, 8);
        }
    }

    @Test
    void filesCountTheirBlocksLongLinksAndUnknownTypesFailAlone() throws Exception {
        MountProcess mount = fx.start(repo, pw);
        Path snap = fx.mp.resolve("ids").resolve(shortId);
        assertThat(MountFixture.names(snap)).containsExactly("kilo.txt", "long-link", "short-link", "whiteout");

        // st_blocks = ceil(1000 / 512): du counts the file
        Run stat = Proc.run(List.of("stat", "-c", "%s %b %B", snap.resolve("kilo.txt").toString()), Map.of(), null, null, 60);
        assertThat(stat.out().strip()).as(stat.toString()).isEqualTo("1000 2 512");
        Run du = Proc.run(List.of("du", "-s", "-B1", snap.toString()), Map.of(), null, null, 60);
        assertThat(du.out()).as(du.toString()).startsWith("1024\t");

        assertThatThrownBy(() -> Files.readSymbolicLink(snap.resolve("long-link")))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("File name too long");
        assertThat(Files.readSymbolicLink(snap.resolve("short-link")).toString()).isEqualTo("kilo.txt");

        // a newer restic's type: an empty file, the folder unharmed
        assertThat(Files.isRegularFile(snap.resolve("whiteout"))).isTrue();
        assertThat(Files.size(snap.resolve("whiteout"))).isZero();
        assertThat(Files.readAllBytes(snap.resolve("whiteout"))).isEmpty();

        String err = mount.stderr();
        assertThat(err.lines().filter(l -> l.contains("long-link")).toList()).containsExactly("warning: cannot show the symlink /ids/"
                + shortId + "/long-link: its target is 100000 bytes long, more than the 4095 a link can hold (File name too long)");
        assertThat(err).doesNotContain("Exception", "\tat ", "fuse:");
    }

    @Test
    void twoMountsStartedAtOnceOnOneFolderDoNotStack() throws Exception {
        MountProcess a = MountProcess.start(fx.work, repo, pw, fx.mp);
        MountProcess b = MountProcess.start(fx.work, repo, pw, fx.mp);
        try (a; b) {
            // exactly one of them serves; the other ends with one sentence
            MountProcess loser = awaitOneEnded(a, b);
            MountProcess winner = loser == a ? b : a;
            winner.awaitMounted();
            assertThat(loser.awaitExit()).as(loser.stderr()).isEqualTo(1);
            assertThat(loser.stderr()).matches("Fatal: mountpoint " + fx.mp + " is (being mounted or served by another lifeboat mount"
                    + " \\(it holds /.*lifeboat-mount-.*\\.lock\\): end that one first or choose another folder"
                    + "|already a mount point \\(another mount serves it\\): unmount it first or choose an empty folder)\n");
            assertThat(mountsAt(fx.mp)).as("one mount, not two stacked").isEqualTo(1);
            assertThat(Files.readString(fx.mp.resolve("ids").resolve(shortId).resolve("kilo.txt"))).hasSize(1000);

            // a third, started while the first serves, meets the claim before anything else
            MountProcess c = MountProcess.start(fx.work, repo, pw, fx.mp);
            try (c) {
                assertThat(c.awaitExit()).isEqualTo(1);
                assertThat(c.stderr()).startsWith("Fatal: mountpoint " + fx.mp + " is ");
                assertThat(c.stderr().lines().count()).isEqualTo(1);
            }
            winner.signal("TERM");
            assertThat(winner.awaitExit()).isEqualTo(143);
            assertThat(mountsAt(fx.mp)).isZero();
        }
    }

    /** Waits until one of the two processes has ended (the loser); fails after the deadline. */
    private static MountProcess awaitOneEnded(MountProcess a, MountProcess b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MountProcess.DEADLINE_SECONDS);
        while (true) {
            if (a.process.waitFor(50, TimeUnit.MILLISECONDS)) return a;
            if (!b.process.isAlive()) return b;
            assertThat(System.nanoTime()).as("one of two mounts ends").isLessThan(deadline);
        }
    }

    /** How many mounts /proc/self/mountinfo lists at {@code mp} (stacked mounts are listed each). */
    private static long mountsAt(Path mp) throws Exception {
        String want = mp.toAbsolutePath().normalize().toString().replace(" ", "\\040");
        return Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
                .map(l -> l.split(" ")).filter(f -> f.length > 4 && f[4].equals(want)).count();
    }
}
