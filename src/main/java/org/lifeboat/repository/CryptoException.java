package org.lifeboat.repository;

/** Stored bytes failed authentication (wrong key, or damaged data). */
public final class CryptoException extends Exception {
    public CryptoException(String message) {
        super(message);
    }
}
