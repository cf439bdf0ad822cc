package org.lifeboat.repository;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One index file: the blobs of some packs, and the index files it supersedes. */
public record IndexFile(List<Id> supersedes, List<PackedBlob> blobs, List<String> refused, java.util.Set<Id> refusedPacks) {
    private static final JsonFactory JSON = new JsonFactory();

    /** At most this many refused entries are described (the rest are counted in the last line). */
    static final int MAX_REFUSED_SHOWN = 20;

    /** An index file to write (nothing refused). */
    public IndexFile(List<Id> supersedes, List<PackedBlob> blobs) {
        this(supersedes, blobs, List.of(), java.util.Set.of());
    }

    /**
     * Streams restic's index JSON (also the legacy format: a bare array of packs). Every blob's
     * location is checked against {@link PackedBlob#problem}, so a hostile index cannot make a
     * reader allocate gigabytes or seek before a pack's start: such an entry is refused (described
     * in {@link #refused()}, naming the blob and pack) and the file's other entries are kept, as
     * restic keeps them. RepositoryException for a file that is not an index at all.
     */
    static IndexFile parse(byte[] json) throws RepositoryException {
        Loaded f = load(json);
        List<PackedBlob> blobs = new ArrayList<>(f.count());
        for (int i = 0; i < f.count(); i++) blobs.add(f.blob(i));
        return new IndexFile(f.supersedes(), blobs, f.refused(), f.refusedPacks());
    }

    /**
     * One index file parsed into primitive arrays (no object per blob): what loading the whole
     * index needs, at about 56 bytes per entry instead of ~110 for {@link PackedBlob} and
     * {@link Id} objects. Entries keep the file's order; packs are numbered within the file.
     */
    static final class Loaded {
        private final List<Id> supersedes = new ArrayList<>();
        private final List<String> refused = new ArrayList<>();
        private final java.util.Set<Id> refusedPacks = new java.util.HashSet<>();
        private final List<Id> packs = new ArrayList<>();
        private long[] ids;
        private long[] offsets;
        /** Per entry: pack number in this file × 2 + type (0 data, 1 tree), length, uncompressed length. */
        private int[] ints;
        private int count;

        /** Empties it, keeping its arrays for the next file. */
        void clear() {
            supersedes.clear();
            refused.clear();
            refusedPacks.clear();
            packs.clear();
            count = 0;
        }

        private Loaded(int capacity) {
            ids = new long[capacity * 4];
            offsets = new long[capacity];
            ints = new int[capacity * 3];
        }

        List<Id> supersedes() {
            return supersedes;
        }

        List<String> refused() {
            return refused;
        }

        java.util.Set<Id> refusedPacks() {
            return refusedPacks;
        }

        int count() {
            return count;
        }

        /** The i-th word (0–3) of entry e's ID, big-endian. */
        long idWord(int e, int i) {
            return ids[e * 4 + i];
        }

        long offset(int e) {
            return offsets[e];
        }

        /** The pack's number in this file (see {@link #pack(int)}). */
        int packOf(int e) {
            return ints[e * 3] >>> 1;
        }

        Id pack(int filePackNumber) {
            return packs.get(filePackNumber);
        }

        int packCount() {
            return packs.size();
        }

        BlobType type(int e) {
            return (ints[e * 3] & 1) == 0 ? BlobType.DATA : BlobType.TREE;
        }

        int length(int e) {
            return ints[e * 3 + 1];
        }

        int uncompressedLength(int e) {
            return ints[e * 3 + 2];
        }

        Id id(int e) {
            byte[] b = new byte[Id.LENGTH];
            for (int w = 0; w < 4; w++) {
                long v = ids[e * 4 + w];
                for (int k = 7; k >= 0; k--) {
                    b[w * 8 + k] = (byte) v;
                    v >>>= 8;
                }
            }
            return Id.of(b);
        }

        PackedBlob blob(int e) {
            return new PackedBlob(id(e), type(e), pack(packOf(e)), offsets[e], length(e), uncompressedLength(e));
        }

        private void append(long[] w, BlobType type, long offset, int length, int ulen) {
            if (count == offsets.length) {
                int cap = Math.max(16, count + (count >> 1));
                ids = java.util.Arrays.copyOf(ids, cap * 4);
                offsets = java.util.Arrays.copyOf(offsets, cap);
                ints = java.util.Arrays.copyOf(ints, cap * 3);
            }
            System.arraycopy(w, 0, ids, count * 4, 4);
            offsets[count] = offset;
            ints[count * 3] = type == BlobType.TREE ? 1 : 0; // the pack is set when its object ends
            ints[count * 3 + 1] = length;
            ints[count * 3 + 2] = ulen;
            count++;
        }
    }

