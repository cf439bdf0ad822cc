package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A node whose type restic 0.14 does not write is kept by name, re-encoded as stored, and named in messages. */
class UnknownNodeTypeCodecTest {
    private static final String WHITEOUT = "{\"nodes\":[{\"name\":\"a\",\"type\":\"file\",\"mtime\":\"2024-01-02T03:04:05Z\","
            + "\"atime\":\"2024-01-02T03:04:05Z\",\"ctime\":\"2024-01-02T03:04:05Z\",\"uid\":0,\"gid\":0,\"content\":[]},"
            + "{\"name\":\"x\",\"type\":\"whiteout\",\"mode\":420,\"mtime\":\"2024-01-02T03:04:05Z\","
            + "\"atime\":\"2024-01-02T03:04:05Z\",\"ctime\":\"2024-01-02T03:04:05Z\",\"uid\":0,\"gid\":0,\"content\":null}]}\n";

    @Test
    void anUnknownTypeIsKeptByNameAndReencodedAsStored() throws IOException {
        byte[] stored = WHITEOUT.getBytes(StandardCharsets.UTF_8);
        Tree t = TreeCodec.decode(stored);
        Node x = t.nodes().get(1);
        assertThat(x.type()).isEqualTo(NodeType.UNKNOWN);
        assertThat(x.typeName()).isEqualTo("whiteout");
        assertThat(x.unknownType()).isEqualTo("whiteout");
        assertThat(t.nodes().get(0).typeName()).isEqualTo("file");
        assertThat(t.nodes().get(0).unknownType()).isNull();
        assertThat(new String(TreeCodec.encode(t), StandardCharsets.UTF_8)).isEqualTo(WHITEOUT);
    }

    @Test
    void aHostileTypeIsEscapedAndBoundedInMessages() throws IOException {
        String longType = "w\n" + "y".repeat(100_000);
        String json = WHITEOUT.replace("whiteout", longType.replace("\n", "\\n"));
        Node x = TreeCodec.decode(json.getBytes(StandardCharsets.UTF_8)).nodes().get(1);
        assertThat(x.typeName()).isEqualTo(longType);
        String shown = TreeRules.shownType(x);
        assertThat(shown).startsWith("\"w\\u000ayyy").endsWith("...\"").doesNotContain("\n");
        assertThat(shown.length()).isLessThan(120);
        assertThat(TreeRules.typeProblem(x)).startsWith("node \"x\" has type \"w\\u000ay");
        assertThat(TreeRules.problems(new Tree(java.util.List.of(x)))).as("not a damaged tree").isEmpty();
    }

    @Test
    void aNullTypeIsGosEmptyStringAndAMissingTypeStillFails() throws IOException {
        Node x = TreeCodec.decode(WHITEOUT.replace("\"whiteout\"", "null").getBytes(StandardCharsets.UTF_8)).nodes().get(1);
        assertThat(x.type()).isEqualTo(NodeType.UNKNOWN);
        assertThat(x.typeName()).isEmpty();
        assertThatThrownBy(() -> TreeCodec.decode(WHITEOUT.replace("\"type\":\"whiteout\",", "").getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("node 2 (\"x\"): the node has no type");
    }

    @Test
    void knownNamesAreNeverUnknownAndUnknownNeedsItsName() {
        for (NodeType t : NodeType.values()) {
            if (t != NodeType.UNKNOWN) assertThat(NodeType.fromJsonName(t.jsonName())).isEqualTo(t);
        }
        assertThat(Node.builder("a", NodeType.FILE).typeName("irregular").build().type()).isEqualTo(NodeType.IRREGULAR);
        assertThatThrownBy(() -> Node.builder("a", NodeType.UNKNOWN).build()).isInstanceOf(NullPointerException.class);
        assertThat(Node.builder("a", NodeType.FILE).typeName("whiteout").type(NodeType.DIR).build().unknownType()).isNull();
    }
}
