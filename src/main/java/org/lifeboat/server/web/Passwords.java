package org.lifeboat.server.web;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The dashboard's password, kept only as a salted PBKDF2-HMAC-SHA256 hash (RFC 8018) in memory:
 * the plain text read from the plan's secret source is dropped once hashed, and every check
 * compares in constant time.
 */
final class Passwords {
    /** OWASP's 2023 advice for PBKDF2-HMAC-SHA256 is 600,000; logins are rare and this is one hash. */
    static final int ITERATIONS = 600_000;

    private final byte[] salt = new byte[16];
    private final byte[] hash;

    Passwords(String password) {
        new SecureRandom().nextBytes(salt);
        hash = derive(password);
    }

    boolean matches(String password) {
        return password != null && MessageDigest.isEqual(hash, derive(password));
    }

    private byte[] derive(String password) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, ITERATIONS, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (java.security.NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }
}
