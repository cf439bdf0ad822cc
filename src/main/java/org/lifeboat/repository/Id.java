package org.lifeboat.repository;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A 32-byte SHA-256 identifier of a blob, pack or repository file. Immutable. */
public final class Id implements Comparable<Id> {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    private final int hash;

    private Id(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Wraps a copy of the given 32 bytes. */
    public static Id of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an ID has 32 bytes, got " + bytes.length);
        }
        return new Id(bytes.clone());
    }

    public static Id of(byte[] bytes, int offset) {
        return new Id(Arrays.copyOfRange(bytes, offset, offset + LENGTH));
    }

    /** Parses 64 hex characters; throws IllegalArgumentException otherwise. */
    public static Id parse(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("not a 64-character hex ID: " + hex);
        }
        return new Id(HEX.parseHex(hex));
    }

    public static boolean isId(String s) {
        if (s.length() != 2 * LENGTH) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /** SHA-256 of the given bytes. */
    public static Id hash(byte[] data) {
        return hash(data, 0, data.length);
    }

    public static Id hash(byte[] data, int off, int len) {
        MessageDigest md = sha256();
        md.update(data, off, len);
        return new Id(md.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public void copyTo(byte[] dst, int off) {
        System.arraycopy(bytes, 0, dst, off, LENGTH);
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** The first 8 hex characters, as restic shows IDs. */
    public String shortHex() {
        return hex().substring(0, 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Id other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Id o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
