package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.testutil.RawRepo;

/**
 * A blob none of whose copies can be read is reported with what is wrong with each copy (both
 * packs named, not only the last one tried), and a folder where a pack file should be is called a
 * folder, not a pack too short for the blob.
 */
class LoadBlobCopiesTest {
    @TempDir
    Path dir;

    Path repoDir;
    Id blob;
    PackedBlob first;

    @BeforeEach
    void setUp() throws Exception {
        repoDir = dir.resolve("repo");
        RawRepo raw = RawRepo.create(repoDir);
        blob = raw.data("the content of a file, long enough to be damaged in the middle");
        raw.close();
        try (Repository repo = Repository.open(new LocalBackend(repoDir), RawRepo.PASSWORD)) {
            repo.loadIndex();
            first = repo.findBlob(BlobType.DATA, blob).orElseThrow();
        }
    }

    private Path packFile(Id pack) {
        return repoDir.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
    }

    private static void damage(Path pack, long at) throws Exception {
        byte[] b = Files.readAllBytes(pack);
        b[(int) at] ^= 0x55;
        pack.toFile().setWritable(true);
        Files.write(pack, b);
    }

    @Test
    void bothDamagedCopiesAreNamed() throws Exception {
        // a second copy of the pack under another name, listed by a second index file
        Id copy = Id.parse("cd".repeat(32));
        Files.createDirectories(packFile(copy).getParent());
        Files.copy(packFile(first.pack()), packFile(copy));
        ObjectNode idx = Json.MAPPER.createObjectNode();
        idx.putArray("packs").addObject().put("id", copy.hex()).putArray("blobs").addObject()
                .put("id", blob.hex()).put("type", "data").put("offset", first.offset()).put("length", first.length())
                .put("uncompressed_length", first.uncompressedLength());
        RawRepo raw = RawRepo.open(repoDir, RawRepo.PASSWORD);
        raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        damage(packFile(first.pack()), first.offset() + first.length() / 2);
        damage(packFile(copy), first.offset() + first.length() / 2);
        try (Repository repo = Repository.open(new LocalBackend(repoDir), RawRepo.PASSWORD)) {
            repo.loadIndex();
            assertThatThrownBy(() -> repo.loadBlob(BlobType.DATA, blob))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("no copy of data blob " + blob.shortHex() + " could be read (2 copies)")
                    .hasMessageContaining("in pack " + first.pack().shortHex())
                    .hasMessageContaining("in pack " + copy.shortHex());
        }
    }

    @Test
    void aFolderWhereThePackShouldBeIsCalledAFolder() throws Exception {
        Path pack = packFile(first.pack());
        Files.delete(pack);
        Files.createDirectory(pack);
        try (Repository repo = Repository.open(new LocalBackend(repoDir), RawRepo.PASSWORD)) {
            repo.loadIndex();
            assertThatThrownBy(() -> repo.loadBlob(BlobType.DATA, blob))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("data blob " + blob.shortHex() + " in pack " + first.pack().shortHex())
                    .hasMessageContaining("is a folder, not a file")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("past the pack's end"));
        }
    }
}
