package org.lifeboat.plan;

/**
 * Where a system's dumps live inside its snapshot, beside the files it backs up. Fixed names, so a
 * person with only restic can find them ({@code restic dump latest /lifeboat/postgres/...}).
 *
 * <p>Database and host names become single path components through {@link #encodeName}: PostgreSQL
 * and MariaDB allow {@code /} and {@code ..} in names, which as plain path text would split the file
 * into folders or climb out of the dump folder. Names without {@code %} and {@code /} (nearly all)
 * keep their plain form, so older snapshots (plain names) read the same.
 */
public final class SnapshotLayout {
    public static final String ROOT = "/lifeboat";

    private SnapshotLayout() {}

    /**
     * A name as one path component: {@code %} becomes {@code %25} and {@code /} {@code %2F}; every
     * other character stays. Reversed by {@link #decodeName}. The component is never {@code .} or
     * {@code ..} once a suffix such as {@code .pgdump} follows it, and never contains {@code /}.
     */
    public static String encodeName(String name) {
        if (name.indexOf('%') < 0 && name.indexOf('/') < 0) return name;
        StringBuilder b = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') b.append("%25");
            else if (c == '/') b.append("%2F");
            else b.append(c);
        }
        return b.toString();
    }

    /**
     * The name {@link #encodeName} made {@code component} from. A component that is not such an
     * encoding (a {@code %} not followed by {@code 25} or {@code 2F}: an older snapshot's plain name)
     * is returned unchanged.
     */
    public static String decodeName(String component) {
        if (component.indexOf('%') < 0) return component;
        StringBuilder b = new StringBuilder(component.length());
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            String esc = component.length() >= i + 3 ? component.substring(i + 1, i + 3) : "";
            if (esc.equals("25")) b.append('%');
            else if (esc.equals("2F")) b.append('/');
            else return component;
            i += 2;
        }
        return b.toString();
    }

    public static String postgresDir(String host, int port) {
        return ROOT + "/postgres/" + encodeName(host) + "-" + port;
    }

    /** pg_dump custom format of one database. */
    public static String postgresDump(String host, int port, String database) {
        return postgresDir(host, port) + "/" + postgresDumpName(database);
    }

    /** The file name (one component) of a database's pg_dump inside its server's folder. */
    public static String postgresDumpName(String database) {
        return encodeName(database) + ".pgdump";
    }

    /** pg_dumpall --globals-only: roles and tablespaces. */
    public static String postgresGlobals(String host, int port) {
        return postgresDir(host, port) + "/globals.sql";
    }

    public static String mysqlDir(String host, int port) {
        return ROOT + "/mysql/" + encodeName(host) + "-" + port;
    }

    public static String mysqlDump(String host, int port) {
        return mysqlDir(host, port) + "/dump.sql";
    }

    public static String commandOutput(String filename) {
        return ROOT + "/command/" + filename;
    }
}
