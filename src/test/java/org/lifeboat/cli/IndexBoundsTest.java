package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Index entries and pack headers with absurd numbers (a 2 GB blob, negative offsets or lengths, a
 * 2 GB uncompressed length, a blob past the pack's end) are refused with a sentence naming the
 * index file (or pack), not an OutOfMemoryError or an "internal error".
 */
class IndexBoundsTest {
    @TempDir
    Path dir;

    RawRepo raw;
    Cli cli;
    Id snap;
    PackedBlob tree;
    PackedBlob data;

    @BeforeEach
    void setUp() throws Exception {
        raw = RawRepo.create(dir.resolve("repo"));
        Id x = raw.data("the content of a");
        Id root = raw.tree(RawRepo.file("a", 16, x));
        snap = raw.snapshot(root);
        tree = raw.repository().index().lookup(BlobType.TREE, root);
        data = raw.repository().index().lookup(BlobType.DATA, x);
        cli = raw.cli(dir);
    }

    /** Replaces every index file by one listing the tree blob with these numbers and the data blob as stored. */
    private Id hostileIndex(long treeOffset, long treeLength, long treeUlen) throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("repo/index"))) {
            for (Path p : s.toList()) Files.delete(p);
        }
        ObjectNode idx = Json.MAPPER.createObjectNode();
        var packs = idx.putArray("packs");
        ObjectNode tp = packs.addObject().put("id", tree.pack().hex());
        tp.putArray("blobs").addObject().put("id", tree.id().hex()).put("type", "tree").put("offset", treeOffset)
                .put("length", treeLength).put("uncompressed_length", treeUlen);
        entry(packs, data, data.length());
        Id id = raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        return id;
    }

    private static void entry(com.fasterxml.jackson.databind.node.ArrayNode packs, PackedBlob b, long length) {
        ObjectNode o = packs.addObject().put("id", b.pack().hex()).putArray("blobs").addObject().put("id", b.id().hex())
                .put("type", b.type().json()).put("offset", b.offset()).put("length", length);
        if (b.compressed()) o.put("uncompressed_length", b.uncompressedLength());
    }

    /** ls fails with exit 1; stderr names the index file and says what is wrong with the entry. */
    private void lsRefuses(Id index, String problem) {
        Run r = cli.run("ls", snap.shortHex());
        fatal(r, ExitCodes.FATAL);
        assertThat(r.err()).contains("index " + index.shortHex() + ": tree blob " + tree.id().shortHex() + " in pack "
                + tree.pack().shortHex() + " " + problem);
    }

    @Test
    void twoGigabyteBlob() throws Exception {
        lsRefuses(hostileIndex(tree.offset(), 2_000_000_000L, tree.uncompressedLength()),
                "claims a length of 2000000000 bytes; tree blobs are at most 512 MiB");
    }

    @Test
    void negativeOffset() throws Exception {
        lsRefuses(hostileIndex(-5, tree.length(), tree.uncompressedLength()), "has a negative offset -5");
    }

    @Test
    void negativeLength() throws Exception {
        lsRefuses(hostileIndex(tree.offset(), -1, tree.uncompressedLength()), "has an impossible length -1");
    }

    @Test
    void absurdUncompressedLength() throws Exception {
        lsRefuses(hostileIndex(tree.offset(), tree.length(), 2_000_000_000L),
                "claims an uncompressed length of 2000000000 bytes; tree blobs are at most 512 MiB");
    }

    @Test
    void lengthBeyondThe32BitRange() throws Exception {
        lsRefuses(hostileIndex(tree.offset(), 1L << 40, tree.uncompressedLength()),
                "claims a length of 1099511627776 bytes");
    }

    @Test
    void blobPastThePacksEnd() throws Exception {
        long packSize = Files.size(dir.resolve("repo/data/" + tree.pack().hex().substring(0, 2) + "/" + tree.pack().hex()));
        Id index = hostileIndex(packSize + 1000, tree.length(), tree.uncompressedLength());
        assertThat(fatal(cli.run("ls", snap.shortHex()), ExitCodes.FATAL)).isEqualTo("Fatal: tree blob "
                + tree.id().shortHex() + " in pack " + tree.pack().shortHex() + " is said to lie at bytes " + (packSize + 1000)
                + "–" + (packSize + 1000 + tree.length()) + ", past the pack's end (as listed in index file index/"
                + index.hex() + ")");
    }

    @Test
    void checkNamesTheIndexOfAnOversizedDataBlob() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("repo/index"))) {
            for (Path p : s.toList()) Files.delete(p);
        }
        ObjectNode idx = Json.MAPPER.createObjectNode();
        var packs = idx.putArray("packs");
        entry(packs, tree, tree.length());
        entry(packs, data, 100L << 20);
        Id index = raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        Run r = cli.run("check");
        fatal(r, ExitCodes.FATAL);
        assertThat(r.err()).contains("error: index " + index.shortHex() + ": data blob " + data.id().shortHex()
                + " in pack " + data.pack().shortHex() + " claims a length of 104857600 bytes; data blobs are at most 8 MiB");
    }

    /**
     * One impossible entry costs only itself: the index file's other entries are kept (as restic
     * keeps them), so the snapshot still restores, and the refused entry is named. Before, the
     * whole index file was dropped and nothing could be restored.
     */
    @Test
    void oneImpossibleEntryLeavesTheRestOfItsIndexFileInUse() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("repo/index"))) {
            for (Path p : s.toList()) Files.delete(p);
        }
        ObjectNode idx = Json.MAPPER.createObjectNode();
        var packs = idx.putArray("packs");
        entry(packs, tree, tree.length());
        entry(packs, data, data.length());
        Id bogus = Id.parse("ab".repeat(32));
        packs.addObject().put("id", tree.pack().hex()).putArray("blobs").addObject().put("id", bogus.hex())
                .put("type", "tree").put("offset", 0).put("length", 2_000_000_000L);
        Id index = raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        Path out = dir.resolve("out");
        Run r = cli.run("restore", snap.shortHex(), "--target", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(out.resolve("a")).hasContent("the content of a");
        assertThat(r.err()).contains("index " + index.shortHex() + ": tree blob " + bogus.shortHex() + " in pack "
                + tree.pack().shortHex() + " claims a length of 2000000000 bytes");
    }

    /**
     * A refused entry makes its pack's index view incomplete, not the pack damaged: check names
     * the entry and no "truncated or damaged" pack, no damaged file. An offset beyond a long (2^63,
     * valid JSON) is refused with its entry too, not the whole index file.
     */
    @Test
    void aRefusedEntryDoesNotMakeItsPackLookDamaged() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("repo/index"))) {
            for (Path p : s.toList()) Files.delete(p);
        }
        ObjectNode idx = Json.MAPPER.createObjectNode();
        var packs = idx.putArray("packs");
        entry(packs, tree, tree.length());
        entry(packs, data, data.length());
        Id bogus = Id.parse("ab".repeat(32));
        packs.addObject().put("id", data.pack().hex()).putArray("blobs").addObject().put("id", bogus.hex())
                .put("type", "data").put("offset", new java.math.BigInteger("9223372036854775808")).put("length", 100);
        Id index = raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        Run check = cli.run("check");
        assertThat(check.exit()).as(check.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(check.err()).contains("index " + index.shortHex() + ": data blob " + bogus.shortHex() + " in pack "
                + data.pack().shortHex() + " has an impossible offset 9223372036854775807");
        assertThat(check.out() + check.err()).doesNotContain("truncated or damaged").doesNotContain("is damaged");
        Path out = dir.resolve("out");
        Run r = cli.run("restore", snap.shortHex(), "--target", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(out.resolve("a")).hasContent("the content of a");
    }

    /** A pack whose header claims a 2 GB blob: check --read-data and cat pack name the pack and the entry. */
    @Test
    void packHeaderWithAnAbsurdEntry() throws Exception {
        Path original = dir.resolve("repo/data/" + data.pack().hex().substring(0, 2) + "/" + data.pack().hex());
        byte[] blob = java.util.Arrays.copyOfRange(Files.readAllBytes(original), (int) data.offset(),
                (int) (data.offset() + data.length()));
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(data.compressed() ? 2 : 0);
        le(header, 2_000_000_000);
        if (data.compressed()) le(header, data.uncompressedLength());
        header.writeBytes(data.id().bytes());
        byte[] encHeader = raw.repository().crypto().encrypt(header.toByteArray());
        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        pack.writeBytes(blob);
        pack.writeBytes(encHeader);
        le(pack, encHeader.length);
        byte[] bytes = pack.toByteArray();
        Id packId = Id.hash(bytes);
        raw.repository().backend().save(new Handle(FileType.DATA, packId.hex()), bytes);
        ObjectNode idx = Json.MAPPER.createObjectNode();
        entry(idx.putArray("packs"), new PackedBlob(data.id(), BlobType.DATA, packId, 0, data.length(),
                data.uncompressedLength()), data.length());
        raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        String problem = "pack header entry 0 (data blob " + data.id().shortHex()
                + ") claims a length of 2000000000 bytes; data blobs are at most 8 MiB";
        Run check = cli.run("check", "--read-data");
        fatal(check, ExitCodes.FATAL);
        assertThat(check.err()).contains("error: pack " + packId.shortHex() + ": " + problem);
        assertThat(fatal(cli.run("cat", "pack", packId.hex()), ExitCodes.FATAL)).contains(problem);
    }

    /** A header length with its top bit set is said as the uint32 it is stored as, not as a negative number (brk3). */
    @Test
    void packWithAHeaderLengthAbove2GiBIsSaidUnsigned() throws Exception {
        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        pack.writeBytes(new byte[3000]);
        le(pack, 0xB57A3C6F);
        byte[] bytes = pack.toByteArray();
        Id packId = Id.hash(bytes);
        raw.repository().backend().save(new Handle(FileType.DATA, packId.hex()), bytes);
        ObjectNode idx = Json.MAPPER.createObjectNode();
        entry(idx.putArray("packs"), new PackedBlob(data.id(), BlobType.DATA, packId, 0, 100, 0), 100);
        raw.rawUnpacked(FileType.INDEX, Json.MAPPER.writeValueAsBytes(idx));
        raw.close();
        String problem = "pack " + packId.shortHex() + " has an invalid header length 3044686959 (the pack is 3004 bytes)";
        Run check = cli.run("check", "--read-data");
        fatal(check, ExitCodes.FATAL);
        assertThat(check.err()).contains("error: " + problem).doesNotContain("-1250280337");
        assertThat(fatal(cli.run("cat", "pack", packId.hex()), ExitCodes.FATAL)).contains(problem);
    }

    private static void le(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