    /** {@link #parse} into primitive arrays; the same checks and errors. */
    static Loaded load(byte[] json) throws RepositoryException {
        // ~190 bytes of JSON per blob in restic's layout
        Loaded out = new Loaded(Math.max(16, json.length / 180));
        load(parser(json), out);
        return out;
    }

    /**
     * {@link #load(byte[])} from a stream (an index file decompressed as it is read, so its JSON
     * is never held whole), into {@code out}, which is emptied first (a reused one keeps its
     * arrays). A RepositoryException the stream throws is passed on as it is.
     */
    static Loaded load(java.io.InputStream json, Loaded out) throws RepositoryException {
        out.clear();
        load(parser(json), out);
        return out;
    }

    /** A new, empty {@link Loaded} with room for {@code capacity} entries. */
    static Loaded newLoaded(int capacity) {
        return new Loaded(Math.max(16, capacity));
    }

    private static JsonParser parser(Object json) throws RepositoryException {
        try {
            return json instanceof byte[] b ? JSON.createParser(b) : JSON.createParser((java.io.InputStream) json);
        } catch (IOException e) {
            throw new RepositoryException("malformed index: " + e.getMessage(), e);
        }
    }

    private static void load(JsonParser parser, Loaded out) throws RepositoryException {
        long[] refusedCount = {0};
        try (JsonParser p = parser) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                parsePacks(p, out, refusedCount);
            } else if (t == JsonToken.START_OBJECT) {
                JsonToken f;
                while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (name) {
                        case "supersedes" -> {
                            if (v == JsonToken.START_ARRAY) {
                                JsonToken e;
                                while ((e = p.nextToken()) == JsonToken.VALUE_STRING) out.supersedes.add(Id.parse(p.getText()));
                                if (e != JsonToken.END_ARRAY) throw new IOException("\"supersedes\" holds " + e + " instead of IDs");
                            } else if (v != JsonToken.VALUE_NULL) {
                                throw new IOException("\"supersedes\" is " + v + ", not a list");
                            }
                        }
                        case "packs" -> {
                            if (v == JsonToken.START_ARRAY) parsePacks(p, out, refusedCount);
                            else if (v != JsonToken.VALUE_NULL) throw new IOException("\"packs\" is " + v + ", not a list");
                        }
                        default -> p.skipChildren();
                    }
                }
                if (f != JsonToken.END_OBJECT) throw new IOException("unexpected " + f);
            } else {
                throw new RepositoryException("index is neither a JSON object nor an array");
            }
        } catch (RepositoryException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("malformed index: " + e.getMessage(), e);
        }
        if (refusedCount[0] > out.refused.size()) {
            out.refused.add("and " + (refusedCount[0] - out.refused.size()) + " more entries with impossible locations");
        }
    }

    /** An entry refused for an impossible location, described once its pack's ID is known. */
    private record Refusal(Id id, BlobType type, String problem) {}

    private static void parsePacks(JsonParser p, Loaded out, long[] refusedCount) throws IOException {
        JsonToken t;
        long[] words = new long[4];
        long[] numbers = new long[3];
        BlobType[] type = new BlobType[1];
        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
            Id pack = null;
            int first = out.count;
            List<Refusal> refusals = null;
            JsonToken f;
            while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("id")) {
                    pack = Id.parse(text(p, v, "pack id"));
                } else if (name.equals("blobs") && v == JsonToken.START_ARRAY) {
                    JsonToken b;
                    while ((b = p.nextToken()) == JsonToken.START_OBJECT) {
                        blob(p, words, type, numbers);
                        long offset = numbers[0];
                        long length = numbers[1];
                        long ulen = numbers[2];
                        String problem = PackedBlob.problem(type[0], offset, length, ulen);
                        if (problem != null) {
                            if (refusals == null) refusals = new ArrayList<>();
                            refusals.add(new Refusal(wordsToId(words), type[0], problem));
                            continue;
                        }
                        out.append(words, type[0], offset, (int) length, (int) ulen);
                    }
                    if (b != JsonToken.END_ARRAY) throw new IOException("\"blobs\" holds " + b + " instead of objects");
                } else {
                    p.skipChildren();
                }
            }
            if (f != JsonToken.END_OBJECT) throw new IOException("unexpected " + f);
            if (pack == null) throw new IOException("index pack without id");
            if (out.count > first) {
                int number = out.packs.size();
                out.packs.add(pack);
                for (int e = first; e < out.count; e++) out.ints[e * 3] |= number << 1;
            }
            if (refusals != null) {
                for (Refusal r : refusals) {
                    out.refusedPacks.add(pack);
                    if (refusedCount[0]++ < MAX_REFUSED_SHOWN) {
                        out.refused.add(r.type().json() + " blob " + r.id().shortHex() + " in pack " + pack.shortHex() + " " + r.problem());
                    }
                }
            }
        }
        if (t != JsonToken.END_ARRAY) throw new IOException("the list of packs holds " + t + " instead of objects");
    }

    private static Id wordsToId(long[] w) {
        byte[] b = new byte[Id.LENGTH];
        for (int i = 0; i < 4; i++) {
            long v = w[i];
            for (int k = 7; k >= 0; k--) {
                b[i * 8 + k] = (byte) v;
                v >>>= 8;
            }
        }
        return Id.of(b);
    }

    /**
     * One blob object: {id, type, offset, length, uncompressed_length}; the ID into {@code words}
     * (read from the parser's characters, no String or Id made), the numbers as longs to judge them.
     */
    private static void blob(JsonParser p, long[] words, BlobType[] type, long[] numbers) throws IOException {
        boolean haveId = false;
        String typeName = null;
        numbers[0] = 0;
        numbers[1] = 0;
        numbers[2] = 0;
        JsonToken f;
        while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
            String g = p.currentName();
            JsonToken v = p.nextToken();
            switch (g) {
                case "id" -> {
                    if (v != JsonToken.VALUE_STRING) throw new IOException("blob id is " + v + ", not a string");
                    if (!hexWords(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), words)) {
                        Id.parse(p.getText()); // throws, saying what is wrong
                        throw new IOException("blob id " + p.getText() + " is not an ID");
                    }
                    haveId = true;
                }
                case "type" -> typeName = text(p, v, "blob type");
                case "offset" -> numbers[0] = number(p, v, g);
                case "length" -> numbers[1] = number(p, v, g);
                case "uncompressed_length" -> numbers[2] = number(p, v, g);
                default -> p.skipChildren();
            }
        }
        if (f != JsonToken.END_OBJECT) throw new IOException("unexpected " + f);
        if (!haveId || typeName == null) throw new IOException("index blob without id or type");
        type[0] = BlobType.fromJson(typeName);
    }

    /** 64 hex digits (either case, as {@link Id#parse}) into four big-endian words; false when they are not. */
    static boolean hexWords(char[] c, int off, int len, long[] words) {
        if (len != 2 * Id.LENGTH) return false;
        for (int w = 0; w < 4; w++) {
            long v = 0;
            for (int k = 0; k < 16; k++) {
                int d = Character.digit(c[off + w * 16 + k], 16);
                if (d < 0 || c[off + w * 16 + k] > 'f') return false;
                v = (v << 4) | d;
            }
            words[w] = v;
        }
        return true;
    }

    private static String text(JsonParser p, JsonToken v, String what) throws IOException {
        if (v != JsonToken.VALUE_STRING) throw new IOException(what + " is " + v + ", not a string");
        return p.getText();
    }

    private static long number(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_NULL) return 0;
        if (v != JsonToken.VALUE_NUMBER_INT) throw new IOException("blob " + field + " is " + v + ", not an integer");
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            // beyond a long: an impossible location, refused with the entry (not the whole file)
            return p.getBigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return p.getLongValue();
    }

    /** Encodes as restic does: packs in order of first appearance, blobs in insertion order. */
    byte[] toJson() {
        Map<Id, List<PackedBlob>> byPack = new LinkedHashMap<>();
        for (PackedBlob b : blobs) byPack.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + blobs.size() * 160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!supersedes.isEmpty()) {
                g.writeArrayFieldStart("supersedes");
                for (Id s : supersedes) g.writeString(s.hex());
                g.writeEndArray();
            }
            g.writeArrayFieldStart("packs");
            for (Map.Entry<Id, List<PackedBlob>> e : byPack.entrySet()) {
                g.writeStartObject();
                g.writeStringField("id", e.getKey().hex());
                g.writeArrayFieldStart("blobs");
                for (PackedBlob b : e.getValue()) {
                    g.writeStartObject();
                    g.writeStringField("id", b.id().hex());
                    g.writeStringField("type", b.type().json());
                    g.writeNumberField("offset", b.offset());
                    g.writeNumberField("length", b.length());
                    if (b.compressed()) g.writeNumberField("uncompressed_length", b.uncompressedLength());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
