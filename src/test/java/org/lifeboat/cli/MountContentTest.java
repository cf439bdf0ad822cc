package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.TestTrees;

/**
 * {@code lifeboat mount} of a repository holding one snapshot made by restic and one made by
 * Lifeboat, both of a tree with every kind of entry: the folder shows restic's layout (snapshots,
 * latest links, hosts, tags, ids), every file reads back byte for byte with its size, mode and
 * mtime, every link with its target, each folder with exactly the source's names; nothing can be
 * written; Ctrl-C unmounts. The fixture detaches any mount a failing test leaves behind and checks
 * that none is left.
 */
@Tag("slow")
@Tag("restic")
class MountContentTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture("mount-content");
    Path work;
    Path repo;
    Path pw;
    Path src;
    Path mp;

    @BeforeEach
    void setUp() throws Exception {
        work = fx.work;
        mp = fx.mp;
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        src = work.resolve("src");
        TestTrees.everyKind(src);
    }

    @Test
    void snapshotsOfResticAndLifeboatReadBackAsBackedUpInResticsLayoutAndNothingCanBeWritten() throws Exception {
        Restic restic = new Restic(repo, work.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", "--host", "restic-host", "--tag", "from-restic", src.toString()).ok();
        String resticId = restic.snapshotIds().getFirst();
        new Cli(repo, pw).run("backup", "--host", "lifeboat-host", "--tag", "from-lifeboat", src.toString()).ok();
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(2);
        String lifeboatId = ids.get(1).equals(resticId) ? ids.get(0) : ids.get(1);

        MountProcess mount = fx.start(repo, pw);
        assertThat(mount.stdout()).contains("Now serving the repository at " + mp,
                "Use another terminal or tool to browse the contents of this folder.",
                "When finished, quit with Ctrl-c here or umount the mountpoint.");

        // the layout
        assertThat(MountFixture.names(mp)).containsExactly("hosts", "ids", "snapshots", "tags");
        assertThat(MountFixture.names(mp.resolve("ids"))).containsExactlyInAnyOrder(resticId.substring(0, 8), lifeboatId.substring(0, 8));
        assertThat(MountFixture.names(mp.resolve("hosts"))).containsExactly("lifeboat-host", "restic-host");
        assertThat(MountFixture.names(mp.resolve("tags"))).containsExactly("from-lifeboat", "from-restic");
        Set<String> times = MountFixture.names(mp.resolve("snapshots"));
        assertThat(times).hasSize(3).contains("latest");
        Path latest = mp.resolve("snapshots/latest");
        assertThat(Files.isSymbolicLink(latest)).isTrue();
        String lifeboatTime = Files.readSymbolicLink(mp.resolve("hosts/lifeboat-host/latest")).toString();
        String resticTime = Files.readSymbolicLink(mp.resolve("tags/from-restic/latest")).toString();
        assertThat(Files.readSymbolicLink(latest).toString()).as("latest is the newer snapshot").isEqualTo(lifeboatTime);
        assertThat(times).containsExactlyInAnyOrder("latest", lifeboatTime, resticTime);
        assertThat(MountFixture.names(mp.resolve("hosts/restic-host"))).containsExactly(resticTime, "latest");
        assertThat(MountFixture.names(mp.resolve("tags/from-lifeboat"))).containsExactly(lifeboatTime, "latest");
        assertThat(lifeboatTime).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)");

        // every entry of both snapshots, through each way to reach them
        String inside = src.toString().substring(1);
        assertSameTree(src, mp.resolve("ids").resolve(resticId.substring(0, 8)).resolve(inside));
        assertSameTree(src, mp.resolve("snapshots/latest").resolve(inside));
        assertSameTree(src, mp.resolve("hosts/restic-host").resolve(resticTime).resolve(inside));

        // read-only
        Path file = mp.resolve("snapshots/latest").resolve(inside).resolve("docs/hello.txt");
        assertReadOnly(() -> Files.writeString(file, "changed", StandardOpenOption.APPEND));
        assertReadOnly(() -> Files.writeString(file.resolveSibling("new.txt"), "new"));
        assertReadOnly(() -> Files.createDirectory(file.resolveSibling("new-dir")));
        assertReadOnly(() -> Files.delete(file));
        assertReadOnly(() -> Files.move(file, file.resolveSibling("moved.txt")));
        assertReadOnly(() -> Files.createDirectory(mp.resolve("snapshots/new")));
        assertThat(Files.readString(file)).isEqualTo("hello, world\n");

        // Ctrl-C unmounts
        mount.signal("INT");
        assertThat(mount.awaitExit()).as("exit code after Ctrl-C; stderr:\n%s", mount.stderr()).isEqualTo(130);
        assertThat(MountProcess.mounted(mp)).as("unmounted after Ctrl-C").isFalse();
        assertThat(mount.stderr()).doesNotContain("Exception", "\tat ");
        assertThat(MountFixture.names(mp)).as("the mountpoint is an empty folder again").isEmpty();
    }

    private interface Io {
        void run() throws IOException;
    }

    private static void assertReadOnly(Io change) {
        assertThatThrownBy(change::run).isInstanceOf(FileSystemException.class).hasMessageContaining("Read-only file system");
    }

    /** Every entry below {@code want} is below {@code got} with the same type, size, content, link target, mode and mtime, and nothing else is. */
    static void assertSameTree(Path want, Path got) throws IOException {
        Map<String, String> expected = describe(want);
        Map<String, String> actual = describe(got);
        assertThat(actual).as("the mounted %s", got).containsExactlyEntriesOf(expected);
        // contents compared byte for byte (describe has the sizes; this reads every byte through FUSE)
        for (String rel : expected.keySet()) {
            Path w = want.resolve(rel);
            if (Files.isRegularFile(w, LinkOption.NOFOLLOW_LINKS)) {
                assertThat(Files.mismatch(w, got.resolve(rel))).as("content of %s", rel).isEqualTo(-1L);
            }
        }
    }

    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) out.put(root.relativize(dir).toString(), entry(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(file).toString(), entry(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String entry(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,uid,gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int type = mode & 0170000;
        StringBuilder b = new StringBuilder().append(String.format("type=%o", type));
        if (type != 0120000) b.append(String.format(" perm=%o", mode & 07777));
        b.append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
        if (type == 0100000) b.append(" size=").append(a.get("size"));
        if (type == 0120000) b.append(" target=").append(Files.readSymbolicLink(p));
        b.append(" mtime=").append(a.get("lastModifiedTime"));
        return b.toString();
    }
}
