package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

class MetadataRestorerTest {
    private static final OffsetDateTime MTIME = OffsetDateTime.parse("2021-05-06T07:08:09.123456789+02:00");
    private static final OffsetDateTime ATIME = OffsetDateTime.parse("2022-01-02T03:04:05.000000001Z");
    private static final UserGroupNames NAMES = UserGroupNames.system();

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestDirs.create("restore");
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(dir);
    }

    private static Node.Builder node(String name, NodeType type, long mode) {
        return Node.builder(name, type).mode(mode).mtime(MTIME).atime(ATIME).ctime(MTIME);
    }

    @Test
    void regularFileGetsOwnerXattrsSpecialModeAndNanosecondTimes() throws Exception {
        assumeTrue(TestDirs.isRoot(), "restoring other owners needs root");
        Path f = dir.resolve("f");
        Files.writeString(f, "#!/bin/sh\n");
        Node n = node("f", NodeType.FILE, GoFileMode.MODE_SETUID | GoFileMode.MODE_SETGID | 0755)
                .uid(12345).gid(54321)
                .extendedAttributes(List.of(new Xattr("user.a", "1".getBytes(StandardCharsets.UTF_8)),
                        new Xattr("user.empty", new byte[0]), new Xattr("trusted.t", new byte[] {0, 1})))
                .build();
        assertThat(MetadataRestorer.apply(f, n, true, NAMES)).isEmpty();
        FileMeta m = Posix.lstat(f);
        // chown would have cleared setuid/setgid: chmod ran after it
        assertThat(m.mode()).isEqualTo(FileKind.S_IFREG | 06755);
        assertThat(m.uid()).isEqualTo(12345);
        assertThat(m.gid()).isEqualTo(54321);
        assertThat(m.mtime()).isEqualTo(Instant.parse("2021-05-06T05:08:09.123456789Z"));
        assertThat(m.atime()).isEqualTo(Instant.parse("2022-01-02T03:04:05.000000001Z"));
        assertThat(Posix.listXattrs(f)).containsExactlyInAnyOrderElementsOf(n.extendedAttributes());
    }

    @Test
    void symlinkGetsItsOwnOwnerAndTimesButNoChmod() throws Exception {
        Path target = dir.resolve("target");
        Files.writeString(target, "t");
        Posix.chmod(target, 0600);
        FileMeta before = Posix.lstat(target);
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, Path.of("target"));
        long uid = TestDirs.isRoot() ? 12345 : before.uid();
        Node n = node("link", NodeType.SYMLINK, GoFileMode.MODE_SYMLINK | 0777).uid(uid).gid(before.gid())
                .linkTarget("target").build();
        assertThat(MetadataRestorer.apply(link, n, true, NAMES)).isEmpty();
        FileMeta l = Posix.lstat(link);
        assertThat(l.uid()).isEqualTo(uid);
        assertThat(l.mtime()).isEqualTo(MTIME.toInstant());
        assertThat(l.atime()).isEqualTo(ATIME.toInstant());
        FileMeta t = Posix.lstat(target);
        assertThat(t.mode()).isEqualTo(before.mode());
        assertThat(t.uid()).isEqualTo(before.uid());
        assertThat(t.mtime()).isEqualTo(before.mtime());
    }

    @Test
    void directoriesFifosAndDevices() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Node dn = node("d", NodeType.DIR, GoFileMode.MODE_DIR | GoFileMode.MODE_STICKY | GoFileMode.MODE_SETGID | 0775)
                .uid(Posix.lstat(d).uid()).gid(Posix.lstat(d).gid()).build();
        assertThat(MetadataRestorer.apply(d, dn, true, NAMES)).isEmpty();
        assertThat(Posix.lstat(d).mode()).isEqualTo(FileKind.S_IFDIR | 03775);
        assertThat(Posix.lstat(d).mtime()).isEqualTo(MTIME.toInstant());

        Path p = dir.resolve("p");
        Posix.mkfifo(p, 0600);
        Node pn = node("p", NodeType.FIFO, GoFileMode.MODE_NAMED_PIPE | 0644).uid(Posix.lstat(p).uid())
                .gid(Posix.lstat(p).gid()).build();
        assertThat(MetadataRestorer.apply(p, pn, true, NAMES)).isEmpty();
        assertThat(Posix.lstat(p).mode()).isEqualTo(FileKind.S_IFIFO | 0644);

        if (TestDirs.isRoot()) {
            Path c = dir.resolve("c");
            Posix.mknod(c, FileKind.S_IFCHR | 0600, 259);
            Node cn = node("c", NodeType.CHARDEV, GoFileMode.MODE_DEVICE | GoFileMode.MODE_CHAR_DEVICE | 0666)
                    .uid(7).gid(8).device(259).build();
            assertThat(MetadataRestorer.apply(c, cn, true, NAMES)).isEmpty();
            FileMeta cm = Posix.lstat(c);
            assertThat(cm.mode()).isEqualTo(FileKind.S_IFCHR | 0666);
            assertThat(cm.uid()).isEqualTo(7);
            assertThat(cm.rdev()).isEqualTo(259);
        }
    }

    @Test
    void fileCapabilitiesSurviveTheChown() throws Exception {
        assumeTrue(TestDirs.isRoot(), "security.capability needs CAP_SETFCAP");
        Path f = dir.resolve("ping");
        Files.writeString(f, "");
        // VFS_CAP_REVISION_2 with the effective flag, permitted = CAP_NET_RAW
        byte[] cap = HexFormat.of().parseHex("0100000200200000000000000000000000000000");
        try {
            Posix.setXattr(f, "security.capability", cap);
        } catch (IOException e) {
            throw new AssertionError("cannot set file capabilities as root here: " + e.getMessage(), e);
        }
        Node n = node("ping", NodeType.FILE, 0755).uid(0).gid(0)
                .extendedAttributes(List.of(new Xattr("security.capability", cap))).build();
        assertThat(MetadataRestorer.apply(f, n, true, NAMES)).isEmpty();
        assertThat(Posix.listXattrs(f)).contains(new Xattr("security.capability", cap));
    }

    @Test
    void failuresAreCollectedAndTheRestStillHappens() throws Exception {
        Path target = dir.resolve("t");
        Files.writeString(target, "");
        Path link = dir.resolve("l");
        Files.createSymbolicLink(link, Path.of("t"));
        FileMeta m = Posix.lstat(link);
        Node n = node("l", NodeType.SYMLINK, GoFileMode.MODE_SYMLINK | 0777).uid(m.uid()).gid(m.gid())
                .extendedAttributes(List.of(new Xattr("user.nope", new byte[] {1}), new Xattr("bogus.ns", new byte[] {1})))
                .build();
        List<String> warnings = MetadataRestorer.apply(link, n, true, NAMES);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("user.nope").contains(link.toString());
        assertThat(warnings.get(1)).contains("bogus.ns");
        assertThat(Posix.lstat(link).mtime()).isEqualTo(MTIME.toInstant()); // times still restored
    }

    @Test
    void immutableFileReportsEveryStepButLchownOnlyAsRoot() throws Exception {
        assumeTrue(TestDirs.isRoot(), "chattr +i needs root");
        Path f = dir.resolve("imm");
        Files.writeString(f, "");
        TestDirs.run(dir, "chattr", "+i", f.toString());
        try {
            Node n = node("imm", NodeType.FILE, 0600).uid(1).gid(1).build();
            List<String> asRoot = MetadataRestorer.apply(f, n, true, NAMES);
            assertThat(asRoot).hasSize(3);
            assertThat(asRoot.get(0)).startsWith("lchown").contains("Operation not permitted");
            assertThat(asRoot.get(1)).startsWith("chmod");
            assertThat(asRoot.get(2)).startsWith("set times");
            List<String> asUser = MetadataRestorer.apply(f, n, false, NAMES);
            assertThat(asUser).hasSize(2); // permission errors of lchown are expected without root
        } finally {
            TestDirs.run(dir, "chattr", "-i", f.toString());
        }
    }

    @Test
    void missingTimesAreLeftAloneAndMissingPathsThrow() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "");
        Posix.setTimes(f, 1000, 1, 2000, 2, false);
        FileMeta m = Posix.lstat(f);
        Node n = Node.builder("f", NodeType.FILE).mode(0640).uid(m.uid()).gid(m.gid())
                .mtime(OffsetDateTime.of(2000, 1, 1, 0, 0, 0, 5, ZoneOffset.ofHours(-5))).build();
        assertThat(MetadataRestorer.apply(f, n, true, NAMES)).isEmpty();
        FileMeta after = Posix.lstat(f);
        assertThat(after.atime()).isEqualTo(Instant.ofEpochSecond(1000, 1));
        assertThat(after.mtime()).isEqualTo(Instant.parse("2000-01-01T05:00:00.000000005Z"));
        assertThat(after.mode() & 07777).isEqualTo(0640);

        assertThatThrownBy(() -> MetadataRestorer.apply(dir.resolve("missing"), n, true, NAMES))
                .isInstanceOf(NoSuchFileException.class);
    }
}
