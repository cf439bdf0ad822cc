package org.lifeboat.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;

/**
 * A new index too big for one file is written as several; a crash before the last of them must leave
 * every blob described by a live index file (the old files stay in force until the last new file,
 * the only one that supersedes them, exists).
 */
class IndexReplacerTest {
    @TempDir
    Path dir;

    private static Id id(int n, int salt) {
        byte[] b = new byte[Id.LENGTH];
        b[0] = (byte) (n >>> 16);
        b[1] = (byte) (n >>> 8);
        b[2] = (byte) n;
        b[31] = (byte) salt;
        return Id.of(b);
    }

    @Test
    void aCrashBeforeTheLastNewIndexFileLosesNoBlob() throws Exception {
        int count = IndexReplacer.BLOBS_PER_FILE + 10_000;
        List<PackedBlob> blobs = new ArrayList<>();
        for (int i = 0; i < count; i++) blobs.add(new PackedBlob(id(i, 1), BlobType.DATA, id(i / 1000, 2), (i % 1000) * 100L, 100, 0));
        Id old;
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, 0x3DA3358B4DC173L)) {
            old = r.saveIndex(blobs, List.of());
            List<String> saved = new ArrayList<>();
            // The "crash": stop right after the new files are written, before any old one is removed.
            assertThatThrownBy(() -> IndexReplacer.replace(r, blobs, List.of(old), List.of(),
                    () -> { throw new IllegalStateException("crash"); }, saved::add)).hasMessage("crash");
            assertThat(saved).hasSize(2);
            // ...and as if the last new file had never been written.
            String last = saved.getLast().replace("saved new index ", "");
            try (Stream<Path> files = Files.list(dir.resolve("index"))) {
                List<Path> named = files.filter(f -> f.getFileName().toString().startsWith(last)).toList();
                assertThat(named).hasSize(1);
                Files.delete(named.getFirst());
            }
        }
        try (Repository r = Repository.open(new LocalBackend(dir), "pw")) {
            r.loadIndex();
            for (PackedBlob b : blobs) assertThat(r.findBlob(BlobType.DATA, b.id())).as(b.id().hex()).isPresent();
        }
    }
}
