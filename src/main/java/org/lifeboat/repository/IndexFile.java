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
        List<Id> supersedes = new ArrayList<>();
        List<PackedBlob> blobs = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        long[] refusedCount = {0};
        java.util.Set<Id> refusedPacks = new java.util.HashSet<>();
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                parsePacks(p, blobs, refused, refusedCount, refusedPacks);
            } else if (t == JsonToken.START_OBJECT) {
                JsonToken f;
                while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (name) {
                        case "supersedes" -> {
                            if (v == JsonToken.START_ARRAY) {
                                JsonToken e;
                                while ((e = p.nextToken()) == JsonToken.VALUE_STRING) supersedes.add(Id.parse(p.getText()));
                                if (e != JsonToken.END_ARRAY) throw new IOException("\"supersedes\" holds " + e + " instead of IDs");
                            } else if (v != JsonToken.VALUE_NULL) {
                                throw new IOException("\"supersedes\" is " + v + ", not a list");
                            }
                        }
                        case "packs" -> {
                            if (v == JsonToken.START_ARRAY) parsePacks(p, blobs, refused, refusedCount, refusedPacks);
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
        if (refusedCount[0] > refused.size()) {
            refused.add("and " + (refusedCount[0] - refused.size()) + " more entries with impossible locations");
        }
        return new IndexFile(supersedes, blobs, List.copyOf(refused), java.util.Set.copyOf(refusedPacks));
    }

    private static void parsePacks(JsonParser p, List<PackedBlob> out, List<String> refused, long[] refusedCount,
                                   java.util.Set<Id> refusedPacks) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
            Id pack = null;
            List<Object[]> pending = new ArrayList<>();
            JsonToken f;
            while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("id")) {
                    pack = Id.parse(text(p, v, "pack id"));
                } else if (name.equals("blobs") && v == JsonToken.START_ARRAY) {
                    JsonToken b;
                    while ((b = p.nextToken()) == JsonToken.START_OBJECT) pending.add(blob(p));
                    if (b != JsonToken.END_ARRAY) throw new IOException("\"blobs\" holds " + b + " instead of objects");
                } else {
                    p.skipChildren();
                }
            }
            if (f != JsonToken.END_OBJECT) throw new IOException("unexpected " + f);
            if (pack == null) throw new IOException("index pack without id");
            for (Object[] b : pending) {
                BlobType bt = BlobType.fromJson((String) b[1]);
                Id id = (Id) b[0];
                long offset = (Long) b[2];
                long length = (Long) b[3];
                long ulen = (Long) b[4];
                String problem = PackedBlob.problem(bt, offset, length, ulen);
                if (problem != null) {
                    refusedPacks.add(pack);
                    if (refusedCount[0]++ < MAX_REFUSED_SHOWN) {
                        refused.add(bt.json() + " blob " + id.shortHex() + " in pack " + pack.shortHex() + " " + problem);
                    }
                    continue;
                }
                out.add(new PackedBlob(id, bt, pack, offset, (int) length, (int) ulen));
            }
        }
        if (t != JsonToken.END_ARRAY) throw new IOException("the list of packs holds " + t + " instead of objects");
    }

    /** One blob object: {id, type, offset, length, uncompressed_length}, lengths as longs to judge them. */
    private static Object[] blob(JsonParser p) throws IOException {
        Id id = null;
        String type = null;
        long offset = 0;
        long length = 0;
        long ulen = 0;
        JsonToken f;
        while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
            String g = p.currentName();
            JsonToken v = p.nextToken();
            switch (g) {
                case "id" -> id = Id.parse(text(p, v, "blob id"));
                case "type" -> type = text(p, v, "blob type");
                case "offset" -> offset = number(p, v, g);
                case "length" -> length = number(p, v, g);
                case "uncompressed_length" -> ulen = number(p, v, g);
                default -> p.skipChildren();
            }
        }
        if (f != JsonToken.END_OBJECT) throw new IOException("unexpected " + f);
        if (id == null || type == null) throw new IOException("index blob without id or type");
        return new Object[] {id, type, offset, length, ulen};
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
