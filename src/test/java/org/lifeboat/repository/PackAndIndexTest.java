package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackAndIndexTest {
    private static Id id(int n) {
        byte[] b = new byte[32];
        b[0] = (byte) n;
        b[31] = (byte) (n * 7);
        return Id.of(b);
    }

    @Test
    void headerEntriesRoundTrip() throws Exception {
        List<Pack.Entry> entries = List.of(new Pack.Entry(BlobType.DATA, 100, 0, id(1)),
                new Pack.Entry(BlobType.TREE, 50, 0, id(2)), new Pack.Entry(BlobType.DATA, 70, 500, id(3)),
                new Pack.Entry(BlobType.TREE, 40, 90, id(4)));
        byte[] h = Pack.encodeHeader(entries);
        assertThat(h).hasSize(2 * 37 + 2 * 41);
        assertThat(h[0]).isEqualTo((byte) 0);
        assertThat(h[37]).isEqualTo((byte) 1);
        assertThat(h[74]).isEqualTo((byte) 2);
        assertThat(h[115]).isEqualTo((byte) 3);
        assertThat(Pack.decodeHeader(h)).isEqualTo(entries);
    }

    @Test
    void headerRejectsGarbage() {
        assertThatThrownBy(() -> Pack.decodeHeader(new byte[] {7, 0, 0})).isInstanceOf(RepositoryException.class);
        assertThatThrownBy(() -> Pack.decodeHeader(new byte[10])).isInstanceOf(RepositoryException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void indexJsonRoundTripsAndMatchesResticShape() throws Exception {
        Id pack = id(9);
        List<PackedBlob> blobs = List.of(new PackedBlob(id(1), BlobType.DATA, pack, 0, 100, 0),
                new PackedBlob(id(2), BlobType.DATA, pack, 100, 80, 300));
        IndexFile f = new IndexFile(List.of(id(5)), blobs);
        byte[] json = f.toJson();
        String s = new String(json, StandardCharsets.UTF_8);
        assertThat(s).startsWith("{\"supersedes\":[\"" + id(5).hex() + "\"],\"packs\":[{\"id\":\"" + pack.hex() + "\"")
                .contains("\"type\":\"data\",\"offset\":100,\"length\":80,\"uncompressed_length\":300")
                .contains("\"offset\":0,\"length\":100}");
        IndexFile back = IndexFile.parse(json);
        assertThat(back.blobs()).isEqualTo(blobs);
        assertThat(back.supersedes()).containsExactly(id(5));
    }

    @Test
    void readsLegacyArrayIndex() throws Exception {
        String legacy = "[{\"id\":\"" + id(9).hex() + "\",\"blobs\":[{\"id\":\"" + id(1).hex()
                + "\",\"type\":\"tree\",\"offset\":0,\"length\":60}]}]";
        IndexFile f = IndexFile.parse(legacy.getBytes(StandardCharsets.UTF_8));
        assertThat(f.blobs()).containsExactly(new PackedBlob(id(1), BlobType.TREE, id(9), 0, 60, 0));
    }

    @Test
    void malformedIndexIsAClearError() {
        assertThatThrownBy(() -> IndexFile.parse("{\"packs\":[{\"blobs\":[".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RepositoryException.class).hasMessageStartingWith("malformed index");
    }
}
