package org.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.TestTrees;

/**
 * What restic users hit on their first day, at the archiver: files that change size while read,
 * summary counters that leaked from one backup into the next on a shared repository object,
 * streams that delivered nothing, warnings that named the wrong cause, and restic's change
 * detection and time options. File-system changes happen in the archiver's {@link Archiver.Hook}
 * at a fixed point of the read, never raced with sleeps.
 */
class ArchiverDayOneTest {
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Repository repo() throws IOException {
        return Repository.init(new LocalBackend(Files.createDirectories(dir.resolve("repo"))), Restic.PASSWORD, 2, POLY);
    }

    private static BackupOptions opts(Path target, Id parent, boolean ignoreCtime, boolean ignoreInode,
                                      OffsetDateTime time, boolean withAtime) {
        return new BackupOptions(List.of(target.toString()), new Excludes(List.of(), List.of(), false), false,
                List.of(), "host", parent, false, false, null, 2, List.of(), ignoreCtime, ignoreInode, time, withAtime);
    }

    private static BackupOptions opts(Path target) {
        return opts(target, null, false, false, null, false);
    }

    /** Warnings of one backup, by path. */
    private static final class Collected implements Warnings {
        final Map<String, String> byPath = new ConcurrentHashMap<>();

        final Map<String, String> notices = new ConcurrentHashMap<>();

        @Override
        public void warn(String path, String message) {
            byPath.put(path, message);
        }

        @Override
        public void notice(String path, String message) {
            notices.put(path, message);
        }
    }

    private static Node nodeAt(Repository repo, Snapshot snap, String absPath) throws IOException {
        Id tree = snap.tree();
        Node found = null;
        for (String comp : absPath.substring(1).split("/")) {
            found = null;
            for (Node n : TreeCodec.decode(repo.loadBlob(BlobType.TREE, tree)).nodes()) {
                if (n.name().equals(comp)) found = n;
            }
            assertThat(found).as("%s in snapshot", comp).isNotNull();
            tree = found.subtree();
        }
        return found;
    }

    private static long storedBytes(Repository repo, Node file) throws IOException {
        long n = 0;
        for (Id id : file.content()) n += repo.loadBlob(BlobType.DATA, id).length;
        return n;
    }

    // ---------------------------------------------------------------- size and content agree

    @Test
    void aFileThatGrowsOrShrinksWhileReadIsRecordedWithTheBytesStoredAndResticAgrees() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path grows = src.resolve("grows.log");
        Path shrinks = src.resolve("shrinks.db");
        Files.write(grows, TestTrees.random(1, 3 * MIB));
        Files.write(shrinks, TestTrees.random(2, 3 * MIB));
        byte[] tail = TestTrees.random(3, MIB + 17);
        Collected w = new Collected();
        Snapshot snap;
        try (Repository repo = repo()) {
            Archiver a = new Archiver(repo, opts(src), new Progress(), w);
            a.hook(new Archiver.Hook() {
                @Override
                public void afterFirstRead(String path, long bytes) throws IOException {
                    if (path.equals(grows.toString())) Files.write(grows, tail, StandardOpenOption.APPEND);
                    if (path.equals(shrinks.toString())) {
                        try (RandomAccessFile f = new RandomAccessFile(shrinks.toFile(), "rw")) {
                            f.setLength(2 * MIB + 5);
                        }
                    }
                }
            });
            BackupResult r = a.run();
            snap = r.snapshot();
            assertThat(r.errors()).as("a file that changed while read is saved, not an error").isZero();
            Node g = nodeAt(repo, snap, grows.toString());
            Node s = nodeAt(repo, snap, shrinks.toString());
            assertThat(g.size()).as("grown file: the size that was read").isEqualTo(4L * MIB + 17);
            assertThat(storedBytes(repo, g)).isEqualTo(g.size());
            assertThat(s.size()).as("shrunk file: the size that was read").isEqualTo(2L * MIB + 5);
            assertThat(storedBytes(repo, s)).isEqualTo(s.size());
        }
        // a notice, not an error: the summary counts no error, so no error message may be printed
        assertThat(w.notices.get(grows.toString())).contains(grows.toString()).contains("grew while it was read");
        assertThat(w.notices.get(shrinks.toString())).contains(shrinks.toString()).contains("shrank while it was read");
        assertThat(w.byPath).isEmpty();

