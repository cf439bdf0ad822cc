package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lifeboat.fs.FileKind;

class GoFileModeTest {
    @Test
    void valuesResticStores() {
        // st_mode -> FileMode as observed in trees written by restic 0.14
        Object[][] cases = {
            {FileKind.S_IFREG | 0644, 420L, NodeType.FILE, "-rw-r--r--"},
            {FileKind.S_IFREG | 04755, 8389101L, NodeType.FILE, "urwxr-xr-x"},
            {FileKind.S_IFDIR | 0755, 2147484141L, NodeType.DIR, "drwxr-xr-x"},
            {FileKind.S_IFDIR | 02750, 2151678440L, NodeType.DIR, "dgrwxr-x---"},
            {FileKind.S_IFDIR | 01777, 2148532735L, NodeType.DIR, "dtrwxrwxrwx"},
            {FileKind.S_IFLNK | 0777, 134218239L, NodeType.SYMLINK, "Lrwxrwxrwx"},
            {FileKind.S_IFIFO | 0644, 33554852L, NodeType.FIFO, "prw-r--r--"},
            {FileKind.S_IFBLK | 0644, 67109284L, NodeType.DEV, "Drw-r--r--"},
            {FileKind.S_IFCHR | 0644, 69206436L, NodeType.CHARDEV, "Dcrw-r--r--"},
            {FileKind.S_IFSOCK | 0755, (1L << 24) | 0755, NodeType.SOCKET, "Srwxr-xr-x"},
        };
        for (Object[] c : cases) {
            int st = (Integer) c[0];
            long go = GoFileMode.fromPosix(st);
            assertThat(go).as(Integer.toOctalString(st)).isEqualTo((Long) c[1]);
            assertThat(GoFileMode.nodeType(go)).isEqualTo(c[2]);
            assertThat(GoFileMode.format(go)).isEqualTo(c[3]);
            assertThat(GoFileMode.toPosix(go)).isEqualTo(st);
            assertThat(GoFileMode.toPosixPermissions(go)).isEqualTo(st & 07777);
        }
    }

    @Test
    void unknownTypeBitsAreAFileAsInGoOnLinux() {
        long go = GoFileMode.fromPosix(0150000 | 0600); // no such S_IFMT
        assertThat(go).isEqualTo(0600);
        assertThat(GoFileMode.nodeType(go)).isEqualTo(NodeType.FILE);
        assertThat(GoFileMode.nodeType(GoFileMode.MODE_IRREGULAR)).isEqualTo(NodeType.IRREGULAR);
        assertThat(GoFileMode.nodeType(GoFileMode.MODE_DIR | GoFileMode.MODE_SYMLINK)).isNull();
        assertThat(GoFileMode.format(0)).isEqualTo("----------");
    }
}
