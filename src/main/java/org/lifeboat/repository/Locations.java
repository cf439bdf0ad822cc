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
}
