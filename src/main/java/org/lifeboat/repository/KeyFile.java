package org.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** Key files are small JSON documents (about 500 bytes); larger ones are refused unread, in bytes. */
    public static final int MAX_SIZE = 1024 * 1024;

    /**
     * Most memory scrypt may use for one key, 128·r·(N+p) bytes (1 GiB): Go's scrypt, which restic
     * uses, allocates the same, and restic's calibration targets about 60 MiB.
     */
    public static final long MAX_MEMORY = 1L << 30;

    /**
     * Most work scrypt may do for one key, N·r·p (2^26, i.e. 8 GiB of memory traffic, some
     * seconds): restic's calibrated parameters stay below 2^22, and every command opens a key.
     */
    public static final long MAX_WORK = 1L << 26;

    /**
     * Parses a key file. RepositoryException when it is not JSON, uses another KDF, or its scrypt
     * parameters are not 32-bit integers. Whether they are safe to run is judged by {@link #open},
     * so that {@code key list} still shows (and {@code key remove} can remove) a hostile key.
     */
    public static KeyFile parse(byte[] json) throws RepositoryException {
        try {
            JsonNode j = Json.MAPPER.readTree(json);
            if (j == null || !j.isObject()) throw new RepositoryException("it is not a JSON object");
            String kdf = j.path("kdf").asText("");
            if (!kdf.equals("scrypt")) throw new RepositoryException("it uses an unknown kdf " + quoted(kdf));
            for (String name : new String[] {"N", "r", "p"}) {
                JsonNode v = j.path(name);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                    String shown = v.isMissingNode() ? "missing" : v.toString();
                    throw new RepositoryException("its scrypt parameter " + name + " is not a usable integer ("
                            + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown) + ")");
                }
            }
            int n = j.path("N").asInt();
            int r = j.path("r").asInt();
            int p = j.path("p").asInt();
            if (!j.path("salt").isTextual() || !j.path("data").isTextual()) {
                throw new RepositoryException("it has no salt or data");
            }
            return new KeyFile(j.path("created").asText(null), j.path("username").asText(null),
                    j.path("hostname").asText(null), n, r, p,
                    Base64.getDecoder().decode(j.path("salt").asText()),
                    Base64.getDecoder().decode(j.path("data").asText()));
        } catch (RepositoryException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("it is malformed: " + e.getMessage(), e);
        }
    }

    private static String quoted(String s) {
        return org.lifeboat.repository.tree.TreeRules.quote(s.length() > 40 ? s.substring(0, 40) + "…" : s);
    }

    /**
     * Why scrypt must not run with these parameters, or null when it may: N must be a power of two
     * above 1, r and p positive with r·p below 2^30 (RFC 7914, as Go's scrypt checks), the memory
     * 128·N·r (and 128·r·p) at most {@link #MAX_MEMORY} and the work N·r·p at most {@link #MAX_WORK}, so a
     * hostile key file cannot exhaust memory or keep a command busy for minutes.
     */
    public static String paramsProblem(long n, long r, long p) {
        String params = "N=" + n + " r=" + r + " p=" + p;
        if (n < 2 || (n & (n - 1)) != 0) return "its scrypt parameter N must be a power of two above 1 (" + params + ")";
        if (r < 1 || p < 1) return "its scrypt parameters r and p must be positive (" + params + ")";
        if (r >= 1 << 30 || p >= 1 << 30 || r * p >= 1 << 30) return "its scrypt parameters r·p must be below 2^30 (" + params + ")";
        // n, r < 2^30 here, so the products below cannot overflow a long before the checks
        // V (128·N·r bytes, the memory scrypt is about) and B (128·r·p bytes), each at most the limit
        double v = 128.0 * r * n, b = 128.0 * r * p;
        if (v > MAX_MEMORY || b > MAX_MEMORY) {
            return "its scrypt parameters would need " + (long) (Math.max(v, b) / (1 << 20)) + " MiB of memory, more than the "
                    + Compression.sizeText(MAX_MEMORY) + " allowed (" + params + ")";
        }
        if ((double) n * r * p > MAX_WORK) {
            return "its scrypt parameters would take minutes to compute (N·r·p above 2^26; " + params + ")";
        }
        return null;
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

    /**
     * Derives the user key from the password and opens the master key. CryptoException on a wrong
     * password; RepositoryException when the scrypt parameters are unsafe ({@link #paramsProblem})
     * or the decrypted master key is malformed.
     */
    public Crypto open(String password) throws CryptoException, RepositoryException {
        String problem = paramsProblem(n, r, p);
        if (problem != null) throw new RepositoryException(problem);
        if (data == null || data.length < Crypto.OVERHEAD) throw new RepositoryException("its encrypted master key is too short");
        Crypto user = Crypto.fromDerived(derived(password));
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

    /**
     * Recent scrypt results, by a SHA-256 of password, salt and parameters: a process that opens
     * the same repositories again and again (the service's status look every minute, each
     * snapshot-browser call) derives each key once, not ~0.65 s of scrypt per open. The key file
     * is still read and its master key decrypted and verified on every open.
     */
    private static final Map<String, byte[]> DERIVED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > 64;
        }
    };

    /** How many times scrypt ran in this thread (for tests of the cache). */
    static final ThreadLocal<long[]> DERIVATIONS = ThreadLocal.withInitial(() -> new long[1]);

    private byte[] derived(String password) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        String key;
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(salt);
            d.update(java.nio.ByteBuffer.allocate(12).putInt(n).putInt(r).putInt(p).array());
            d.update(pw);
            key = HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        synchronized (DERIVED) {
            byte[] known = DERIVED.get(key);
            if (known != null) return known.clone();
        }
        byte[] out = Scrypt.derive(pw, salt, n, r, p, 64);
        DERIVATIONS.get()[0]++;
        synchronized (DERIVED) {
            DERIVED.put(key, out.clone());
        }
        return out;
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
