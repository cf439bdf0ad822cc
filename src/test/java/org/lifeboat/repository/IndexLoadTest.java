package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;

/**
 * {@link Repository#loadIndex()} streams each index file into the compact master index: superseded
 * files are still left out, the first copy of a blob stored twice is chosen the same way on every
 * load (index files in ID order), and more files than the loading window all arrive.
 */
class IndexLoadTest {
    @TempDir
    Path dir;

    private static Id id(int n) {
        byte[] b = new byte[Id.LENGTH];
        b[0] = (byte) (n >>> 8);
        b[1] = (byte) n;
        b[31] = 7;
        return Id.of(b);
    }

    private static PackedBlob data(int blob, int pack, long offset) {
        return new PackedBlob(id(blob), BlobType.DATA, id(10_000 + pack), offset, 100, 0);
    }

    private Repository open() throws Exception {
        return Repository.open(new LocalBackend(dir), "pw");
    }

    @Test
    void aSupersededFileIsLeftOutAndItsRefusedEntriesAreNotReported() throws Exception {
        Id old;
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, RepositoryTest.POLY)) {
            old = r.saveIndex(List.of(data(1, 1, 0), data(2, 1, 100), new PackedBlob(id(3), BlobType.DATA, id(10_001), -5, 100, 0)),
                    List.of());
            r.saveIndex(List.of(data(2, 2, 0), data(4, 2, 100)), List.of(old));
        }
        try (Repository r = open()) {
            r.loadIndex();
            assertThat(r.findBlob(BlobType.DATA, id(1))).isEmpty();
            assertThat(r.findBlob(BlobType.DATA, id(2))).contains(data(2, 2, 0));
            assertThat(r.findBlobCopies(BlobType.DATA, id(2))).containsExactly(data(2, 2, 0));
            assertThat(r.findBlob(BlobType.DATA, id(4))).contains(data(4, 2, 100));
            assertThat(r.indexedPacks()).containsExactly(id(10_002));
            assertThat(r.indexedBlobCount(BlobType.DATA)).isEqualTo(2);
            assertThat(r.indexErrors()).isEmpty();
            assertThat(r.packsWithRefusedIndexEntries()).isEmpty();
        }
    }

    @Test
    void aBlobInTwoFilesHasTheSameFirstCopyOnEveryLoad() throws Exception {
        List<Id> files = new ArrayList<>();
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, RepositoryTest.POLY)) {
            files.add(r.saveIndex(List.of(data(1, 1, 0)), List.of()));
            files.add(r.saveIndex(List.of(data(1, 2, 500)), List.of()));
        }
        // index files are loaded in the order of their IDs: the smaller ID's copy comes first
        Id firstPack = files.get(0).compareTo(files.get(1)) < 0 ? id(10_001) : id(10_002);
        for (int round = 0; round < 3; round++) {
            try (Repository r = open()) {
                r.loadIndex();
                assertThat(r.findBlob(BlobType.DATA, id(1)).orElseThrow().pack()).isEqualTo(firstPack);
                assertThat(r.findBlobCopies(BlobType.DATA, id(1))).hasSize(2);
            }
        }
    }

    @Test
    void everyFileArrivesWhenThereAreMoreThanTheWindowAndOneIsDamaged() throws Exception {
        Id damaged;
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, RepositoryTest.POLY)) {
            for (int f = 0; f < 30; f++) {
                List<PackedBlob> blobs = new ArrayList<>();
                for (int b = 0; b < 40; b++) blobs.add(data(f * 40 + b, f, b * 100L));
                r.saveIndex(blobs, List.of());
            }
            damaged = r.saveIndex(List.of(data(5000, 99, 0)), List.of());
        }
        Path file = dir.resolve("index").resolve(damaged.hex());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        try (Repository r = open()) {
            r.loadIndex();
            assertThat(r.indexedBlobCount(BlobType.DATA)).isEqualTo(30 * 40);
            for (int n = 0; n < 30 * 40; n += 37) {
                assertThat(r.findBlob(BlobType.DATA, id(n))).contains(data(n, n / 40, (n % 40) * 100L));
            }
            assertThat(r.indexErrors()).singleElement().asString().startsWith("index " + damaged.shortHex());
        }
    }
}
