package org.lifeboat.repository;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * restic's authenticated encryption: {@code IV(16) ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES(ciphertext)}.
 * Thread-safe; each thread keeps its own cipher and MAC instances.
 */
public final class Crypto {
    public static final int IV_SIZE = 16;
    public static final int MAC_SIZE = 16;
    public static final int OVERHEAD = IV_SIZE + MAC_SIZE;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] encKey;   // 32 bytes AES-256
    private final byte[] macK;     // 16 bytes AES-128 key for the Poly1305 nonce
    private final byte[] macR;     // 16 bytes Poly1305 r, masked
    private final SecretKeySpec aesKey;
    private final ThreadLocal<Cipher> ciphers;
    private final ThreadLocal<Cipher> nonceCiphers;

    public Crypto(byte[] encKey, byte[] macK, byte[] macR) {
        if (encKey.length != 32 || macK.length != 16 || macR.length != 16) {
            throw new IllegalArgumentException("key sizes must be 32/16/16 bytes");
        }
        this.encKey = encKey.clone();
        this.macK = macK.clone();
        this.macR = maskR(macR);
        this.aesKey = new SecretKeySpec(this.encKey, "AES");
        this.ciphers = ThreadLocal.withInitial(() -> {
            try {
                return Cipher.getInstance("AES/CTR/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks AES/CTR", e);
            }
        });
        SecretKeySpec nonceKey = new SecretKeySpec(this.macK, "AES");
        this.nonceCiphers = ThreadLocal.withInitial(() -> {
            try {
                Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, nonceKey);
                return c;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks AES/ECB", e);
            }
        });
    }

    /** A fresh random master key. */
    public static Crypto random() {
        byte[] e = new byte[32];
        byte[] k = new byte[16];
        byte[] r = new byte[16];
        RANDOM.nextBytes(e);
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(r);
        return new Crypto(e, k, r);
    }

    /** From the 64 bytes scrypt derives from a password: encryption key, MAC k, MAC r. */
    public static Crypto fromDerived(byte[] derived64) {
        return new Crypto(Arrays.copyOfRange(derived64, 0, 32), Arrays.copyOfRange(derived64, 32, 48),
                Arrays.copyOfRange(derived64, 48, 64));
    }

    byte[] encKey() {
        return encKey.clone();
    }

    /**
     * The master key as restic's {@code cat masterkey} prints it (Go's json.MarshalIndent with two
     * spaces): {@code {"mac": {"k", "r"}, "encrypt"}}, base64. Secret: for debugging only.
     */
    public String masterKeyJson() {
        var b64 = java.util.Base64.getEncoder();
        return "{\n  \"mac\": {\n    \"k\": \"" + b64.encodeToString(macK) + "\",\n    \"r\": \""
                + b64.encodeToString(macR) + "\"\n  },\n  \"encrypt\": \"" + b64.encodeToString(encKey) + "\"\n}";
    }

    byte[] macK() {
        return macK.clone();
    }

    byte[] macR() {
        return macR.clone();
    }

    private static byte[] maskR(byte[] r) {
        byte[] m = r.clone();
        m[3] &= 0x0f;
        m[7] &= 0x0f;
        m[11] &= 0x0f;
        m[15] &= 0x0f;
        m[4] &= (byte) 0xfc;
        m[8] &= (byte) 0xfc;
        m[12] &= (byte) 0xfc;
        return m;
    }

    /** Encrypts {@code plain[off, off+len)} into a new array of {@code len + OVERHEAD} bytes. */
    public byte[] encrypt(byte[] plain, int off, int len) {
        byte[] out = new byte[len + OVERHEAD];
        encryptInto(plain, off, len, out, 0);
        return out;
    }

    public byte[] encrypt(byte[] plain) {
        return encrypt(plain, 0, plain.length);
    }

    /** Encrypts into {@code out[outOff, outOff+len+OVERHEAD)}; returns the bytes written. */
    public int encryptInto(byte[] plain, int off, int len, byte[] out, int outOff) {
        byte[] iv = new byte[IV_SIZE];
        RANDOM.nextBytes(iv);
        System.arraycopy(iv, 0, out, outOff, IV_SIZE);
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.ENCRYPT_MODE, aesKey, new IvParameterSpec(iv));
            int n = c.doFinal(plain, off, len, out, outOff + IV_SIZE);
            if (n != len) throw new IllegalStateException("CTR produced " + n + " bytes for " + len);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e);
        }
        mac(iv, out, outOff + IV_SIZE, len, out, outOff + IV_SIZE + len);
        return len + OVERHEAD;
    }

    /** Verifies the MAC, then decrypts; the result has {@code len - OVERHEAD} bytes. */
    public byte[] decrypt(byte[] data, int off, int len) throws CryptoException {
        int plainLen = plainLength(len);
        byte[] out = new byte[plainLen];
        decryptInto(data, off, len, out, 0);
        return out;
    }

    public byte[] decrypt(byte[] data) throws CryptoException {
        return decrypt(data, 0, data.length);
    }

    public static int plainLength(int ciphertextLength) throws CryptoException {
        if (ciphertextLength < OVERHEAD) {
            throw new CryptoException("ciphertext too short (" + ciphertextLength + " bytes)");
        }
        return ciphertextLength - OVERHEAD;
    }

    /**
     * Checks the MAC of {@code data[off, off+len)} (IV, ciphertext, MAC) without decrypting: that
     * it was written with this key and not changed since. For copying stored blobs as they are.
     *
     * @throws CryptoException "ciphertext verification failed" when it does not verify
     */
    public void authenticate(byte[] data, int off, int len) throws CryptoException {
        int plainLen = plainLength(len);
        byte[] iv = Arrays.copyOfRange(data, off, off + IV_SIZE);
        byte[] expected = new byte[MAC_SIZE];
        mac(iv, data, off + IV_SIZE, plainLen, expected, 0);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(data, off + len - MAC_SIZE, off + len))) {
            throw new CryptoException("ciphertext verification failed");
        }
    }

    public void decryptInto(byte[] data, int off, int len, byte[] out, int outOff) throws CryptoException {
        int plainLen = plainLength(len);
        byte[] iv = Arrays.copyOfRange(data, off, off + IV_SIZE);
        byte[] expected = new byte[MAC_SIZE];
        mac(iv, data, off + IV_SIZE, plainLen, expected, 0);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(data, off + len - MAC_SIZE, off + len))) {
            throw new CryptoException("ciphertext verification failed");
        }
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.DECRYPT_MODE, aesKey, new IvParameterSpec(iv));
            c.doFinal(data, off + IV_SIZE, plainLen, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e);
        }
    }

    /** Poly1305-AES: key r, and s = AES-128_k(IV). */
    private void mac(byte[] iv, byte[] msg, int off, int len, byte[] out, int outOff) {
        byte[] nonce;
        try {
            nonce = nonceCiphers.get().doFinal(iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
        Poly1305.mac(macR, nonce, msg, off, len, out, outOff);
    }
}
