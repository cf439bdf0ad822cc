package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalBackend} passes the backend contract. */
class LocalBackendContractTest extends BackendContract {
    @TempDir
    Path dir;

    private int n;

    @Override
    Backend newBackend() throws IOException {
        LocalBackend l = new LocalBackend(dir.resolve("repo" + n++));
        l.create();
        return l;
    }

    /**
     * A pack file in another subfolder than its name's first two hex digits, and a folder with a
     * pack's name: listed as what they are (not as packs to read by name, not as 4096 bytes), and
     * stat says a folder is no file.
     */
    @Test
    void aPackOutsideItsFolderAndAFolderWithAPacksNameAreListedAsSuch() throws IOException {
        Path root = dir.resolve("layout");
        LocalBackend b = new LocalBackend(root);
        b.create();
        String inPlace = "aa" + "1".repeat(62);
        String misplaced = "f3" + "2".repeat(62);
        String folder = "bb" + "3".repeat(62);
        b.save(new Handle(FileType.DATA, inPlace), new byte[] {1, 2, 3}, 0, 3, PutOptions.NONE);
        Files.write(root.resolve("data/00").resolve(misplaced), new byte[] {4, 5});
        Files.createDirectory(root.resolve("data/bb").resolve(folder));

        List<FileInfo> listed = new java.util.ArrayList<>(b.list(FileType.DATA));
        listed.sort((x, y) -> x.name().compareTo(y.name()));
        assertThat(listed).containsExactly(new FileInfo(inPlace, 3, true, null), new FileInfo(folder, -1, false, null),
                new FileInfo(misplaced, 2, true, "data/00/" + misplaced));
        assertThatThrownBy(() -> b.stat(new Handle(FileType.DATA, folder))).isInstanceOf(IOException.class)
                .hasMessageContaining("is a folder, not a file");
    }
}
