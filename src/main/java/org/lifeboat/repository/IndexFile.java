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
public record IndexFile(List<Id> supersedes, List<PackedBlob> blobs) {
    private static final JsonFactory JSON = new JsonFactory();

    /** Streams restic's index JSON (also the legacy format: a bare array of packs). */
    static IndexFile parse(byte[] json) throws RepositoryException {
        List<Id> supersedes = new ArrayList<>();
        List<PackedBlob> blobs = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                parsePacks(p, blobs);
            } else if (t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "supersedes" -> {
                            if (p.currentToken() == JsonToken.START_ARRAY) {
                                while (p.nextToken() != JsonToken.END_ARRAY) supersedes.add(Id.parse(p.getText()));
                            }
                        }
                        case "packs" -> {
                            if (p.currentToken() == JsonToken.START_ARRAY) parsePacks(p, blobs);
                        }
                        default -> p.skipChildren();
                    }
                }
            } else {
                throw new RepositoryException("index is neither a JSON object nor an array");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("malformed index: " + e.getMessage(), e);
        }
        return new IndexFile(supersedes, blobs);
    }

    private static void parsePacks(JsonParser p, List<PackedBlob> out) throws IOException {
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Id pack = null;
            List<Object[]> pending = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("id")) {
                    pack = Id.parse(p.getText());
                } else if (f.equals("blobs") && p.currentToken() == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        Id id = null;
                        String type = null;
                        long offset = 0;
                        int length = 0;
                        int ulen = 0;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String g = p.currentName();
                            p.nextToken();
                            switch (g) {
                                case "id" -> id = Id.parse(p.getText());
                                case "type" -> type = p.getText();
                                case "offset" -> offset = p.getLongValue();
                                case "length" -> length = p.getIntValue();
                                case "uncompressed_length" -> ulen = p.getIntValue();
                                default -> p.skipChildren();
                            }
                        }
                        if (id == null || type == null) throw new IOException("index blob without id or type");
                        pending.add(new Object[] {id, type, offset, length, ulen});
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (pack == null) throw new IOException("index pack without id");
            for (Object[] b : pending) {
                BlobType bt;
                try {
                    bt = BlobType.fromJson((String) b[1]);
                } catch (RepositoryException e) {
                    throw new IOException(e.getMessage());
                }
                out.add(new PackedBlob((Id) b[0], bt, pack, (Long) b[2], (Integer) b[3], (Integer) b[4]));
            }
        }
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
