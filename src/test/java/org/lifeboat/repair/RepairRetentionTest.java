package org.lifeboat.repair;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;

/**
 * Files the storage keeps under retention (S3 Object Lock) cannot be removed: each repair says
 * so, and the repository it leaves is consistent: no index names a pack that was removed, the new
 * index supersedes an old one that stayed, and what was salvaged reads back.
 */
class RepairRetentionTest {
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final String PASSWORD = "pw";

    MemoryBackend storage;
    Repository repo;
    Id pack;
    Id oldIndex;
    List<Id> blobs = new ArrayList<>();
    Snapshot snapshot;
    final List<String> out = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        storage = new MemoryBackend("memory:locked");
        repo = Repository.init(storage, PASSWORD, 2, POLY);
        List<Id> content = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[10_000];
            new java.util.Random(i).nextBytes(b);
            Id id = Id.hash(b);
            repo.saveBlob(BlobType.DATA, id, b, 0, b.length);
            content.add(id);
        }
        blobs.addAll(content);
        byte[] tree = TreeCodec.encode(new Tree(List.of(Node.builder("f.bin", NodeType.FILE).mode(0644).size(30_000)
                .content(content).build())));
        Id treeId = Id.hash(tree);
        repo.saveBlob(BlobType.TREE, treeId, tree, 0, tree.length);
        repo.flush();
        snapshot = repo.saveSnapshot(new Snapshot(null, OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), null,
                treeId, List.of("/data"), "host", "user", 0, 0, List.of(), List.of(), null, "test", null));
        pack = repo.findBlob(BlobType.DATA, content.getFirst()).orElseThrow().pack();
        oldIndex = repo.listFiles(Repository.FileKind.INDEX).getFirst();
        // damage the data pack's first blob
        Handle h = new Handle(FileType.DATA, pack.hex());
        byte[] bytes = storage.load(h);
        bytes[100] ^= (byte) 0xff;
        storage.remove(h);
        storage.save(h, bytes, 0, bytes.length, PutOptions.NONE);
        repo.close();
        repo = Repository.open(storage, PASSWORD);
    }

    private void retain(FileType type, Id id) throws Exception {
        storage.retain(new Handle(type, id.hex()), PutOptions.Retention.GOVERNANCE, Instant.now().plus(Duration.ofDays(1)));
    }

    /** The repository as a new process would see it. */
    private Repository reopened() throws Exception {
        Repository r = Repository.open(storage, PASSWORD);
        r.loadIndex();
        assertThat(r.indexErrors()).isEmpty();
        return r;
    }

    @Test
    void aRetainedOldIndexKeepsTheDamagedPackAndTheNewIndexSupersedesIt() throws Exception {
        retain(FileType.INDEX, oldIndex);
        PackRepair.Result r = new PackRepair(repo, out::add, Cancel.NEVER, () -> {}).run(List.of(pack), null);

        assertThat(out).anyMatch(l -> l.startsWith("warning: old index " + oldIndex.shortHex() + " was kept")
                && l.contains("S3 Object Lock"));
        assertThat(r.keptPacks()).containsOnlyKeys(pack);
        assertThat(r.removedPacks()).isEmpty();
        assertThat(storage.exists(new Handle(FileType.DATA, pack.hex()))).as("kept: an index that stays names it").isTrue();
        assertThat(r.lost()).hasSize(1);
        assertThat(r.salvaged()).isEqualTo(2);

        Repository after = reopened();
        assertThat(after.indexedPacks()).as("the new index supersedes the old one").doesNotContain(pack);
        for (Id b : blobs.subList(1, blobs.size())) assertThat(after.loadBlob(BlobType.DATA, b)).hasSize(10_000);
        assertThat(after.findBlob(BlobType.DATA, blobs.getFirst())).isEmpty();
    }

    @Test
    void aRetainedDamagedPackIsReportedAndNoIndexNamesIt() throws Exception {
        retain(FileType.DATA, pack);
        PackRepair.Result r = new PackRepair(repo, out::add, Cancel.NEVER, () -> {}).run(List.of(pack), null);

        assertThat(r.keptPacks()).containsOnlyKeys(pack);
        // one of its blobs was lost: the pack is kept for that, before its retention matters
        assertThat(r.keptPacks().get(pack)).contains("some of its blobs could not be read");
        assertThat(out).anyMatch(l -> l.startsWith("pack " + pack.hex() + " was kept"));
        assertThat(storage.exists(new Handle(FileType.INDEX, oldIndex.hex()))).isFalse();
        Repository after = reopened();
        assertThat(after.indexedPacks()).doesNotContain(pack);
        for (PackedBlob b : after.indexedBlobs(BlobType.DATA)) {
            assertThat(storage.exists(new Handle(FileType.DATA, b.pack().hex()))).as("every indexed pack exists").isTrue();
        }
    }

    @Test
    void indexRepairAndSnapshotRepairReportRetainedFilesAndStayConsistent() throws Exception {
        // the damaged pack's header is intact, so repair index keeps it; remove it to lose blobs
        storage.remove(new Handle(FileType.DATA, pack.hex()));
        retain(FileType.INDEX, oldIndex);
        retain(FileType.SNAPSHOT, snapshot.id());
        IndexRepair.Result ir = new IndexRepair(repo, out::add, Cancel.NEVER, () -> {}).run(false);
        assertThat(ir.missingPacks()).containsExactly(pack);
        assertThat(ir.keptIndexes()).containsExactly(oldIndex);
        repo.close();

        Repository fresh = reopened();
        assertThat(fresh.indexedPacks()).doesNotContain(pack);
        List<SnapshotRepair.SnapshotResult> sr = new SnapshotRepair(fresh, out::add, Cancel.NEVER, false, true)
                .run(fresh.listSnapshots(w -> {}));
        assertThat(sr).hasSize(1);
        assertThat(sr.getFirst().outcome()).isEqualTo(SnapshotRepair.Outcome.REPAIRED);
        assertThat(sr.getFirst().kept()).as("the original is under retention").contains("S3 Object Lock");
        assertThat(sr.getFirst().lostBytes()).isEqualTo(30_000);
        assertThat(out).anyMatch(l -> l.equals("  file \"/f.bin\": removed missing content (3 of 3 blobs, 30000 of 30000 bytes lost)"));
        Map<Id, Snapshot> byId = new java.util.HashMap<>();
        for (Snapshot s : fresh.listSnapshots(w -> {})) byId.put(s.id(), s);
        assertThat(byId).containsKeys(snapshot.id(), sr.getFirst().newId());
        assertThat(byId.get(sr.getFirst().newId()).original()).isEqualTo(snapshot.id());
    }

    /**
     * The pack's header damaged too and its index file gone: repair index leaves it out, and no
     * command can read a blob from it. The pack, not under retention.
     */
    private Repository unreadableUnindexedPack() throws Exception {
        Handle h = new Handle(FileType.DATA, pack.hex());
        byte[] bytes = storage.load(h);
        bytes[bytes.length - 20] ^= (byte) 0xff;
        storage.remove(h);
        storage.save(h, bytes, 0, bytes.length, PutOptions.NONE);
        storage.remove(new Handle(FileType.INDEX, oldIndex.hex()));
        repo.close();
        Repository r = Repository.open(storage, PASSWORD);
        IndexRepair.Result ir = new IndexRepair(r, out::add, Cancel.NEVER, () -> {}).run(false);
        assertThat(ir.unreadablePacks()).containsOnlyKeys(pack);
        r.close();
        return reopened();
    }

    private static org.lifeboat.prune.PruneException pruneRefusal(Repository r) {
        try {
            new org.lifeboat.prune.Pruner(r, org.lifeboat.prune.PruneOptions.DEFAULTS, null, Cancel.NEVER).plan();
        } catch (org.lifeboat.prune.PruneException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("prune did not refuse");
    }

    /**
     * Without retention, an unreadable pack no index names holds up repair snapshots and prune
     * advises repair packs (the advice as a value, not wording); after repair packs (a copy kept,
     * the pack removed) neither waits any more.
     */
    @Test
    void anUnreadableUnindexedPackWaitsForRepairPacksAndThenNoLonger(@org.junit.jupiter.api.io.TempDir java.nio.file.Path backups)
            throws Exception {
        Repository r = unreadableUnindexedPack();
        org.lifeboat.repository.UnindexedPacks u = org.lifeboat.repository.UnindexedPacks.find(r);
        assertThat(u.refusal()).contains("run 'lifeboat repair packs " + pack.hex() + "'");
        org.lifeboat.prune.PruneException e = pruneRefusal(r);
        assertThat(e.advice()).isEqualTo(org.lifeboat.prune.PruneException.Advice.REPAIR_PACKS);
        assertThat(e.packs()).containsExactly(pack);

        PackRepair.Result pr = new PackRepair(r, out::add, Cancel.NEVER, () -> {}).run(List.of(pack), backups);
        assertThat(pr.removedPacks()).containsExactly(pack);
        assertThat(backups.resolve("pack-" + pack.hex())).exists();
        r.close();
        Repository after = reopened();
        assertThat(org.lifeboat.repository.UnindexedPacks.find(after).refusal()).isNull();
        assertThat(pruneRefusal(after).advice()).isEqualTo(org.lifeboat.prune.PruneException.Advice.REPAIR_SNAPSHOTS);
    }

    /**
     * Under retention repair packs cannot remove such a pack: it must not hold up repair snapshots
     * for ever (the loop under S3 Object Lock). The lock keeps its bytes; repair packs still keeps
     * a copy and is no failure; repair snapshots and prune's advice go on to the snapshots.
     */
    @Test
    void anUnreadableUnindexedPackUnderRetentionDoesNotHoldUpRepairSnapshots(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path backups) throws Exception {
        Repository r = unreadableUnindexedPack();
        retain(FileType.DATA, pack);
        org.lifeboat.repository.UnindexedPacks u = org.lifeboat.repository.UnindexedPacks.find(r);
        assertThat(u.lockedUnreadable()).containsOnlyKeys(pack);
        assertThat(u.refusal()).isNull();
        assertThat(pruneRefusal(r).advice()).isEqualTo(org.lifeboat.prune.PruneException.Advice.REPAIR_SNAPSHOTS);

        PackRepair.Result pr = new PackRepair(r, out::add, Cancel.NEVER, () -> {}).run(List.of(pack), backups);
        assertThat(pr.retainedPacks()).containsExactly(pack);
        assertThat(backups.resolve("pack-" + pack.hex())).exists();
        r.close();
        Repository after = reopened();
        assertThat(org.lifeboat.repository.UnindexedPacks.find(after).refusal()).isNull();
        List<SnapshotRepair.SnapshotResult> sr = new SnapshotRepair(after, out::add, Cancel.NEVER, false, true)
                .run(after.listSnapshots(w -> {}));
        assertThat(sr.getFirst().outcome()).isEqualTo(SnapshotRepair.Outcome.REPAIRED);
    }
}
