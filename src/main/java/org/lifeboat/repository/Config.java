package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The repository's config file: format version, repository ID and chunker polynomial. */
public record Config(int version, String id, long polynomial) {
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
        return new Config(version, j.path("id").asText(""), p);
    }

    byte[] toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("version", version);
        o.put("id", id);
        o.put("chunker_polynomial", Long.toHexString(polynomial));
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
