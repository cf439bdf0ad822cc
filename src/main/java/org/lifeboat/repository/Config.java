package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The repository's config file: format version, repository ID and chunker polynomial, and
 * Lifeboat's retention setting (null for none), kept as the extra field {@value #RETENTION_FIELD}
 * that restic's JSON decoding ignores. A config without retention is written exactly as before.
 */
public record Config(int version, String id, long polynomial, Retention retention) {
    /** The config's field for the retention setting: {@code {"mode": "compliance", "period": "30d"}}. */
    public static final String RETENTION_FIELD = "lifeboat_retention";

    /** A config without retention. */
    public Config(int version, String id, long polynomial) {
        this(version, id, polynomial, null);
    }

    public static final int MIN_VERSION = 1;
    public static final int MAX_VERSION = 2;

    /** A config file is about 150 bytes; larger ones are refused unread, in bytes. */
    public static final int MAX_SIZE = 1024 * 1024;

    /** Parses the (decrypted) config; RepositoryException with a sentence for anything malformed. */
    static Config parse(byte[] json) throws RepositoryException {
        JsonNode j;
        try {
            j = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new RepositoryException("config is not valid JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new RepositoryException("config is not a JSON object");
        JsonNode v = j.path("version");
        int version = v.isIntegralNumber() && v.canConvertToInt() ? v.asInt() : -1;
        if (version < MIN_VERSION || version > MAX_VERSION) {
            String shown = v.toString();
            throw new RepositoryException("unsupported repository version " + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown)
                    + " (Lifeboat reads versions 1 and 2)");
        }
        String pol = j.path("chunker_polynomial").asText("");
        long p;
        try {
            p = Long.parseUnsignedLong(pol, 16);
        } catch (NumberFormatException e) {
            throw new RepositoryException("config has an invalid chunker polynomial "
                    + org.lifeboat.repository.tree.TreeRules.quote(pol.length() > 40 ? pol.substring(0, 40) + "…" : pol));
        }
        if (p == 0) throw new RepositoryException("config has no chunker polynomial");
        return new Config(version, j.path("id").asText(""), p, retention(j.get(RETENTION_FIELD)));
    }

    /** The retention field, or null when absent; a malformed one is refused (writes would not be locked as asked). */
    private static Retention retention(JsonNode r) throws RepositoryException {
        if (r == null || r.isNull()) return null;
        if (!r.isObject() || !r.path("mode").isTextual() || !r.path("period").isTextual()) {
            throw new RepositoryException("config has a malformed " + RETENTION_FIELD + " (it needs a mode and a period as text)");
        }
        try {
            return Retention.parse(r.get("mode").asText(), r.get("period").asText());
        } catch (IllegalArgumentException e) {
            throw new RepositoryException("config has an invalid " + RETENTION_FIELD + ": " + e.getMessage());
        }
    }

    byte[] toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("version", version);
        o.put("id", id);
        o.put("chunker_polynomial", Long.toHexString(polynomial));
        if (retention != null) {
            o.putObject(RETENTION_FIELD).put("mode", retention.mode().text()).put("period", retention.periodText());
        }
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
