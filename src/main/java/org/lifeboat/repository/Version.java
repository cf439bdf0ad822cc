package org.lifeboat.repository;

/** Lifeboat's version, written into snapshots as program_version. */
public final class Version {
    public static final String VALUE = "0.1.0";

    private Version() {}
}
