package org.lifeboat.apps;

import java.util.Objects;

/**
 * How client tools reach a database server. {@code password} may be null: then the tools use
 * what they would use on their own (trust or socket authentication, ~/.pgpass, option files).
 * The password reaches child processes only through their environment, never a command line,
 * and {@link #toString()} does not show it.
 */
public record DbConnection(String host, int port, String user, String password) {
    public DbConnection {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (host.isEmpty()) throw new IllegalArgumentException("host is empty");
        if (user.isEmpty()) throw new IllegalArgumentException("user is empty");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    /** A connection to a server on this machine (127.0.0.1). */
    public static DbConnection local(int port, String user, String password) {
        return new DbConnection("127.0.0.1", port, user, password);
    }

    /** The same server and user with another password (null: none). */
    public DbConnection withPassword(String newPassword) {
        return new DbConnection(host, port, user, newPassword);
    }

    /** user@host:port, for messages. */
    public String where() {
        return user + "@" + host + ":" + port;
    }

    @Override
    public String toString() {
        return "DbConnection[host=" + host + ", port=" + port + ", user=" + user
                + ", password=" + (password == null ? "none" : "(hidden)") + "]";
    }
}
