package org.lifeboat.repository;

import org.lifeboat.backend.SftpLocation;

/**
 * Repository locations as places, for the layers above that must not name backend types (the
 * repository is their door to storage): the backends' canonical forms of a location.
 */
public final class Locations {
    private Locations() {}

    /**
     * The canonical form of a remote location whose backend has one ({@code sftp:}: {@link
     * SftpLocation#canonical}), so that one place written two ways compares equal.
     *
     * @param location a repository location as the user wrote it
     * @return its canonical form, or null when its backend has none (or it does not parse)
     */
    public static String canonical(String location) {
        return SftpLocation.canonical(location);
    }

    /**
     * The location as messages, documents and JSON show it: passwords and secret query values
     * replaced by {@code ***} ({@link org.lifeboat.backend.Backends#redact}).
     *
     * @param location a repository location as the user wrote it, or null
     * @return the redacted location, or null for null
     */
    public static String redact(String location) {
        return org.lifeboat.backend.Backends.redact(location);
    }
}
