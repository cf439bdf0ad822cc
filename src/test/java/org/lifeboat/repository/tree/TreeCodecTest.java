package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.RawNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.Id;

class TreeCodecTest {
    private static final Id A = Id.parse("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    private static final Id SUB = Id.parse("a5b415805a560d1535a884dd7999b177053047f09b267b5389eeda589330324b");
    private static final OffsetDateTime T = OffsetDateTime.parse("2026-11-22T03:07:31.429344197Z");

    static byte[] resource(String name) throws IOException {
        try (InputStream in = TreeCodecTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static String json(Node n) {
        return new String(TreeCodec.encodeNode(n), StandardCharsets.UTF_8);
    }

    private static Node.Builder file(String name) {
        return Node.builder(name, NodeType.FILE).mode(0644).mtime(T).atime(T).ctime(T)
                .user("root").group("root").inode(5308619).deviceId(65024).links(1).content(List.of());
    }

    @Test
    void emptyTreeIsWhatResticWritesForAnEmptyDirectory() {
        byte[] b = TreeCodec.encode(Tree.EMPTY);
        assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo("{\"nodes\":[]}\n");
        assertThat(Id.hash(b).hex()).isEqualTo("ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8");
    }

    @Test
    void treesWrittenByRestic014ReencodeByteForByte() throws IOException {
        for (String r : List.of("restic-0.14-root.json", "restic-0.14-sub.json")) {
            byte[] stored = resource(r);
            Tree t = TreeCodec.decode(stored);
            assertThat(new String(TreeCodec.encode(t), StandardCharsets.UTF_8)).as(r)
                    .isEqualTo(new String(stored, StandardCharsets.UTF_8));
            assertThat(TreeCodec.encode(t)).isEqualTo(stored);
            assertThat(t.isSorted()).isTrue();
        }
        assertThat(Id.hash(resource("restic-0.14-root.json")).hex())
                .isEqualTo("42d8a9297cec5ca79ae5a8b14545f754cbcbf79254bf68e1c6c709b13737861d");
    }

    @Test
    void decodedResticTreeHasTheExpectedValues() throws IOException {
        Tree t = TreeCodec.decode(resource("restic-0.14-root.json"));
        Node a = t.find("a.txt");
        assertThat(a.type()).isEqualTo(NodeType.FILE);
        assertThat(a.mode()).isEqualTo(GoFileMode.MODE_SETUID | 0755);
        assertThat(a.size()).isEqualTo(6);
        assertThat(a.links()).isEqualTo(2);
        assertThat(a.content()).containsExactly(A);
        assertThat(a.extendedAttributes()).containsExactly(
                new Xattr("user.foo", "bar".getBytes(StandardCharsets.UTF_8)),
                new Xattr("trusted.t", "1".getBytes(StandardCharsets.UTF_8)),
                new Xattr("user.empty", new byte[0]));
        assertThat(a.mtime()).isEqualTo(OffsetDateTime.parse("2026-11-22T03:07:31.420428853Z"));
        assertThat(t.find("empty").content()).isEmpty();
        assertThat(t.find("fifo").content()).isNull();
        assertThat(t.find("fifo").links()).isZero();
        assertThat(t.find("blk").device()).isEqualTo(2049);
        assertThat(t.find("blk").links()).isEqualTo(1);
        assertThat(t.find("chr").type()).isEqualTo(NodeType.CHARDEV);
        assertThat(t.find("sub").subtree()).isEqualTo(SUB);
        assertThat(t.find("link").linkTarget()).isEqualTo("a.txt");
        // restic 0.14 stored the invalid byte as an escaped U+FFFD: the original byte is lost
        assertThat(t.find("badlink").linkTarget()).isEqualTo("tgt" + RawNames.REPLACED_BYTE);
        assertThat(RawNames.encode(t.find("badlink").linkTarget())).isEqualTo("tgt\uFFFD".getBytes(StandardCharsets.UTF_8));
        // names come back as the file system spelled them
        for (String name : List.of("q\"uote", "back\\slash", "tab\there", "nl\nx", "\u007f", "bad\uDCFFname",
                "ctl\u0001", "\u00a0nbsp", "ls\u2028x", "é", "<&>", "\uFFFD")) {
            assertThat(t.find(name)).as(name).isNotNull();
        }
        assertThat(RawNames.encode(t.find("bad\uDCFFname").name()))
                .isEqualTo(new byte[] {'b', 'a', 'd', (byte) 0xff, 'n', 'a', 'm', 'e'});
    }

    @Test
    void exactBytesForHandBuiltNodes() {
        assertThat(json(file("a.txt").size(6).links(2).content(List.of(A)).build())).isEqualTo(
                "{\"name\":\"a.txt\",\"type\":\"file\",\"mode\":420,\"mtime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"atime\":\"2026-11-22T03:07:31.429344197Z\",\"ctime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"uid\":0,\"gid\":0,\"user\":\"root\",\"group\":\"root\",\"inode\":5308619,\"device_id\":65024,"
                + "\"size\":6,\"links\":2,\"content\":[\"" + A.hex() + "\"]}");
        Node dir = Node.builder("sub", NodeType.DIR).mode(GoFileMode.MODE_DIR | 0755).mtime(T).atime(T).ctime(T)
                .uid(1000).gid(100).inode(1).deviceId(2).subtree(SUB).build();
        assertThat(json(dir)).isEqualTo(
                "{\"name\":\"sub\",\"type\":\"dir\",\"mode\":2147484141,\"mtime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"atime\":\"2026-11-22T03:07:31.429344197Z\",\"ctime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"uid\":1000,\"gid\":100,\"inode\":1,\"device_id\":2,\"content\":null,\"subtree\":\"" + SUB.hex() + "\"}");
        // everything zero: only the always-present fields remain
        assertThat(json(Node.builder("", NodeType.FILE).build())).isEqualTo(
                "{\"name\":\"\",\"type\":\"file\",\"mtime\":\"0001-01-01T00:00:00Z\",\"atime\":\"0001-01-01T00:00:00Z\","
                + "\"ctime\":\"0001-01-01T00:00:00Z\",\"uid\":0,\"gid\":0,\"content\":null}");
        // every optional field, unsigned extremes, xattr with a null value, error
        Node all = Node.builder("x", NodeType.CHARDEV).mode(0xFFFF_FFFFL).mtime(T).atime(T).ctime(T)
                .uid(0xFFFF_FFFFL).gid(4_000_000_000L).user("u<1>").group("g&").inode(-1L).deviceId(Long.MIN_VALUE)
                .size(1).links(2).linkTarget("t").device(3)
                .extendedAttributes(List.of(new Xattr("user.a", new byte[] {0, (byte) 0xff}), new Xattr("user.n", null)))
                .content(List.of(A, SUB)).subtree(SUB).error("boom\"").build();
        assertThat(json(all)).isEqualTo(
                "{\"name\":\"x\",\"type\":\"chardev\",\"mode\":4294967295,\"mtime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"atime\":\"2026-11-22T03:07:31.429344197Z\",\"ctime\":\"2026-11-22T03:07:31.429344197Z\","
                + "\"uid\":4294967295,\"gid\":4000000000,\"user\":\"u\\u003c1\\u003e\",\"group\":\"g\\u0026\","
                + "\"inode\":18446744073709551615,\"device_id\":9223372036854775808,\"size\":1,\"links\":2,"
                + "\"linktarget\":\"t\",\"extended_attributes\":[{\"name\":\"user.a\",\"value\":\"AP8=\"},"
                + "{\"name\":\"user.n\",\"value\":null}],\"device\":3,"
                + "\"content\":[\"" + A.hex() + "\",\"" + SUB.hex() + "\"],\"subtree\":\"" + SUB.hex() + "\","
                + "\"error\":\"boom\\\"\"}");
    }

    @Test
    void namesAreQuotedByStrconvThenEscapedByJson() {
        String[][] cases = {
            {"plain", "plain"},
            {"we ird<&>", "we ird\\u003c\\u0026\\u003e"},
            {"q\"uote", "q\\\\\\\"uote"},
            {"back\\slash", "back\\\\\\\\slash"},
            {"nl\nx\ttab\rcr", "nl\\\\nx\\\\ttab\\\\rcr"},
            {"\u0007\b\f\u000b", "\\\\a\\\\b\\\\f\\\\v"},
            {"ctl\u0001\u001f\u007f", "ctl\\\\x01\\\\x1f\\\\x7f"},
            {"é ünï 日本", "é ünï 日本"},
            {"\u00a0nbsp", "\\\\u00a0nbsp"},
            {"ls\u2028\u2029", "ls\\\\u2028\\\\u2029"},
            {"bad\uDCFFname", "bad\\\\xffname"},
            {"\uFFFD", "\uFFFD"},
            {"😀", "😀"},
            {"\uE000", "\\\\ue000"},                 // private use: not printable
            {"\u0378", "\\\\u0378"},                 // unassigned
            {"\uDB40\uDC01", "\\\\U000e0001"},       // U+E0001 language tag (Cf)
            {"\u0870", "\\\\u0870"},                 // Arabic letter added in Unicode 14: unknown to Go 1.19
            {"\u00ad", "\\\\u00ad"},                 // soft hyphen (Cf)
            {"a\u0301", "a\u0301"},                  // combining mark: printable
        };
        for (String[] c : cases) {
            String got = json(Node.builder(c[0], NodeType.FILE).build());
            String name = got.substring("{\"name\":\"".length(), got.indexOf("\",\"type\""));
            assertThat(name).as(c[0]).isEqualTo(c[1]);
            assertThat(TreeCodec.unquoteName(jsonUnescape(name))).as(c[0]).isEqualTo(c[0]);
        }
    }

    /** Minimal JSON string unescaping for the cases above (\\ \" and \\uXXXX). */
    private static String jsonUnescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            if (e == 'u') {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                i += 4;
            } else {
                sb.append(e);
            }
        }
        return sb.toString();
    }

    @Test
    void otherStringsUseGoJsonEscaping() {
        Node n = Node.builder("l", NodeType.SYMLINK).linkTarget("a\"b\\c\nd\re\tf\bg\fh\u0000<>&\u2028\u2029\u007fé😀")
                .user("tgt\uDCFF").build();
        String s = json(n);
        assertThat(s).contains("\"linktarget\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0008g\\u000ch\\u0000\\u003c\\u003e\\u0026"
                + "\\u2028\\u2029\u007fé😀\"");
        assertThat(s).contains("\"user\":\"tgt\\ufffd\""); // an invalid byte becomes the escape, as in Go
    }

    @Test
    void timesFollowGoRfc3339Nano() {
        String[][] cases = {
            {"2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"},
            {"2020-07-01T02:00:00.120000000+02:00", "2020-07-01T02:00:00.12+02:00"},
            {"2021-03-04T06:06:07.000000001+01:00", "2021-03-04T06:06:07.000000001+01:00"},
            {"1959-12-31T20:30:00.5-03:30", "1959-12-31T20:30:00.5-03:30"},
            {"2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00Z"},
            {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
            {"1800-01-01T00:00:00+00:53:28", "1800-01-01T00:00:00+00:53"},   // LMT: Go drops offset seconds
            {"1800-01-01T00:00:00-00:00:30", "1800-01-01T00:00:00+00:00"},   // and keeps the sign of the minutes
            {"1800-01-01T00:00:00-00:25:21", "1800-01-01T00:00:00-00:25"},
            {"+10000-02-29T01:02:03.4+01:00", "9999-03-01T01:02:03.4+01:00"}, // FixTime + Go's date normalisation
            {"-0005-06-07T08:09:10Z", "0000-06-07T08:09:10Z"},
        };
        for (String[] c : cases) {
            OffsetDateTime t = OffsetDateTime.parse(c[0]);
            String s = json(Node.builder("n", NodeType.FILE).mtime(t).build());
            assertThat(s).as(c[0]).contains("\"mtime\":\"" + c[1] + "\"");
        }
        assertThat(json(Node.builder("n", NodeType.FILE).build())).contains("\"mtime\":\"0001-01-01T00:00:00Z\"");
    }

    @Test
    void decodeToleratesOtherResticVersions() throws IOException {
        String raw = Base64.getEncoder().encodeToString(new byte[] {'t', (byte) 0xff});
        String json = "{\"nodes\":[{\"name\":\"x\",\"type\":\"symlink\",\"mode\":134218239,"
                + "\"mtime\":\"2024-01-02T03:04:05.6+05:30\",\"atime\":\"2024-01-02T03:04:05.6+05:30\","
                + "\"ctime\":\"2024-01-02T03:04:05.6-08:00\",\"uid\":1,\"gid\":2,\"linktarget\":\"t\\ufffd\","
                + "\"linktarget_raw\":\"" + raw + "\",\"generic_attributes\":{\"windows.x\":\"AA==\",\"n\":[1,{}]},"
                + "\"future\":[null,true,1.5],\"content\":null}],\"other\":1}\n";
        Tree t = TreeCodec.decode(json.getBytes(StandardCharsets.UTF_8));
        Node n = t.nodes().get(0);
        assertThat(n.linkTarget()).isEqualTo("t\uDCFF");
        assertThat(n.mtime().getOffset()).isEqualTo(ZoneOffset.ofHoursMinutes(5, 30));
        assertThat(n.ctime().getOffset()).isEqualTo(ZoneOffset.ofHours(-8));
        assertThat(n.uid()).isEqualTo(1);
        // re-encoded as restic 0.17+ does: the 0.14 fields byte for byte (raw target bytes become an
        // escaped U+FFFD), plus exactly linktarget_raw right after linktarget; unknown fields vanish
        String ours = new String(TreeCodec.encode(t), StandardCharsets.UTF_8);
        String v014 = "{\"nodes\":[{\"name\":\"x\",\"type\":\"symlink\",\"mode\":134218239,"
                + "\"mtime\":\"2024-01-02T03:04:05.6+05:30\",\"atime\":\"2024-01-02T03:04:05.6+05:30\","
                + "\"ctime\":\"2024-01-02T03:04:05.6-08:00\",\"uid\":1,\"gid\":2,\"linktarget\":\"t\\ufffd\","
                + "\"content\":null}]}\n";
        String added = ",\"linktarget_raw\":\"" + raw + "\"";
        assertThat(ours).isEqualTo(v014.replace("\"linktarget\":\"t\\ufffd\"", "\"linktarget\":\"t\\ufffd\"" + added));
        assertThat(ours.replace(added, "")).isEqualTo(v014);
        assertThat(TreeCodec.decode(TreeCodec.encode(t)).nodes().get(0).linkTarget()).isEqualTo("t\uDCFF");

        assertThat(TreeCodec.decode("{\"nodes\":null}".getBytes(StandardCharsets.UTF_8)).nodes()).isEmpty();
        assertThat(TreeCodec.decode(" {\"nodes\":[]} \n".getBytes(StandardCharsets.UTF_8)).nodes()).isEmpty();
        // missing fields: zero values; unquoted legacy names with a bad escape stay as they are
        Node m = TreeCodec.decode("{\"nodes\":[{\"type\":\"dir\",\"name\":\"a\\\\qb\"}]}".getBytes(StandardCharsets.UTF_8))
                .nodes().get(0);
        assertThat(m.name()).isEqualTo("a\\qb");
        assertThat(m.mtime()).isNull();
        assertThat(m.content()).isNull();
        // escaped and raw U+FFFD stay apart, also when decoding from the middle of an array
        String mixed = "{\"nodes\":[{\"name\":\"\uFFFD\",\"type\":\"symlink\",\"mtime\":\"2024-01-02T03:04:05Z\","
                + "\"linktarget\":\"a\\ufffd\uFFFDb\\u0041\\\"\\n\\/\",\"content\":null}]}\n";
        byte[] padded = ("xx" + mixed + "yy").getBytes(StandardCharsets.UTF_8);
        int len = mixed.getBytes(StandardCharsets.UTF_8).length;
        Tree mt = TreeCodec.decode(padded, 2, len);
        assertThat(mt.nodes().get(0).linkTarget()).isEqualTo("a" + RawNames.REPLACED_BYTE + "\uFFFDbA\"\n/");
        assertThat(mt.nodes().get(0).name()).isEqualTo("\uFFFD");
        assertThat(new String(TreeCodec.encode(mt), StandardCharsets.UTF_8)).contains("\"linktarget\":\"a\\ufffd\uFFFDbA\\\"\\n/\"");
        // octal escapes from strconv syntax
        assertThat(TreeCodec.unquoteName("\\101\\377")).isEqualTo("A\uDCFF");
    }

    @Test
    void decodeRejectsGarbage() {
        for (String bad : List.of("", "[]", "{\"nodes\":[1]}", "{\"nodes\":[{\"name\":\"x\"}]}",
                "{\"nodes\":[{\"type\":7}]}", "{\"nodes\":[{\"type\":\"file\",\"uid\":-1}]}",
                "{\"nodes\":[{\"type\":\"file\",\"uid\":4294967296}]}",
                "{\"nodes\":[{\"type\":\"file\",\"mtime\":\"yesterday\"}]}",
                "{\"nodes\":[{\"type\":\"file\",\"content\":[\"abc\"]}]}", "{\"nodes\":[]} x", "{\"nodes\":[")) {
            assertThatThrownBy(() -> TreeCodec.decode(bad.getBytes(StandardCharsets.UTF_8))).as(bad)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void roundTripOfHandBuiltTree() throws IOException {
        List<Node> nodes = new ArrayList<>();
        nodes.add(file("z").build());
        nodes.add(file("😀").build());
        nodes.add(file("\uFF5E").build());
        nodes.add(file("bad\uDCFF").build());
        nodes.add(file("bad~").build());
        nodes.add(file("a\nb").extendedAttributes(List.of(new Xattr("user.x", new byte[] {1, 2, 3}))).build());
        nodes.add(Node.builder("d", NodeType.DIR).mtime(OffsetDateTime.parse("2000-01-01T00:00:00.000001-07:00"))
                .subtree(SUB).build());
        Tree t = Tree.sorted(nodes);
        // Go order is UTF-8 byte order: U+FF5E (EF BD 9E) before U+1F600 (F0 9F 98 80),
        // although Java's String order puts the surrogate pair first; the raw byte 0xFF sorts after '~'
        assertThat(t.nodes().stream().map(Node::name).toList())
                .containsExactly("a\nb", "bad~", "bad\uDCFF", "d", "z", "\uFF5E", "😀");
        byte[] b = TreeCodec.encode(t);
        Tree back = TreeCodec.decode(b);
        assertThat(back).isEqualTo(t);
        assertThat(TreeCodec.encode(back)).isEqualTo(b);
        assertThat(back.find("😀")).isNotNull();
        assertThat(back.find("bad\uDCFF")).isNotNull();
        assertThat(back.find("nope")).isNull();
        assertThat(back.subtrees()).containsExactly(SUB);
        assertThatThrownBy(() -> Tree.sorted(List.of(file("x").build(), file("x").build())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void largeTreesGrowTheBuffer() throws IOException {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) nodes.add(file(String.format("f%06d", i)).content(List.of(A)).build());
        Tree t = new Tree(nodes);
        byte[] b = TreeCodec.encode(t);
        assertThat(b.length).isGreaterThan(1 << 20);
        assertThat(TreeCodec.decode(b)).isEqualTo(t);
        assertThat(TreeCodec.encode(Tree.EMPTY)).hasSize(13); // the buffer is reusable after a big tree
    }
}
