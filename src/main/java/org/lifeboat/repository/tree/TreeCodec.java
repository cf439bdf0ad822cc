package org.lifeboat.repository.tree;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.lifeboat.fs.RawNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.Id;

/**
 * Tree blobs as restic 0.14 writes them: exactly Go's encoding/json output of
 * {@code Tree{Nodes}} plus a newline, so that a tree we write for the same directory has the
 * same bytes, and therefore the same ID, as restic's.
 *
 * <p>Encoding rules (Go 1.19 encoding/json, restic 0.14 struct tags): fields in struct order;
 * omitempty drops mode, user, group, inode, device_id, size, links, linktarget,
 * extended_attributes, device, subtree and error when zero; times, uid, gid and content are
 * always written. Strings escape {@code " \} and control characters (n, r, t as letters, the
 * others as a backslash-u escape with four lowercase hex digits), {@code < > &} and U+2028/U+2029
 * also as backslash-u escapes, and write each invalid UTF-8 byte as the escape of U+FFFD;
 * everything else is raw UTF-8. The node name is first
 * quoted with Go's strconv.Quote (restic's MarshalJSON does that so that non-UTF-8 names
 * survive), so its backslashes appear doubled.
 *
 * <p>Decoding accepts what restic 0.9 to 0.17 writes: unknown fields are skipped, a type
 * restic 0.14 does not write is kept by name ({@link NodeType#UNKNOWN}),
 * {@code linktarget_raw} (0.17) overrides {@code linktarget}, times may carry any offset.
 */
public final class TreeCodec {
    private TreeCodec() {}

    private static final JsonFactory JSON = new JsonFactory();
    private static final ThreadLocal<Encoder> ENCODERS = ThreadLocal.withInitial(Encoder::new);

    /** The tree blob bytes: {@code {"nodes":[...]}} and a newline. */
    public static byte[] encode(Tree tree) {
        Encoder e = ENCODERS.get();
        try {
            e.tree(tree);
            return e.result();
        } finally {
            e.release();
        }
    }

    /** One node as restic's json.Marshal(node) writes it (no newline). */
    public static byte[] encodeNode(Node node) {
        Encoder e = ENCODERS.get();
        try {
            e.node(node);
            return e.result();
        } finally {
            e.release();
        }
    }

    public static Tree decode(byte[] json) throws IOException {
        return decode(json, 0, json.length);
    }

    /**
     * Parses a tree blob.
     *
     * @throws IOException if it is not a tree restic could have written; the message is one
     *                     sentence starting "invalid tree: ", naming the node (1-based) and field,
     *                     e.g. {@code invalid tree: node 3 ("a.txt"): size is -5, not a non-negative integer}
     */
    public static Tree decode(byte[] json, int off, int len) throws IOException {
        return decode("invalid tree", json, off, len);
    }

    /**
     * {@link #decode(byte[])} for the tree blob {@code id}: errors start with "tree &lt;short id&gt;: ".
     *
     * @throws IOException as {@link #decode(byte[], int, int)}
     */
    public static Tree decode(Id id, byte[] json) throws IOException {
        return decode("tree " + id.shortHex(), json, 0, json.length);
    }

    private static Tree decode(String what, byte[] json, int off, int len) throws IOException {
        // offsets from the parser are then offsets into the array
        byte[] raw = off == 0 && len == json.length ? json : Arrays.copyOfRange(json, off, off + len);
        Decoder d = null;
        try (JsonParser p = JSON.createParser(raw)) {
            d = new Decoder(p, raw);
            return d.tree();
        } catch (IOException | IllegalArgumentException | java.time.DateTimeException e) {
            // DateTimeException: e.g. a zone offset beyond ±18:00 (found by RepositoryParserFuzzTest)
            throw new IOException(what + ": " + (d == null ? "" : d.where()) + reason(e), e);
        }
    }

