package org.lifeboat.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.ForwardingBackend;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.backend.StorageError;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * brk3's findings on repair packs: a damaged pack the storage refuses to remove for a reason other
 * than retention (permission denied: a shared or append-only folder) is reported as refused, so the
 * command can say to delete it by hand instead of "the damaged packs were removed" and a loop through
 * repair index, which would index it again (L1); and a backup copy an interrupted run left is taken as
 * saved when it holds the pack's bytes, refused when it holds other bytes (R1).
 */
class PackRepairRefusalTest {
    private static final String PASSWORD = "pw";

    @TempDir
    Path dir;

    MemoryBackend storage;
    boolean refuseRemoval;
    Repository repo;
    Id pack;

    @BeforeEach
    void setUp() throws Exception {
        storage = new MemoryBackend("memory:refusing");
        Repository r = Repository.init(storage, PASSWORD, 2, 0x3DA3358B4DC173L);
        List<Id> content = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] b = new byte[10_000];
            new java.util.Random(i).nextBytes(b);
            Id id = Id.hash(b);
            r.saveBlob(BlobType.DATA, id, b, 0, b.length);
            content.add(id);
        }
        byte[] tree = TreeCodec.encode(new Tree(List.of(Node.builder("f.bin", NodeType.FILE).mode(0644).size(20_000)
                .content(content).build())));
        r.saveBlob(BlobType.TREE, Id.hash(tree), tree, 0, tree.length);
        r.flush();
        r.saveSnapshot(new Snapshot(null, OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), null, Id.hash(tree),
                List.of("/data"), "host", "user", 0, 0, List.of(), List.of(), null, "test", null));
        pack = r.findBlob(BlobType.DATA, content.getFirst()).orElseThrow().pack();
        Handle h = new Handle(FileType.DATA, pack.hex());
        byte[] bytes = storage.load(h);
        bytes[100] ^= (byte) 0xff;
        storage.remove(h);
        storage.save(h, bytes, 0, bytes.length, PutOptions.NONE);
        r.close();
        ForwardingBackend refusing = new ForwardingBackend(storage) {
            @Override
            public void remove(Handle x) throws IOException {
                if (refuseRemoval && x.type() == FileType.DATA) throw new StorageError.Denied(x.toString(), "Operation not permitted");
                super.remove(x);
            }
        };
        repo = Repository.open(refusing, PASSWORD);
    }

    @Test
    void aPackTheStorageRefusesToRemoveIsRefusedNotRemoved() throws Exception {
        refuseRemoval = true;
        PackRepair.Result r = new PackRepair(repo, l -> { }, Cancel.NEVER, () -> { }).run(List.of(pack), dir);
        assertThat(r.refusedPacks()).containsExactly(pack);
        assertThat(r.removedPacks()).isEmpty();
        assertThat(r.retainedPacks()).isEmpty();
        assertThat(dir.resolve("pack-" + pack.hex())).exists();
    }

    @Test
    void anEarlierRunsCopyWithTheSameBytesIsTakenAsSavedAndOneWithOtherBytesStopsIt() throws Exception {
        Path copy = dir.resolve("pack-" + pack.hex());
        Files.write(copy, storage.load(new Handle(FileType.DATA, pack.hex())));
        PackRepair.Result r = new PackRepair(repo, l -> { }, Cancel.NEVER, () -> { }).run(List.of(pack), dir);
        assertThat(r.removedPacks()).containsExactly(pack);
        assertThat(r.refusedPacks()).isEmpty();

        // a second damaged pack and a copy of other bytes in its place: nothing changes
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("pack-" + pack.hex()), "precious\n");
        Repository again = Repository.open(storage, PASSWORD);
        storage.save(new Handle(FileType.DATA, pack.hex()), new byte[] {1, 2, 3}, 0, 3, PutOptions.NONE);
        assertThatThrownBy(() -> new PackRepair(again, l -> { }, Cancel.NEVER, () -> { }).run(List.of(pack), other))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("exists already and holds other bytes")
                .hasMessageContaining("nothing was changed");
        assertThat(Files.readString(other.resolve("pack-" + pack.hex()))).isEqualTo("precious\n");
    }
}
