package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;

class NodesTest {
    private static final UserGroupNames NAMES = UserGroupNames.of(Map.of(0L, "root"), Map.of(0L, "root"));
    private static final ZoneId UTC = ZoneOffset.UTC;
    // 2026-11-22T03:04:08.803433445Z and friends
    private static final long M = java.time.Instant.parse("2026-11-22T03:04:08Z").getEpochSecond();

    private static FileMeta meta(int mode, long nlink, long size, long rdev) {
        return FileMeta.of(mode, 0, 0, size, 2146406, 65024, rdev, nlink, M + 60, 5, M, 803_433_445, M + 1, 0);
    }

    private static String json(Node n) {
        return new String(TreeCodec.encodeNode(n), StandardCharsets.UTF_8);
    }

    @Test
    void regularFileAsResticWritesIt() {
        Node n = Nodes.fromFileMeta("a.txt", meta(FileKind.S_IFREG | 0644, 2, 6, 0), null, NAMES, List.of(), false, UTC);
        assertThat(json(n)).isEqualTo("{\"name\":\"a.txt\",\"type\":\"file\",\"mode\":420,"
                + "\"mtime\":\"2026-11-22T03:04:08.803433445Z\",\"atime\":\"2026-11-22T03:04:08.803433445Z\","
                + "\"ctime\":\"2026-11-22T03:04:09Z\",\"uid\":0,\"gid\":0,\"user\":\"root\",\"group\":\"root\","
                + "\"inode\":2146406,\"device_id\":65024,\"size\":6,\"links\":2,\"content\":[]}");
        Node withAtime = Nodes.fromFileMeta("a.txt", meta(FileKind.S_IFREG | 0644, 2, 6, 0), null, NAMES, null, true, UTC);
        assertThat(json(withAtime)).contains("\"atime\":\"2026-11-22T03:05:08.000000005Z\"");
    }

    @Test
    void emptyFileFifoSymlinkDirAndDevices() {
        assertThat(json(Nodes.fromFileMeta("empty", meta(FileKind.S_IFREG | 0644, 1, 0, 0), null, NAMES, List.of(), false, UTC)))
                .endsWith("\"device_id\":65024,\"links\":1,\"content\":[]}");
        assertThat(json(Nodes.fromFileMeta("fifo", meta(FileKind.S_IFIFO | 0644, 1, 0, 0), null, NAMES, List.of(), false, UTC)))
                .contains("\"type\":\"fifo\",\"mode\":33554852,")
                .endsWith("\"device_id\":65024,\"content\":null}");
        assertThat(json(Nodes.fromFileMeta("link", meta(FileKind.S_IFLNK | 0777, 1, 5, 0), "a.txt", NAMES, List.of(), false, UTC)))
                .contains("\"type\":\"symlink\",\"mode\":134218239,")
                .endsWith("\"device_id\":65024,\"links\":1,\"linktarget\":\"a.txt\",\"content\":null}");
        assertThat(json(Nodes.fromFileMeta("sub", meta(FileKind.S_IFDIR | 0755, 3, 4096, 0), null, NAMES, List.of(), false, UTC)
                .withSubtree(org.lifeboat.repository.Id.hash(new byte[0]))))
                .contains("\"type\":\"dir\",\"mode\":2147484141,")
                .contains("\"device_id\":65024,\"content\":null,\"subtree\":\"e3b0c442");
        assertThat(json(Nodes.fromFileMeta("blk", meta(FileKind.S_IFBLK | 0644, 1, 0, 2049), null, NAMES, List.of(), false, UTC)))
                .contains("\"type\":\"dev\",\"mode\":67109284,")
                .endsWith("\"device_id\":65024,\"links\":1,\"device\":2049,\"content\":null}");
        assertThat(json(Nodes.fromFileMeta("chr", meta(FileKind.S_IFCHR | 0644, 1, 0, 259), null, NAMES, List.of(), false, UTC)))
                .contains("\"type\":\"chardev\",\"mode\":69206436,")
                .endsWith("\"links\":1,\"device\":259,\"content\":null}");
    }

    @Test
    void unknownOwnersAndXattrs() {
        FileMeta m = FileMeta.of(FileKind.S_IFREG | 0600, 12345, 54321, 1, 1, 1, 0, 1, M, 0, M, 0, M, 0);
        Node n = Nodes.fromFileMeta("n", m, NAMES, List.of(new Xattr("user.k", new byte[] {'v'})));
        assertThat(json(n)).contains("\"uid\":12345,\"gid\":54321,\"inode\":1,")
                .contains("\"extended_attributes\":[{\"name\":\"user.k\",\"value\":\"dg==\"}],\"content\":[]");
    }

    @Test
    void timesUseTheZoneOffsetOfThatInstant() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        long winter = Instant.parse("2026-01-15T12:00:00Z").getEpochSecond();
        long summer = Instant.parse("2026-07-15T12:00:00.5Z").getEpochSecond();
        FileMeta m = FileMeta.of(FileKind.S_IFREG | 0644, 0, 0, 0, 1, 1, 0, 1, summer, 500_000_000, winter, 0, winter, 0);
        String s = json(Nodes.fromFileMeta("t", m, null, NAMES, List.of(), true, berlin));
        assertThat(s).contains("\"mtime\":\"2026-01-15T13:00:00+01:00\",\"atime\":\"2026-07-15T14:00:00.5+02:00\"");
        String sj = json(Nodes.fromFileMeta("t", m, null, NAMES, List.of(), true, ZoneId.of("America/St_Johns")));
        assertThat(sj).contains("\"mtime\":\"2026-01-15T08:30:00-03:30\"");
        // before 1893 Berlin used local mean time +00:53:28; Go prints +00:53
        long old = Instant.parse("1800-01-01T00:00:00Z").getEpochSecond();
        FileMeta o = FileMeta.of(FileKind.S_IFREG | 0644, 0, 0, 0, 1, 1, 0, 1, old, 0, old, 0, old, 0);
        assertThat(json(Nodes.fromFileMeta("o", o, null, NAMES, List.of(), false, berlin)))
                .contains("\"mtime\":\"1800-01-01T00:53:28+00:53\"");
        // years beyond 9999 are clamped like restic's FixTime
        long far = Instant.parse("+12000-06-01T00:00:00Z").getEpochSecond();
        FileMeta f = FileMeta.of(FileKind.S_IFREG | 0644, 0, 0, 0, 1, 1, 0, 1, far, 0, far, 0, far, 0);
        assertThat(json(Nodes.fromFileMeta("f", f, null, NAMES, List.of(), false, UTC)))
                .contains("\"mtime\":\"9999-06-01T00:00:00Z\"");
    }
}