    /**
     * A name in double quotes for an error message: printable characters as they are, anything
     * else escaped (\\xNN for a raw byte), at most 100 characters, so a name cannot forge a line.
     */
    static String quoteForMessage(String name) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < name.length(); ) {
            if (sb.length() > 100) {
                sb.append("...");
                break;
            }
            int cp = name.codePointAt(i);
            i += Character.charCount(cp);
            if (RawNames.isEscapedByte((char) cp) && cp <= 0xFFFF) {
                sb.append(String.format("\\x%02x", cp & 0xFF));
            } else if (cp == '"' || cp == '\\') {
                sb.append('\\').append((char) cp);
            } else if (GoPrintable.isPrint(cp)) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(cp <= 0xFFFF ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
            }
        }
        return sb.append('"').toString();
    }

    /** The failure's own words, without Jackson's location blurb ("at [Source: REDACTED ...]"). */
    private static String reason(Exception e) {
        String m = e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null || m.isBlank()) return "not valid JSON (" + e.getClass().getSimpleName() + ")";
        int at = m.indexOf(" at [Source:");
        if (at < 0) at = m.indexOf("\n at [Source:");
        if (at >= 0) m = m.substring(0, at);
        return m.strip().replace('\n', ' ');
    }

    /** Streaming decoder over one blob; keeps the raw bytes for the rare re-read of a string. */
    private static final class Decoder {
        private final JsonParser p;
        private final byte[] raw;

        /** Where the decoder is, for messages: the node (1-based), its name once read, the field. */
        private int nodeIndex;
        private String nodeName;
        private String field;

        Decoder(JsonParser p, byte[] raw) {
            this.p = p;
            this.raw = raw;
        }

        /** "node 3 (\"a.txt\"): " while inside a node, else "". */
        String where() {
            if (field == null && nodeIndex == 0) return "";
            StringBuilder sb = new StringBuilder();
            if (nodeIndex > 0) {
                sb.append("node ").append(nodeIndex);
                if (nodeName != null) sb.append(" (").append(quoteForMessage(nodeName)).append(')');
                sb.append(": ");
            }
            return sb.toString();
        }

        /** The current field for messages ("size", or "nodes"). */
        private String what() {
            return field == null ? "the tree" : field;
        }

        Tree tree() throws IOException {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            List<Node> nodes = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("nodes".equals(field)) {
                    nodes.clear();
                    if (v == JsonToken.VALUE_NULL) continue;
                    expect(v, JsonToken.START_ARRAY);
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                        nodeIndex = nodes.size() + 1;
                        nodeName = null;
                        field = null;
                        expect(e, JsonToken.START_OBJECT);
                        nodes.add(node());
                    }
                    nodeIndex = 0;
                    field = null;
                } else {
                    p.skipChildren();
                }
            }
            expect(t, JsonToken.END_OBJECT);
            JsonToken trailing = p.nextToken();
            if (trailing != null) throw new IOException("data after the tree's JSON object");
            return new Tree(nodes);
        }

        private void expect(JsonToken got, JsonToken want) throws IOException {
            if (got != want) {
                throw new IOException(what() + " is " + describe(got) + ", not " + describe(want));
            }
        }

        private Node node() throws IOException {
            Node.Builder b = Node.builder("", NodeType.FILE);
            boolean haveType = false;
            byte[] linkTargetRaw = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "name" -> {
                        String name = unquoteName(string(v));
                        b.name(name);
                        nodeName = name;
                    }
                    case "type" -> {
                        String type = string(v);
                        // an unknown type is kept by name (see NodeType.UNKNOWN); null is Go's ""
                        b.typeName(type == null ? "" : type);
                        haveType = true;
                    }
                    case "mode" -> b.mode(uint32(v));
                    case "mtime" -> b.mtime(time(v));
                    case "atime" -> b.atime(time(v));
                    case "ctime" -> b.ctime(time(v));
                    case "uid" -> b.uid(uint32(v));
                    case "gid" -> b.gid(uint32(v));
                    case "user" -> b.user(string(v));
                    case "group" -> b.group(string(v));
                    case "inode" -> b.inode(uint64(v));
                    case "device_id" -> b.deviceId(uint64(v));
                    case "size" -> b.size(uint64(v));
                    case "links" -> b.links(uint64(v));
                    case "linktarget" -> b.linkTarget(string(v));
                    case "linktarget_raw" -> linkTargetRaw = bytes(v);
                    case "extended_attributes" -> b.extendedAttributes(xattrs(v));
                    case "device" -> b.device(uint64(v));
                    case "content" -> b.content(ids(v));
                    case "subtree" -> b.subtree(v == JsonToken.VALUE_NULL ? null : Id.parse(string(v)));
                    case "error" -> b.error(string(v));
                    default -> p.skipChildren(); // e.g. generic_attributes (0.17)
                }
            }
            field = null;
            expect(t, JsonToken.END_OBJECT);
            if (!haveType) throw new IOException("the node has no type");
            if (linkTargetRaw != null) b.linkTarget(RawNames.decode(linkTargetRaw)); // 0.17: raw bytes win
            return b.build();
        }

        /**
         * A string value. Go writes an invalid byte as an escaped U+FFFD but a real U+FFFD raw;
         * the parser hides the difference, so such strings are re-read from the raw bytes and
         * the escapes become {@link RawNames#REPLACED_BYTE}.
         */
        private String string(JsonToken v) throws IOException {
            if (v == JsonToken.VALUE_NULL) return null;
            expect(v, JsonToken.VALUE_STRING);
            String s = p.getText();
            if (s.indexOf('\uFFFD') < 0) return s;
            return rawString((int) p.currentTokenLocation().getByteOffset());
        }

        private String rawString(int i) throws IOException {
            if (i < 0 || i >= raw.length || raw[i] != '"') throw new IOException(what() + " could not be re-read at byte " + i);
            StringBuilder sb = new StringBuilder();
            i++;
            while (true) {
                int c = raw[i] & 0xFF;
                if (c == '"') return sb.toString();
                if (c == '\\') {
                    char e = (char) raw[i + 1];
                    i += 2;
                    switch (e) {
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            int u = Integer.parseInt(new String(raw, i, 4, StandardCharsets.US_ASCII), 16);
                            sb.append(u == 0xFFFD ? RawNames.REPLACED_BYTE : (char) u);
                            i += 4;
                        }
                        default -> sb.append(e); // " \ /
                    }
                } else if (c < 0x80) {
                    sb.append((char) c);
                    i++;
                } else {
                    int n = RawNames.validSequenceLength(raw, i, raw.length);
                    if (n == 0) throw new IOException(what() + " is not UTF-8 (byte " + i + ")");
                    sb.appendCodePoint(RawNames.decodeValid(raw, i, n));
                    i += n;
                }
            }
        }

        private long uint32(JsonToken v) throws IOException {
            long x = uint64(v);
            if (x < 0 || x > 0xFFFF_FFFFL) {
                throw new IOException(what() + " is " + Long.toUnsignedString(x) + ", more than a 32-bit number can hold");
            }
            return x;
        }

        private long uint64(JsonToken v) throws IOException {
            if (v == JsonToken.VALUE_NULL) return 0;
            expect(v, JsonToken.VALUE_NUMBER_INT);
            try {
                return Long.parseUnsignedLong(p.getText());
            } catch (NumberFormatException e) {
                String text = p.getText();
                throw new IOException(what() + " is " + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                        + ", not a non-negative integer", e);
            }
        }

        private OffsetDateTime time(JsonToken v) throws IOException {
            String s = string(v);
            return s == null ? null : GoTime.parse(s);
        }

        private byte[] bytes(JsonToken v) throws IOException {
            String s = string(v);
            return s == null ? null : Base64.getDecoder().decode(s);
        }

        private List<Xattr> xattrs(JsonToken v) throws IOException {
            if (v == JsonToken.VALUE_NULL) return List.of();
            expect(v, JsonToken.START_ARRAY);
            List<Xattr> list = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                expect(e, JsonToken.START_OBJECT);
                String name = "";
                byte[] value = null;
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken fv = p.nextToken();
                    switch (field) {
                        case "name" -> {
                            String n = string(fv);
                            name = n == null ? "" : n;
                        }
                        case "value" -> value = bytes(fv);
                        default -> p.skipChildren();
                    }
                }
                expect(t, JsonToken.END_OBJECT);
                list.add(new Xattr(name, value));
            }
            return list;
        }

        /** A JSON token as words for messages. */
        private static String describe(JsonToken t) {
            if (t == null) return "missing (the data ends)";
            return switch (t) {
                case START_OBJECT -> "an object";
                case END_OBJECT -> "the end of an object";
                case START_ARRAY -> "a list";
                case END_ARRAY -> "the end of a list";
                case FIELD_NAME -> "a field";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT -> "an integer";
                case VALUE_NUMBER_FLOAT -> "a fractional number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case VALUE_NULL -> "null";
                default -> t.toString();
            };
        }

        private List<Id> ids(JsonToken v) throws IOException {
            if (v == JsonToken.VALUE_NULL) return null;
            expect(v, JsonToken.START_ARRAY);
            List<Id> ids = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                ids.add(Id.parse(string(e)));
            }
            return ids;
        }
    }

    /** True if the string holds a raw byte that is not UTF-8 (see {@link RawNames}). */
    static boolean hasEscapedByte(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (RawNames.isEscapedByte(s.charAt(i))) return true;
        }
        return false;
    }

    // ---- names: strconv.Quote inside the JSON string ----

    /**
     * Reverses restic's strconv.Quote of the name (Go's strconv.Unquote): escapes give bytes,
     * which are then read as UTF-8 with raw bytes escaped. A name that is not valid quoted
     * syntax is kept as it is, for trees from restic versions that stored names unquoted.
     */
    static String unquoteName(String s) {
        if (s == null) return "";
        if (s.indexOf('\\') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s; // nothing to unquote; a JSON-decoded string is already valid text
        }
        byte[] out = unquote(s);
        return out == null ? s : RawNames.decode(out);
    }

    private static byte[] unquote(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"' || c == '\n') return null;
            if (c != '\\') {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                appendUtf8(out, cp);
                continue;
            }
            if (i + 1 >= n) return null;
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > n) return null;
                    long v = 0;
                    for (int k = 0; k < digits; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0) return null;
                        v = (v << 4) | d;
                    }
                    i += digits;
                    if (e == 'x') {
                        out.write((int) v);
                    } else {
                        if (v > Character.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF)) return null;
                        appendUtf8(out, (int) v);
                    }
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    if (i + 2 > n) return null;
                    int v = e - '0';
                    for (int k = 0; k < 2; k++) {
                        int d = s.charAt(i + k) - '0';
                        if (d < 0 || d > 7) return null;
                        v = (v << 3) | d;
                    }
                    if (v > 255) return null;
                    i += 2;
                    out.write(v);
                }
                default -> {
                    return null;
                }
            }
        }
        return out.toByteArray();
    }

    private static void appendUtf8(ByteArrayOutputStream out, int cp) {
        if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
            if (RawNames.isEscapedByte((char) cp)) {
                out.write(cp & 0xFF);
                return;
            }
            cp = 0xFFFD;
        }
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
    }

    // ---- encoder ----

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] TREE_START = ascii("{\"nodes\":[");
    private static final byte[] TREE_END = ascii("]}\n");
    private static final byte[] K_NAME = ascii("{\"name\":\"");
    private static final byte[] K_TYPE = ascii("\",\"type\":");
    private static final byte[] K_MODE = ascii(",\"mode\":");
    private static final byte[] K_MTIME = ascii(",\"mtime\":\"");
    private static final byte[] K_ATIME = ascii("\",\"atime\":\"");
    private static final byte[] K_CTIME = ascii("\",\"ctime\":\"");
    private static final byte[] K_UID = ascii("\",\"uid\":");
    private static final byte[] K_GID = ascii(",\"gid\":");
    private static final byte[] K_USER = ascii(",\"user\":");
    private static final byte[] K_GROUP = ascii(",\"group\":");
    private static final byte[] K_INODE = ascii(",\"inode\":");
    private static final byte[] K_DEVICE_ID = ascii(",\"device_id\":");
    private static final byte[] K_SIZE = ascii(",\"size\":");
    private static final byte[] K_LINKS = ascii(",\"links\":");
    private static final byte[] K_LINKTARGET = ascii(",\"linktarget\":");
    private static final byte[] K_LINKTARGET_RAW = ascii(",\"linktarget_raw\":");
    private static final byte[] K_XATTRS = ascii(",\"extended_attributes\":[");
    private static final byte[] K_XNAME = ascii("{\"name\":");
    private static final byte[] K_XVALUE = ascii(",\"value\":");
    private static final byte[] K_DEVICE = ascii(",\"device\":");
    private static final byte[] K_CONTENT = ascii(",\"content\":");
    private static final byte[] K_SUBTREE = ascii(",\"subtree\":\"");
    private static final byte[] K_ERROR = ascii(",\"error\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] REPLACEMENT = ascii("\\ufffd");

    /** A growable byte buffer reused per thread: one tree per directory must not churn garbage. */
    private static final class Encoder {
        private static final int INITIAL = 16 * 1024;
        private static final int KEEP = 1 << 20; // larger buffers are dropped after use
        private byte[] buf = new byte[INITIAL];
        private int len;
        private final byte[] idBytes = new byte[Id.LENGTH];

        byte[] result() {
            return Arrays.copyOf(buf, len);
        }

        void release() {
            len = 0;
            if (buf.length > KEEP) buf = new byte[INITIAL];
        }

        private void ensure(int n) {
            if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }

        private void put(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        private void put(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        void tree(Tree tree) {
            put(TREE_START);
            List<Node> nodes = tree.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                if (i > 0) put(',');
                node(nodes.get(i));
            }
            put(TREE_END);
        }

        void node(Node n) {
            put(K_NAME);
            quotedName(n.name());
            put(K_TYPE);
            if (n.type() == NodeType.UNKNOWN) {
                string(n.unknownType());
            } else {
                put(n.type().jsonBytes);
            }
            if (n.mode() != 0) {
                put(K_MODE);
                unsigned(n.mode());
            }
            put(K_MTIME);
            time(n.mtime());
            put(K_ATIME);
            time(n.atime());
            put(K_CTIME);
            time(n.ctime());
            put(K_UID);
            unsigned(n.uid());
            put(K_GID);
            unsigned(n.gid());
            if (n.user() != null) {
                put(K_USER);
                string(n.user());
            }
            if (n.group() != null) {
                put(K_GROUP);
                string(n.group());
            }
            if (n.inode() != 0) {
                put(K_INODE);
                unsigned(n.inode());
            }
            if (n.deviceId() != 0) {
                put(K_DEVICE_ID);
                unsigned(n.deviceId());
            }
            if (n.size() != 0) {
                put(K_SIZE);
                unsigned(n.size());
            }
            if (n.links() != 0) {
                put(K_LINKS);
                unsigned(n.links());
            }
            if (n.linkTarget() != null) {
                put(K_LINKTARGET);
                string(n.linkTarget());
                // As restic 0.17+ (Node.MarshalJSON): a target that is not UTF-8 also goes as its raw
                // bytes, which newer readers prefer; REPLACED_BYTE is a byte already lost, so not raw.
                if (hasEscapedByte(n.linkTarget())) {
                    put(K_LINKTARGET_RAW);
                    base64(RawNames.encode(n.linkTarget()));
                }
            }
            List<Xattr> xattrs = n.extendedAttributes();
            if (!xattrs.isEmpty()) {
                put(K_XATTRS);
                for (int i = 0; i < xattrs.size(); i++) {
                    if (i > 0) put(',');
                    Xattr x = xattrs.get(i);
                    put(K_XNAME);
                    string(x.name());
                    put(K_XVALUE);
                    base64(x.value());
                    put('}');
                }
                put(']');
            }
            if (n.device() != 0) {
                put(K_DEVICE);
                unsigned(n.device());
            }
            put(K_CONTENT);
            List<Id> content = n.content();
            if (content == null) {
                put(NULL);
            } else {
                put('[');
                for (int i = 0; i < content.size(); i++) {
                    if (i > 0) put(',');
                    put('"');
                    id(content.get(i));
                    put('"');
                }
                put(']');
            }
            if (n.subtree() != null) {
                put(K_SUBTREE);
                id(n.subtree());
                put('"');
            }
            if (n.error() != null) {
                put(K_ERROR);
                string(n.error());
            }
            put('}');
        }

        private void time(OffsetDateTime t) {
            ensure(GoTime.MAX_LENGTH);
            len = GoTime.format(t, buf, len);
        }

        private void unsigned(long v) {
            if (v < 0) {
                put(ascii(Long.toUnsignedString(v)));
                return;
            }
            ensure(20);
            int digits = 1;
            for (long x = v; x >= 10; x /= 10) digits++;
            for (int i = len + digits - 1; i >= len; i--) {
                buf[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            len += digits;
        }

        private void id(Id id) {
            id.copyTo(idBytes, 0);
            ensure(2 * Id.LENGTH);
            for (byte b : idBytes) {
                buf[len++] = HEX[(b >> 4) & 0xF];
                buf[len++] = HEX[b & 0xF];
            }
        }

        private void base64(byte[] v) {
            if (v == null) {
                put(NULL);
                return;
            }
            put('"');
            put(Base64.getEncoder().encode(v));
            put('"');
        }

        /** A JSON string the way Go's encoding/json writes it (HTML-safe escaping on). */
        private void string(String s) {
            put('"');
            int n = s.length();
            boolean ascii = true;
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                for (int i = 0; i < n; i++) jsonAscii(s.charAt(i));
            } else {
                // lone surrogates other than escaped bytes stand for bytes Go already replaced
                int from = 0;
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    if (!Character.isSurrogate(c)) continue;
                    if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        i++;
                        continue;
                    }
                    if (RawNames.isEscapedByte(c)) continue;
                    jsonBytes(RawNames.encode(s.substring(from, i)));
                    put(REPLACEMENT);
                    from = i + 1;
                }
                jsonBytes(from == 0 ? RawNames.encode(s) : RawNames.encode(s.substring(from)));
            }
            put('"');
        }

        /** Go's encodeState.string over raw bytes. */
        private void jsonBytes(byte[] b) {
            int i = 0;
            while (i < b.length) {
                int c = b[i] & 0xFF;
                if (c < 0x80) {
                    jsonAscii(c);
                    i++;
                    continue;
                }
                int k = RawNames.validSequenceLength(b, i, b.length);
                if (k == 0) {
                    put(REPLACEMENT); // Go writes each invalid byte as an escaped U+FFFD
                    i++;
                    continue;
                }
                int cp = RawNames.decodeValid(b, i, k);
                if (cp == 0x2028 || cp == 0x2029) {
                    escapeU(cp);
                } else {
                    ensure(k);
                    System.arraycopy(b, i, buf, len, k);
                    len += k;
                }
                i += k;
            }
        }

        private void jsonAscii(int c) {
            if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
                put(c);
                return;
            }
            switch (c) {
                case '"' -> { put('\\'); put('"'); }
                case '\\' -> { put('\\'); put('\\'); }
                case '\n' -> { put('\\'); put('n'); }
                case '\r' -> { put('\\'); put('r'); }
                case '\t' -> { put('\\'); put('t'); }
                default -> escapeU(c); // other controls and < > & (Go 1.19 has no \b \f shorthands)
            }
        }

        private void escapeU(int c) {
            ensure(6);
            buf[len++] = '\\';
            buf[len++] = 'u';
            buf[len++] = HEX[(c >> 12) & 0xF];
            buf[len++] = HEX[(c >> 8) & 0xF];
            buf[len++] = HEX[(c >> 4) & 0xF];
            buf[len++] = HEX[c & 0xF];
        }

        /**
         * The name as strconv.Quote would write it (without the outer quotes), then JSON-escaped:
         * printable runes raw, {@code " \} and non-printable runes as Go escapes, invalid bytes
         * as {@code \xNN}. The quote's own backslashes become {@code \\} in the JSON.
         */
        private void quotedName(String s) {
            int n = s.length();
            boolean ascii = true;
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                for (int i = 0; i < n; i++) quotedRune(s.charAt(i));
                return;
            }
            byte[] b = RawNames.encode(s);
            int i = 0;
            while (i < b.length) {
                int c = b[i] & 0xFF;
                if (c < 0x80) {
                    quotedRune(c);
                    i++;
                    continue;
                }
                int k = RawNames.validSequenceLength(b, i, b.length);
                if (k == 0) {
                    quoteEscape('x', c, 2);
                    i++;
                    continue;
                }
                int cp = RawNames.decodeValid(b, i, k);
                if (GoPrintable.isPrint(cp)) {
                    ensure(k); // printable non-ASCII: raw (U+2028/9 are not printable, so never here)
                    System.arraycopy(b, i, buf, len, k);
                    len += k;
                } else {
                    quotedRune(cp);
                }
                i += k;
            }
        }

        private void quotedRune(int cp) {
            if (cp == '"' || cp == '\\') {
                put('\\');
                put('\\'); // strconv's backslash, escaped for JSON
                put('\\');
                put(cp);   // the quoted character, escaped for JSON
                return;
            }
            if (cp < 0x80 && cp >= 0x20 && cp != 0x7F) {
                jsonAscii(cp); // printable ASCII; JSON still escapes < > &
                return;
            }
            switch (cp) {
                case 7 -> quoteLetter('a');
                case 8 -> quoteLetter('b');
                case 12 -> quoteLetter('f');
                case '\n' -> quoteLetter('n');
                case '\r' -> quoteLetter('r');
                case '\t' -> quoteLetter('t');
                case 11 -> quoteLetter('v');
                default -> {
                    if (cp < 0x20 || cp == 0x7F) {
                        quoteEscape('x', cp, 2);
                    } else if (cp < 0x10000) {
                        quoteEscape('u', cp, 4);
                    } else {
                        quoteEscape('U', cp, 8);
                    }
                }
            }
        }

        private void quoteLetter(char c) {
            put('\\');
            put('\\');
            put(c);
        }

        private void quoteEscape(char kind, int v, int digits) {
            ensure(3 + digits);
            buf[len++] = '\\';
            buf[len++] = '\\';
            buf[len++] = (byte) kind;
            for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
                buf[len++] = HEX[(v >> shift) & 0xF];
            }
        }
    }
}
