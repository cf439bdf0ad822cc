package org.lifeboat.repository;

/** No key file in the repository opens with the given password. */
public final class WrongPasswordException extends Exception {
    public WrongPasswordException(String message) {
        super(message);
    }
}
