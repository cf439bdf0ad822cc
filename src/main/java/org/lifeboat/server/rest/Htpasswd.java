package org.lifeboat.server.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * An htpasswd file (Apache's format, as rest-server reads it): {@code user:hash} per line, hashes
 * being bcrypt ({@code $2a$}, {@code $2b$}, {@code $2y$}) or {@code {SHA}} (base64 of SHA-1, which
 * rest-server also accepts). Other kinds (MD5 {@code $apr1$}, crypt, plain) are refused when the
 * file is read, naming the line. The file is read again when its modification time changes, so
 * users can be added while the server runs, as with rest-server.
 */
final class Htpasswd {
    private final Path file;
    private volatile Map<String, String> users = Map.of();
    private volatile FileTime loaded;
    /** SHA-256 of "user:password" pairs already verified against the current file: bcrypt costs ~0.1 s. */
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    /**
     * Reads {@code file}.
     *
     * @throws IllegalArgumentException with one sentence naming the file (and line) when it cannot
     *     be read or holds a hash kind that is not supported
     */
    Htpasswd(Path file) {
        this.file = file;
        reload();
    }

    private synchronized void reload() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(loaded)) return;
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                int colon = line.indexOf(':');
                if (colon <= 0) throw new IllegalArgumentException("htpasswd file " + file + ", line " + (i + 1) + ": not of the form user:hash");
                String hash = line.substring(colon + 1);
                if (!(hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$") || hash.startsWith("{SHA}"))) {
                    throw new IllegalArgumentException("htpasswd file " + file + ", line " + (i + 1)
                            + ": unsupported hash kind (use bcrypt: htpasswd -B)");
                }
                m.put(line.substring(0, colon), hash);
            }
            users = Map.copyOf(m);
            verified.clear();
            loaded = t;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the htpasswd file " + file + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code user} is listed with a hash that {@code password} matches. */
    boolean check(String user, String password) {
        try {
            reload();
        } catch (IllegalArgumentException e) {
            return false; // a file broken while running refuses everyone rather than everything going through
        }
        String hash = users.get(user);
        if (hash == null) return false;
        String key = hex(sha256(user + ":" + password + ":" + hash));
        if (verified.containsKey(key)) return true;
        boolean ok;
        if (hash.startsWith("{SHA}")) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8));
                ok = MessageDigest.isEqual(Base64.getDecoder().decode(hash.substring(5)), d);
            } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
                ok = false;
            }
        } else {
            try {
                // BouncyCastle checks $2a$/$2b$/$2y$ alike; $2y$ (PHP's, htpasswd -B) is the same algorithm.
                String h = hash.startsWith("$2y$") ? "$2b$" + hash.substring(4) : hash;
                ok = OpenBSDBCrypt.checkPassword(h, password.toCharArray());
            } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException e) {
                ok = false;
            }
        }
        if (ok) verified.put(key, Boolean.TRUE);
        return ok;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
