package org.lifeboat.plan;

/**
 * Where a system's dumps live inside its snapshot, beside the files it backs up. Fixed names, so a
 * person with only restic can find them ({@code restic dump latest /lifeboat/postgres/...}).
 */
public final class SnapshotLayout {
    public static final String ROOT = "/lifeboat";

    private SnapshotLayout() {}

    public static String postgresDir(String host, int port) {
        return ROOT + "/postgres/" + host + "-" + port;
    }

    /** pg_dump custom format of one database. */
    public static String postgresDump(String host, int port, String database) {
        return postgresDir(host, port) + "/" + database + ".pgdump";
    }

    /** pg_dumpall --globals-only: roles and tablespaces. */
    public static String postgresGlobals(String host, int port) {
        return postgresDir(host, port) + "/globals.sql";
    }

    public static String mysqlDir(String host, int port) {
        return ROOT + "/mysql/" + host + "-" + port;
    }

    public static String mysqlDump(String host, int port) {
        return mysqlDir(host, port) + "/dump.sql";
    }

    public static String commandOutput(String filename) {
        return ROOT + "/command/" + filename;
    }
}
