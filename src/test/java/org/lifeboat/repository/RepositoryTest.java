package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;

class RepositoryTest {
    static final long POLY = 0x3DA3358B4DC173L;

    @TempDir
    Path dir;

    @Test
    void storesBlobsInPacksThenIndexAndReadsThemBack() throws Exception {
        byte[][] blobs = new byte[40][];
        Id[] ids = new Id[blobs.length];
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            r.setPackSize(200_000);
            Random rnd = new Random(1);
            for (int i = 0; i < blobs.length; i++) {
                blobs[i] = new byte[10_000 + i * 1000];
                rnd.nextBytes(blobs[i]);
                ids[i] = Id.hash(blobs[i]);
                assertThat(r.saveBlob(BlobType.DATA, ids[i], blobs[i], 0, blobs[i].length).stored()).isTrue();
                assertThat(r.saveBlob(BlobType.DATA, ids[i], blobs[i], 0, blobs[i].length).stored()).as("dedup").isFalse();
            }
            byte[] tree = "{\"nodes\":[]}\n".getBytes(StandardCharsets.UTF_8);
            r.saveBlob(BlobType.TREE, Id.hash(tree), tree, 0, tree.length);
            r.flush();
            assertThat(r.loadBlob(BlobType.DATA, ids[3])).isEqualTo(blobs[3]);
        }
        assertThat(new LocalBackend(dir).list(FileType.DATA)).hasSizeGreaterThan(2);
        try (Repository r = Repository.open(new LocalBackend(dir), "pw")) {
            assertThat(r.config().version()).isEqualTo(2);
            assertThat(r.config().polynomial()).isEqualTo(POLY);
            r.loadIndex();
            for (int i = 0; i < blobs.length; i++) assertThat(r.loadBlob(BlobType.DATA, ids[i])).isEqualTo(blobs[i]);
            // Data and tree blobs never share a pack (repository v2 rule).
            for (var e : r.index().byPack().values()) {
                assertThat(e.stream().map(PackedBlob::type).distinct()).hasSize(1);
            }
        }
    }

    @Test
    void wrongPasswordAndMissingRepositoryAreDistinct() throws Exception {
        Repository.init(new LocalBackend(dir.resolve("r")), "right", 2, POLY).close();
        assertThatThrownBy(() -> Repository.open(new LocalBackend(dir.resolve("r")), "wrong"))
                .isInstanceOf(WrongPasswordException.class);
        assertThatThrownBy(() -> Repository.open(new LocalBackend(dir.resolve("none")), "x"))
                .isInstanceOf(RepositoryNotFoundException.class).hasMessageContaining("no repository");
        assertThatThrownBy(() -> Repository.init(new LocalBackend(dir.resolve("r")), "x", 2, POLY))
                .hasMessageContaining("already exists");
    }

    @Test
    void unpackedFilesAreCompressedInV2AndPlainInV1() throws Exception {
        for (int v : new int[] {1, 2}) {
            Path p = dir.resolve("v" + v);
            try (Repository r = Repository.init(new LocalBackend(p), "pw", v, POLY)) {
                byte[] json = ("{\"x\":\"" + "a".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
                Id id = r.saveUnpacked(FileType.INDEX, json);
                assertThat(r.loadUnpacked(FileType.INDEX, id)).isEqualTo(json);
                long stored = Files.size(p.resolve("index").resolve(id.hex()));
                if (v == 2) assertThat(stored).isLessThan(500);
                else assertThat(stored).isEqualTo(json.length + Crypto.OVERHEAD);
            }
        }
    }

    @Test
    void damagedUnpackedFileIsNamed() throws Exception {
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            Snapshot s = r.saveSnapshot(new Snapshot(null, OffsetDateTime.now(), null, Id.hash(new byte[1]),
                    List.of("/x"), "h", "u", 0, 0, List.of(), List.of("t"), null, null, null));
            assertThat(r.loadSnapshot(s.id()).tags()).containsExactly("t");
            Path f = dir.resolve("snapshots").resolve(s.id().hex());
            f.toFile().setWritable(true);
            byte[] b = Files.readAllBytes(f);
            b[b.length / 2] ^= 1;
            Files.write(f, b);
            assertThatThrownBy(() -> r.loadSnapshot(s.id())).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("snapshots/" + s.id().hex()).hasMessageContaining("damaged");
        }
    }

    @Test
    void exclusiveLockConflictsAndNamesTheHolder() throws Exception {
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, POLY)) {
            try (RepositoryLock shared = r.lock(false); RepositoryLock shared2 = r.lock(false)) {
                assertThatThrownBy(() -> r.lock(true)).isInstanceOf(LockException.class)
                        .hasMessageContaining("PID " + ProcessHandle.current().pid());
            }
            try (RepositoryLock ex = r.lock(true)) {
                assertThatThrownBy(() -> r.lock(false)).isInstanceOf(LockException.class)
                        .hasMessageContaining("exclusive lock");
            }
            assertThat(r.listLocks()).isEmpty();
        }
    }
}