        // The judge: restic's check reads every blob, and its restore writes what the node says.
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("check", "--read-data").ok();
        Path target = dir.resolve("restored");
        restic.run("restore", snap.id().hex(), "--target", target.toString()).ok();
        Path rg = target.resolve(grows.toString().substring(1));
        Path rs = target.resolve(shrinks.toString().substring(1));
        assertThat(Files.readAllBytes(rg)).isEqualTo(Files.readAllBytes(grows));
        assertThat(Files.readAllBytes(rs)).isEqualTo(Files.readAllBytes(shrinks));
        String ls = restic.run("ls", "-l", snap.id().hex(), grows.toString()).ok().out();
        assertThat(ls).contains(" " + (4L * MIB + 17) + " ");
    }

    // ---------------------------------------------------------------- counters of one backup

    @Test
    void twoBackupsOnOneRepositoryObjectEachCountOnlyTheirOwnData() throws Exception {
        Path big = Files.createDirectories(dir.resolve("big"));
        Files.write(big.resolve("data.bin"), TestTrees.random(4, 3 * MIB));
        Path small = Files.createDirectories(dir.resolve("small"));
        Files.write(small.resolve("note.txt"), new byte[309]);
        try (Repository repo = repo()) {
            BackupResult first = new Archiver(repo, opts(big), new Progress(), new Collected()).run();
            assertThat(first.summary().dataAdded()).isGreaterThan(3L * MIB);
            BackupResult second = new Archiver(repo, opts(small), new Progress(), new Collected()).run();
            Snapshot.Summary s = second.summary();
            assertThat(s.dataBlobs()).as("the second backup's own data blobs").isEqualTo(1);
            assertThat(s.dataAdded()).as("309 bytes of data plus a few small trees, not the first backup's 3 MiB")
                    .isGreaterThan(309).isLessThan(16 * 1024);
            assertThat(s.dataAddedPacked()).isLessThan(16 * 1024);
            Snapshot stored = repo.loadSnapshot(second.snapshot().id());
            assertThat(stored.summary().dataAdded()).as("the stored summary").isEqualTo(s.dataAdded());
            assertThat(stored.summary().dataBlobs()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- streams that delivered nothing

    @Test
    void anEmptyRequiredStreamFailsTheBackupAndSavesNoSnapshot() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        try (Repository repo = repo()) {
            BackupOptions o = new BackupOptions(List.of(src.toString()), new Excludes(List.of(), List.of(), false), false,
                    List.of(), "host", null, false, false, null, 2, List.of(new StreamSource("/dumps/db.sql",
                            () -> new ByteArrayInputStream(new byte[0]), true)));
            assertThatThrownBy(() -> new Archiver(repo, o, new Progress(), new Collected()).run())
                    .isInstanceOf(Archiver.NoDataException.class).hasMessageContaining("/dumps/db.sql")
                    .hasMessageContaining("no data was read");
            assertThat(repo.listSnapshots(m -> { })).isEmpty();
            // An empty stream that may be empty is data like any other.
            BackupOptions ok = new BackupOptions(List.of(src.toString()), new Excludes(List.of(), List.of(), false), false,
                    List.of(), "host", null, false, false, null, 2, List.of(new StreamSource("/dumps/db.sql",
                            () -> new ByteArrayInputStream(new byte[0]))));
            assertThat(new Archiver(repo, ok, new Progress(), new Collected()).run().snapshot()).isNotNull();
        }
    }

    // ---------------------------------------------------------------- warnings name the real cause

    @Test
    void aFileThatCannotBeOpenedIsReportedWithTheSystemsReasonNotAsVanished() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path sock = src.resolve("became-a-socket");
        Path gone = src.resolve("gone");
        Files.writeString(sock, "was a file\n");
        Files.writeString(gone, "deleted before open\n");
        Files.writeString(src.resolve("ok.txt"), "fine\n");
        Collected w = new Collected();
        List<ServerSocketChannel> keep = new ArrayList<>();
        try (Repository repo = repo()) {
            Progress p = new Progress();
            Archiver a = new Archiver(repo, opts(src), p, w);
            a.hook(new Archiver.Hook() {
                @Override
                public void beforeOpen(String path) throws IOException {
                    if (path.equals(sock.toString())) {
                        // Stat'ed as a file, opened as a socket: open(2) fails with ENXIO.
                        Files.delete(sock);
                        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                        ch.bind(UnixDomainSocketAddress.of(sock));
                        keep.add(ch);
                    }
                    if (path.equals(gone.toString())) Files.delete(gone);
                }
            });
            BackupResult r = a.run();
            assertThat(r.errors()).as("both count: exit code 3").isEqualTo(2);
            assertThat(r.snapshot()).isNotNull();
        } finally {
            for (ServerSocketChannel ch : keep) ch.close();
        }
        assertThat(w.byPath.get(sock.toString())).isEqualTo("open " + sock + ": no such device or address");
        assertThat(w.byPath.get(gone.toString())).isEqualTo("open " + gone + ": no such file or directory");
        assertThat(w.byPath.values()).noneMatch(m -> m.contains("vanished")).noneMatch(m -> m.contains("errno"));
    }

    // ---------------------------------------------------------------- restic's change detection options

    @Test
    void ignoreCtimeAndIgnoreInodeDecideWhetherAFileIsReadAgain() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path f = src.resolve("f.txt");
        Files.writeString(f, "content\n");
        try (Repository repo = repo()) {
            Id parent = new Archiver(repo, opts(src), new Progress(), new Collected()).run().snapshot().id();

            // Only the ctime changes (chmod to the same mode): modified, unless --ignore-ctime.
            Files.setPosixFilePermissions(f, Files.getPosixFilePermissions(f));
            touchCtime(f);
            assertThat(new Archiver(repo, opts(src, parent, false, false, null, false), new Progress(), new Collected())
                    .run().summary().filesChanged()).isEqualTo(1);
            assertThat(new Archiver(repo, opts(src, parent, true, false, null, false), new Progress(), new Collected())
                    .run().summary().filesUnmodified()).as("--ignore-ctime").isEqualTo(1);

            // A copy in its place: same size and mtime, another inode (and ctime).
            FileTime mtime = Files.getLastModifiedTime(f);
            Path copy = src.resolve("copy.tmp");
            Files.copy(f, copy);
            Files.setLastModifiedTime(copy, mtime);
            Files.move(copy, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(new Archiver(repo, opts(src, parent, true, false, null, false), new Progress(), new Collected())
                    .run().summary().filesChanged()).as("another inode").isEqualTo(1);
            assertThat(new Archiver(repo, opts(src, parent, true, true, null, false), new Progress(), new Collected())
                    .run().summary().filesUnmodified()).as("--ignore-ctime --ignore-inode").isEqualTo(1);
        }
    }

    /** Changes only the ctime: an xattr set and removed (chmod to the same mode may not reach the inode). */
    private static void touchCtime(Path f) throws Exception {
        TestTrees.exec("chmod", "u+x", f.toString());
        TestTrees.exec("chmod", "u-x", f.toString());
    }

    @Test
    void theSnapshotTimeAndAtimeAreRecordedAsAsked() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path f = src.resolve("f.txt");
        Files.writeString(f, "content\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L));
        OffsetDateTime when = OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
        try (Repository repo = repo()) {
            Snapshot plain = new Archiver(repo, opts(src, null, false, false, when, false), new Progress(), new Collected())
                    .run().snapshot();
            assertThat(repo.loadSnapshot(plain.id()).time().toInstant()).isEqualTo(when.toInstant());
            Node n = nodeAt(repo, plain, f.toString());
            assertThat(n.atime().toInstant()).as("default: the mtime stands in for the atime, as restic")
                    .isEqualTo(n.mtime().toInstant());
            // Set after the first backup read the file (reading moves the atime on).
            Files.setAttribute(f, "lastAccessTime", FileTime.fromMillis(1_700_000_000_000L));
            Snapshot with = new Archiver(repo, opts(src, null, false, false, null, true), new Progress(), new Collected())
                    .run().snapshot();
            assertThat(nodeAt(repo, with, f.toString()).atime().toInstant().toEpochMilli()).as("--with-atime")
                    .isEqualTo(1_700_000_000_000L);
        }
    }
}
