package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository.FileKind;
import org.lifeboat.testutil.RawRepo;

/** The verbs through which code outside the repository package reaches keys, locks, files and the index (issue 10). */
class RepositoryDoorTest {
    @TempDir
    Path dir;

    @Test
    void keysAreListedRemovedAndReplacedWithoutReachingTheBackend() throws Exception {
        Path repoDir = dir.resolve("repo");
        Id second;
        try (Repository r = Repository.init(new LocalBackend(repoDir), "one", 2, RepositoryTest.POLY)) {
            second = r.addKey("two", "ann", "web1");
            List<Repository.KeyInfo> keys = r.listKeys(w -> { throw new AssertionError(w); });
            assertThat(keys).hasSize(2);
            assertThat(keys).filteredOn(Repository.KeyInfo::current).extracting(Repository.KeyInfo::id).containsExactly(r.keyId());
            assertThat(keys).filteredOn(k -> k.id().equals(second)).singleElement()
                    .satisfies(k -> assertThat(k.username() + "@" + k.hostname()).isEqualTo("ann@web1"));
            // the key in use is never removed by removeKey: only replaced by changePassword
            Id current = r.keyId();
            assertThatThrownBy(() -> r.removeKey(current)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("currently in use (" + current.shortHex() + ")");
            Id third = r.changePassword("three", "bob", "db1");
            assertThat(r.listFiles(FileKind.KEY)).containsExactlyInAnyOrder(second, third);
            r.removeKey(second);
            assertThat(r.listFiles(FileKind.KEY)).containsExactly(third);
        }
        assertThatThrownBy(() -> Repository.open(new LocalBackend(repoDir), "one")).isInstanceOf(WrongPasswordException.class);
        assertThatThrownBy(() -> Repository.open(new LocalBackend(repoDir), "two")).isInstanceOf(WrongPasswordException.class);
        try (Repository r = Repository.open(new LocalBackend(repoDir), "three")) {
            assertThat(r.listKeys(w -> { throw new AssertionError(w); })).singleElement().satisfies(k -> {
                assertThat(k.current()).isTrue();
                assertThat(k.username()).isEqualTo("bob");
            });
        }
    }

    @Test
    void aDamagedKeyFileIsNamedWhenKeysAreListed() throws Exception {
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, RepositoryTest.POLY)) {
            byte[] notJson = "[]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Id bad = Id.hash(notJson);
            Files.write(dir.resolve("keys").resolve(bad.hex()), notJson);
            // named and passed over, as restic's key list warns and goes on
            List<String> unreadable = new java.util.ArrayList<>();
            assertThat(r.listKeys(unreadable::add)).singleElement().satisfies(k -> assertThat(k.current()).isTrue());
            assertThat(unreadable).containsExactly("key file keys/" + bad.hex() + ": it is not a JSON object");
            // a key file too large to be one is refused unread, by listKeys and by loadFile (cat key)
            byte[] huge = new byte[KeyFile.MAX_SIZE + 1];
            Id big = Id.hash(huge);
            Files.write(dir.resolve("keys").resolve(big.hex()), huge);
            assertThatThrownBy(() -> r.loadFile(FileKind.KEY, big)).isInstanceOf(RepositoryException.class)
                    .hasMessage("keys/" + big.hex() + " is " + huge.length + " bytes, more than a key file may be; refusing to read it");
        }
    }

    @Test
    void locksAreRemovedByIdEvenWhenTheyCannotBeRead() throws Exception {
        try (Repository r = Repository.init(new LocalBackend(dir), "pw", 2, RepositoryTest.POLY)) {
            try (RepositoryLock l = r.lock(false, w -> { })) {
                List<Id> locks = r.listFiles(FileKind.LOCK);
                assertThat(locks).hasSize(1);
                r.removeLock(locks.getFirst());
                assertThat(r.listFiles(FileKind.LOCK)).isEmpty();
            }
            byte[] junk = "not a lock".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Id damaged = Id.hash(junk);
            Files.write(dir.resolve("locks").resolve(damaged.hex()), junk);
            r.removeLock(damaged);
            r.removeLock(damaged); // gone already: not an error
            assertThat(Files.exists(dir.resolve("locks").resolve(damaged.hex()))).isFalse();
        }
    }

    @Test
    void filesAreLoadedAsCatShowsThemAndBlobsAreFoundThroughTheIndex() throws Exception {
        try (RawRepo raw = RawRepo.create(dir)) {
            Repository r = raw.repository();
            r.setPackSize(1); // every blob in a pack of its own: the packs of a tree are then countable
            Id a = raw.data("alpha");
            Id b = raw.data("bravo");
            Id sub = raw.tree(RawRepo.file("b", 5, b));
            Id root = raw.tree(RawRepo.file("a", 5, a), RawRepo.dir("sub", sub));
            Id snap = raw.snapshot(root);

            assertThat(new String(r.loadFile(FileKind.SNAPSHOT, snap), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("\"tree\":\"" + root.hex() + "\"");
            assertThat(r.listPacks()).hasSize(4);
            for (Repository.PackFile p : r.listPacks()) {
                byte[] stored = r.loadFile(FileKind.PACK, p.id());
                assertThat(stored).hasSize((int) p.size());
                assertThat(Id.hash(stored)).isEqualTo(p.id());
            }
            assertThat(r.indexedPacks()).isEqualTo(Set.copyOf(r.listPacks().stream().map(Repository.PackFile::id).toList()));

            PackedBlob pa = r.findBlob(BlobType.DATA, a).orElseThrow();
            assertThat(pa.plainLength()).isEqualTo(5);
            assertThat(r.findBlob(BlobType.TREE, a)).isEmpty();
            assertThat(r.findBlobCopies(BlobType.DATA, b)).hasSize(1);
            assertThat(r.blobsByPack().get(pa.pack())).extracting(PackedBlob::id).containsExactly(a);
            assertThat(r.packsOfTree(root)).isEqualTo(r.indexedPacks());
            assertThat(r.packsOfTree(sub)).containsExactlyInAnyOrder(
                    r.findBlob(BlobType.TREE, sub).orElseThrow().pack(), r.findBlob(BlobType.DATA, b).orElseThrow().pack());

            // raw-data sizes: stored lengths; unknown IDs are not counted
            Repository.StoredSizes s = r.storedSizes(List.of(a, root, Id.hash(new byte[] {1})));
            PackedBlob pr = r.findBlob(BlobType.TREE, root).orElseThrow();
            assertThat(s.blobs()).isEqualTo(2);
            assertThat(s.storedBytes()).isEqualTo(pa.length() + pr.length());
            assertThat(pr.compressed()).as("trees are compressed in format 2").isTrue();
            assertThat(s.compressedStoredBytes()).isEqualTo((pa.compressed() ? pa.length() : 0) + pr.length());
            // what they would take stored uncompressed: plaintext plus IV and MAC
            assertThat(s.uncompressedBytes()).isEqualTo(pa.plainLength() + pr.plainLength() + 2L * Crypto.OVERHEAD);
            assertThat(r.masterKeyJson()).contains("\"encrypt\"");
            assertThat(r.location()).isEqualTo(dir.toAbsolutePath().normalize().toString());
        }
    }
}
