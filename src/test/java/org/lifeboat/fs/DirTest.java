package org.lifeboat.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fd-relative directories: nothing below an opened folder is ever reached through a symlink. */
class DirTest {
    @TempDir
    Path tmp;

    @Test
    void opensWritesListsAndStatsByDescriptor() throws IOException {
        String raw = RawNames.decode("caf\u00e9-".getBytes(StandardCharsets.ISO_8859_1)); // Latin-1, not UTF-8
        try (Dir d = Dir.open(tmp)) {
            d.mkdir("sub", 0755);
            try (Dir sub = d.openDir("sub"); RawFile f = sub.createFile(raw)) {
                byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
                f.write(data, 0, data.length, 3);
                f.chmod(0640);
                f.setTimes(1, 2, 1_000_000, 5);
                assertThat(f.size()).isEqualTo(8);
                FileMeta m = sub.stat(raw);
                assertThat(m.permissions()).isEqualTo(0640);
                assertThat(m.mtimeSec()).isEqualTo(1_000_000);
                assertThat(m.mtimeNsec()).isEqualTo(5);
                assertThat(sub.list()).containsExactly(raw);
                byte[] back = new byte[8];
                assertThat(f.read(back, 0, 8, 0)).isEqualTo(-1); // write-only descriptor cannot read
            } catch (FileSystemException expected) {
                // pread on O_WRONLY fails with EBADF: what matters is that it is an IOException
            }
            // The name reached the kernel as Latin-1 bytes.
            try (var s = Files.list(tmp.resolve("sub"))) {
                assertThat(s.count()).isEqualTo(1);
            }
            try (Dir sub = d.openDir("sub"); RawFile r = sub.openForRead(raw)) {
                byte[] back = new byte[8];
                assertThat(r.read(back, 0, 8, 0)).isEqualTo(8);
                assertThat(new String(back, 3, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
            }
            assertThat(d.space().freeBytes()).isPositive();
        }
    }

    @Test
    void neverFollowsASymlinkBelowTheOpenedFolder() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "keep");
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.createSymbolicLink(target.resolve("a"), outside);
        Files.createSymbolicLink(target.resolve("f"), outside.resolve("victim"));
        try (Dir d = Dir.open(target)) {
            assertThatThrownBy(() -> d.openDir("a")).isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("symlink");
            assertThatThrownBy(() -> d.openForWrite("f")).isInstanceOf(FileSystemException.class);
            assertThatThrownBy(() -> d.createFile("f")).isInstanceOf(FileSystemException.class);
            assertThatThrownBy(() -> d.chmod("f", 0777)).isInstanceOf(FileSystemException.class);
            d.setTimes("f", 5, 0, 5, 0); // the link's own times
            d.chown("f", -1, -1);
            d.link(d, "f", "hard"); // links the symlink itself
            assertThat(d.stat("hard").kind()).isEqualTo(FileKind.SYMLINK);
            assertThat(d.readlink("f")).isEqualTo(outside.resolve("victim").toString());
            d.unlink("a");
            assertThatThrownBy(() -> d.mkdir("..", 0755)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.createFile("x/y")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.createFile("x\0y")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("keep");
        assertThat(Files.getLastModifiedTime(outside.resolve("victim")).toMillis()).isNotEqualTo(5000);
        assertThat(Files.exists(outside)).isTrue();
    }
}
