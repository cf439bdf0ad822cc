package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;

/**
 * A key file ({@code keys/<id>}): plain JSON holding the master key encrypted with a key derived by
 * scrypt from a password.
 */
public record KeyFile(String created, String username, String hostname, int n, int r, int p,
                      byte[] salt, byte[] data) {

    /** scrypt parameters for new keys: restic's defaults scale, ~64 MiB of memory. */
    public static final int DEFAULT_N = 32768;
    public static final int DEFAULT_R = 8;
    public static final int DEFAULT_P = 1;

    public static KeyFile parse(byte[] json) throws RepositoryException {
        try {
            JsonNode j = Json.MAPPER.readTree(json);
            String kdf = j.path("kdf").asText("");
            if (!kdf.equals("scrypt")) throw new RepositoryException("key file uses unknown kdf '" + kdf + "'");
            return new KeyFile(j.path("created").asText(null), j.path("username").asText(null),
                    j.path("hostname").asText(null), j.path("N").asInt(), j.path("r").asInt(), j.path("p").asInt(),
                    Base64.getDecoder().decode(j.path("salt").asText()),
                    Base64.getDecoder().decode(j.path("data").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("malformed key file: " + e.getMessage(), e);
        }
    }

    public byte[] toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("created", created);
        o.put("username", username);
        o.put("hostname", hostname);
        o.put("kdf", "scrypt");
        o.put("N", n);
        o.put("r", r);
        o.put("p", p);
        o.put("salt", Base64.getEncoder().encodeToString(salt));
        o.put("data", Base64.getEncoder().encodeToString(data));
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Derives the user key from the password and opens the master key; CryptoException on a wrong password. */
    public Crypto open(String password) throws CryptoException, RepositoryException {
        if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1) {
            throw new RepositoryException("key file has invalid scrypt parameters N=" + n + " r=" + r + " p=" + p);
        }
        Crypto user = Crypto.fromDerived(Scrypt.derive(password.getBytes(StandardCharsets.UTF_8), salt, n, r, p, 64));
        byte[] plain = user.decrypt(data);
        try {
            JsonNode j = Json.MAPPER.readTree(plain);
            Base64.Decoder b64 = Base64.getDecoder();
            return new Crypto(b64.decode(j.path("encrypt").asText()), b64.decode(j.path("mac").path("k").asText()),
                    b64.decode(j.path("mac").path("r").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("key file decrypted but its master key is malformed", e);
        }
    }

    /** Wraps a master key under a new password. */
    public static KeyFile create(Crypto master, String password, String username, String hostname, int n, int r, int p) {
        byte[] salt = new byte[64];
        new SecureRandom().nextBytes(salt);
        Crypto user = Crypto.fromDerived(Scrypt.derive(password.getBytes(StandardCharsets.UTF_8), salt, n, r, p, 64));
        ObjectNode mk = Json.MAPPER.createObjectNode();
        Base64.Encoder b64 = Base64.getEncoder();
        mk.putObject("mac").put("k", b64.encodeToString(master.macK())).put("r", b64.encodeToString(master.macR()));
        mk.put("encrypt", b64.encodeToString(master.encKey()));
        byte[] data;
        try {
            data = user.encrypt(Json.MAPPER.writeValueAsBytes(mk));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new KeyFile(Times.format(OffsetDateTime.now()), username, hostname, n, r, p, salt, data);
    }
}
