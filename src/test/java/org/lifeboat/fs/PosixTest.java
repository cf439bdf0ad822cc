package org.lifeboat.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PosixTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestDirs.create("posix");
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(dir);
    }

    @Test
    void nativeLstatIsUsedOnX86_64() {
        if ("amd64".equals(System.getProperty("os.arch"))) {
            assertThat(Posix.nativeLstat()).isTrue();
        }
    }

    @Test
    void lstatRegularFileMatchesTheJdk() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "hello\n");
        Files.createLink(dir.resolve("hard"), f);
        Posix.setTimes(f, 1_700_000_000L, 123_456_789, 1_600_000_000L, 987_654_321, false);

        FileMeta m = Posix.lstat(f);
        Map<String, Object> a = Files.readAttributes(f, "unix:*", LinkOption.NOFOLLOW_LINKS);
        assertThat(m.kind()).isEqualTo(FileKind.REGULAR);
        assertThat(m.mode()).isEqualTo((Integer) a.get("mode"));
        assertThat(m.mode() & FileKind.S_IFMT).isEqualTo(FileKind.S_IFREG);
        assertThat(m.size()).isEqualTo(6);
        assertThat(m.nlink()).isEqualTo(2);
        assertThat(m.inode()).isEqualTo((Long) a.get("ino"));
        assertThat(m.dev()).isEqualTo((Long) a.get("dev"));
        assertThat(m.uid()).isEqualTo(Integer.toUnsignedLong((Integer) a.get("uid")));
        assertThat(m.gid()).isEqualTo(Integer.toUnsignedLong((Integer) a.get("gid")));
        assertThat(m.atime()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertThat(m.mtime()).isEqualTo(Instant.ofEpochSecond(1_600_000_000L, 987_654_321));
        assertThat(m.ctime()).isEqualTo(((FileTime) a.get("ctime")).toInstant());
        assertThat(m).isEqualTo(Posix.jdkLstat(f));
    }

    @Test
    void lstatDoesNotFollowSymlinksAndAgreesWithJdkForEveryKind() throws Exception {
        Files.createDirectory(dir.resolve("d"));
        Files.writeString(dir.resolve("t"), "x");
        Files.createSymbolicLink(dir.resolve("l"), Path.of("t"));
        Posix.mkfifo(dir.resolve("p"), 0644);
        FileMeta link = Posix.lstat(dir.resolve("l"));
        assertThat(link.kind()).isEqualTo(FileKind.SYMLINK);
        assertThat(link.size()).isEqualTo(1); // length of the target
        assertThat(link.mode() & 0777).isEqualTo(0777);
        assertThat(Posix.lstat(dir.resolve("d")).kind()).isEqualTo(FileKind.DIRECTORY);
        assertThat(Posix.lstat(dir.resolve("p")).kind()).isEqualTo(FileKind.FIFO);
        for (String n : List.of("d", "t", "l", "p")) {
            assertThat(Posix.lstat(dir.resolve(n))).as(n).isEqualTo(Posix.jdkLstat(dir.resolve(n)));
        }
    }

    @Test
    void lstatErrorsNameThePath() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> Posix.lstat(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("No such file or directory");
        Files.writeString(dir.resolve("f"), "");
        assertThatThrownBy(() -> Posix.lstat(dir.resolve("f").resolve("child")))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Not a directory");
    }

    @Test
    void nanosecondTimesOnASymlinkItself() throws Exception {
        Path target = dir.resolve("target");
        Files.writeString(target, "x");
        Posix.setTimes(target, 1_000, 1, 2_000, 2, false);
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, Path.of("target"));

        Posix.setTimes(link, 1_234_567_890L, 111_222_333, 1_111_111_111L, 999_999_999, true);
        FileMeta l = Posix.lstat(link);
        assertThat(l.atime()).isEqualTo(Instant.ofEpochSecond(1_234_567_890L, 111_222_333));
        assertThat(l.mtime()).isEqualTo(Instant.ofEpochSecond(1_111_111_111L, 999_999_999));
        FileMeta t = Posix.lstat(target);
        assertThat(t.mtime()).isEqualTo(Instant.ofEpochSecond(2_000, 2)); // target untouched

        // without noFollow the target changes; UTIME_OMIT keeps the atime
        Posix.setTimes(link, 0, Posix.UTIME_OMIT, 5_000, 5, false);
        t = Posix.lstat(target);
        assertThat(t.mtime()).isEqualTo(Instant.ofEpochSecond(5_000, 5));
        assertThat(t.atime()).isEqualTo(Instant.ofEpochSecond(1_000, 1));
    }

    @Test
    void timesBeforeTheEpochKeepTheirNanoseconds() throws Exception {
        Path f = dir.resolve("old");
        Files.writeString(f, "");
        Posix.setTimes(f, -1, 500_000_000, -86_400 * 365L, 1, false);
        FileMeta m = Posix.lstat(f);
        assertThat(m.atime()).isEqualTo(Instant.ofEpochSecond(-1, 500_000_000));
        assertThat(m.mtime()).isEqualTo(Instant.ofEpochSecond(-86_400 * 365L, 1));
    }

    @Test
    void mkfifoAndChmodWithSpecialBits() throws Exception {
        Path p = dir.resolve("fifo");
        Posix.mkfifo(p, 0600);
        assertThat(Posix.lstat(p).kind()).isEqualTo(FileKind.FIFO);
        assertThat(Posix.lstat(p).mode() & 07777).isEqualTo(0600);
        assertThatThrownBy(() -> Posix.mkfifo(p, 0600)).isInstanceOf(FileAlreadyExistsException.class);

        Path f = dir.resolve("f");
        Files.writeString(f, "");
        Posix.chmod(f, 04755);
        assertThat(Posix.lstat(f).mode()).isEqualTo(FileKind.S_IFREG | 04755);
        Posix.chmod(f, 02750);
        assertThat(Posix.lstat(f).mode()).isEqualTo(FileKind.S_IFREG | 02750);
        Path d = dir.resolve("d");
        Files.createDirectory(d);
        Posix.chmod(d, 01777);
        assertThat(Posix.lstat(d).mode()).isEqualTo(FileKind.S_IFDIR | 01777);
        assertThatThrownBy(() -> Posix.chmod(dir.resolve("nope"), 0644)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void mknodDevicesAsRoot() throws Exception {
        assumeTrue(TestDirs.isRoot(), "mknod of devices needs root");
        Path blk = dir.resolve("blk");
        Path chr = dir.resolve("chr");
        Posix.mknod(blk, FileKind.S_IFBLK | 0600, (8 << 8) | 1);
        Posix.mknod(chr, FileKind.S_IFCHR | 0640, (1 << 8) | 3);
        FileMeta b = Posix.lstat(blk);
        FileMeta c = Posix.lstat(chr);
        assertThat(b.kind()).isEqualTo(FileKind.BLOCK_DEVICE);
        assertThat(b.rdev()).isEqualTo(2049);
        assertThat(c.kind()).isEqualTo(FileKind.CHAR_DEVICE);
        assertThat(c.rdev()).isEqualTo(259);
        assertThat(c.mode() & 0777).isEqualTo(0640 & ~umask());
        assertThat(b).isEqualTo(Posix.jdkLstat(blk));
        // a large minor number uses the split dev_t encoding of glibc's makedev
        Path big = dir.resolve("big");
        long rdev = makedev(259, 0x34512);
        Posix.mknod(big, FileKind.S_IFCHR | 0600, rdev);
        assertThat(Posix.lstat(big).rdev()).isEqualTo(rdev);
        assertThat(TestDirs.run(dir, "stat", "-c", "%t:%T", "big").trim()).isEqualTo("103:34512");
        String ls = TestDirs.run(dir, "stat", "-c", "%t:%T", "chr");
        assertThat(ls.trim()).isEqualTo("1:3");
    }

    @Test
    void lchownChangesTheLinkNotTheTarget() throws Exception {
        assumeTrue(TestDirs.isRoot(), "chown to other users needs root");
        Path t = dir.resolve("t");
        Files.writeString(t, "");
        Path l = dir.resolve("l");
        Files.createSymbolicLink(l, Path.of("t"));
        Posix.lchown(l, 12345, 54321);
        assertThat(Posix.lstat(l).uid()).isEqualTo(12345);
        assertThat(Posix.lstat(l).gid()).isEqualTo(54321);
        assertThat(Posix.lstat(t).uid()).isEqualTo(0);
        Posix.lchown(t, -1, 777);
        assertThat(Posix.lstat(t).uid()).isEqualTo(0);
        assertThat(Posix.lstat(t).gid()).isEqualTo(777);
        Posix.lchown(t, (int) 4_000_000_000L, -1); // uid_t is unsigned
        assertThat(Posix.lstat(t).uid()).isEqualTo(4_000_000_000L);
    }

    @Test
    void xattrsRoundTrip() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "");
        assertThat(Posix.listXattrs(f)).isEmpty();
        byte[] binary = {0, 1, 2, (byte) 0xff, 0};
        Posix.setXattr(f, "user.one", "1".getBytes(StandardCharsets.UTF_8));
        Posix.setXattr(f, "user.binary", binary);
        Posix.setXattr(f, "user.empty", new byte[0]);
        byte[] big = new byte[3000]; // ext4 keeps xattrs in one 4 KiB block
        for (int i = 0; i < big.length; i++) big[i] = (byte) i;
        Posix.setXattr(f, "user.big", big);
        if (TestDirs.isRoot()) {
            Posix.setXattr(f, "trusted.t", new byte[] {'t'});
        }
        List<Xattr> xs = Posix.listXattrs(f);
        assertThat(xs).contains(
                new Xattr("user.one", "1".getBytes(StandardCharsets.UTF_8)),
                new Xattr("user.binary", binary),
                new Xattr("user.empty", new byte[0]),
                new Xattr("user.big", big));
        if (TestDirs.isRoot()) assertThat(xs).contains(new Xattr("trusted.t", new byte[] {'t'}));
        // kernel order (getfattr would sort; Python's os.listxattr returns llistxattr's order)
        String out = TestDirs.run(dir, "python3", "-c",
                "import os,sys; print('\\n'.join(os.listxattr(sys.argv[1], follow_symlinks=False)))", f.toString());
        List<String> expected = out.lines().filter(s -> !s.isBlank()).toList();
        assertThat(xs.stream().map(Xattr::name).toList()).isEqualTo(expected);

        Posix.setXattr(f, "user.one", "replaced".getBytes(StandardCharsets.UTF_8));
        assertThat(Posix.listXattrs(f)).contains(new Xattr("user.one", "replaced".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> Posix.setXattr(f, "nonamespace", new byte[1])).isInstanceOf(FileSystemException.class);
        assertThatThrownBy(() -> Posix.listXattrs(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void xattrsOfASymlinkAreItsOwn() throws Exception {
        Path t = dir.resolve("t");
        Files.writeString(t, "");
        Posix.setXattr(t, "user.x", new byte[] {1});
        Path l = dir.resolve("l");
        Files.createSymbolicLink(l, Path.of("t"));
        assertThat(Posix.listXattrs(l)).isEmpty();
        // user.* xattrs are not allowed on symlinks
        assertThatThrownBy(() -> Posix.setXattr(l, "user.x", new byte[] {1})).isInstanceOf(FileSystemException.class);
    }

    @Test
    void readlinkKeepsRawBytes() throws Exception {
        TestDirs.run(dir, "sh", "-c", "ln -s \"$(printf 'a\\377b')\" raw && ln -s 'é/x' utf");
        assertThat(Posix.readlink(dir.resolve("raw"))).isEqualTo("a\uDCFFb");
        assertThat(RawNames.encode(Posix.readlink(dir.resolve("raw")))).containsExactly('a', 0xff, 'b');
        assertThat(Posix.readlink(dir.resolve("utf"))).isEqualTo("é/x");
        String longTarget = "abcdefgh/".repeat(449) + "end"; // near PATH_MAX, components under NAME_MAX
        Files.createSymbolicLink(dir.resolve("long"), Path.of(longTarget));
        assertThat(Posix.readlink(dir.resolve("long")).equals(longTarget)).as("long target").isTrue();
        assertThatThrownBy(() -> Posix.readlink(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void callsWorkFromManyThreads() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "abc");
        FileMeta expected = Posix.lstat(f);
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int j = 0; j < 2000; j++) {
                    try {
                        if (!Posix.lstat(f).equals(expected)) bad.incrementAndGet();
                        Posix.lstat(dir.resolve("missing-" + j));
                        bad.incrementAndGet();
                    } catch (NoSuchFileException e) {
                        // expected
                    } catch (IOException e) {
                        bad.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(bad.get()).isZero();
    }

    static long makedev(long major, long minor) {
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
    }

    static int umask() {
        try {
            String out = TestDirs.run(Path.of("."), "sh", "-c", "umask");
            return Integer.parseInt(out.trim(), 8);
        } catch (Exception e) {
            return 022;
        }
    }
}
