package org.lifeboat.plan;

import java.time.Duration;
import java.util.List;

/** What a system's backup reads: files, a database dump, or a command's output. */
public sealed interface Source {
    String kind();

    String describe();

    /** Files and folders; excludes apply to this source's files. */
    record PathSource(String path, List<String> exclude, boolean oneFileSystem) implements Source {
        public String kind() {
            return "path";
        }

        public String describe() {
            return path + (exclude.isEmpty() ? "" : " (excluding " + String.join(", ", exclude) + ")");
        }
    }

    /** pg_dump of the named databases (all when empty), plus roles and other globals. */
    record PostgresSource(DbSpec db, List<String> databases, boolean globals) implements Source {
        public String kind() {
            return "postgres";
        }

        public String describe() {
            return "PostgreSQL " + db.describe() + " " + (databases.isEmpty() ? "all databases" : String.join(", ", databases))
                    + (globals ? " + roles" : "");
        }
    }

    /** mysqldump/mariadb-dump --single-transaction of the named databases (all when empty). */
    record MysqlSource(DbSpec db, List<String> databases) implements Source {
        public String kind() {
            return "mysql";
        }

        public String describe() {
            return "MySQL/MariaDB " + db.describe() + " " + (databases.isEmpty() ? "all databases" : String.join(", ", databases));
        }
    }

    /**
     * A command's standard output, stored as a file named {@code filename}. allowEmpty: an empty
     * output (exit 0, nothing printed) is a valid backup; otherwise it fails the backup.
     */
    record CommandSource(String run, String filename, Duration timeout, boolean allowEmpty) implements Source {
        public String kind() {
            return "command";
        }

        public String describe() {
            return "output of `" + run + "` as " + filename;
        }
    }
}
