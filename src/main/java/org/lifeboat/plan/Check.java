package org.lifeboat.plan;

import java.time.Duration;
import java.util.List;

/** A check that a recovered system works; retried until {@code within} has passed. */
public sealed interface Check {
    String kind();

    Duration within();

    String describe();

    record TcpCheck(String host, int port, Duration within) implements Check {
        public String kind() {
            return "tcp";
        }

        public String describe() {
            return host + ":" + port + " accepts connections";
        }
    }

    /** status: the expected HTTP status; body: a text the response must contain (null: any). */
    record HttpCheck(String url, int status, String body, Duration within) implements Check {
        public String kind() {
            return "http";
        }

        public String describe() {
            return "GET " + url + " answers " + status + (body == null ? "" : " containing \"" + body + "\"");
        }
    }

    /** expect: {@code ">= 1"}, {@code "= 3"}, {@code "!= 0"}, {@code "< 10"} or a value to equal. */
    record SqlCheck(String engine, DbSpec db, String database, String query, String expect, Duration within)
            implements Check {
        public String kind() {
            return "sql";
        }

        public String describe() {
            return "`" + query + "` on " + database + " is " + expect;
        }
    }

    record CommandCheck(String run, Duration within) implements Check {
        public String kind() {
            return "command";
        }

        public String describe() {
            return "`" + run + "` exits 0";
        }
    }

    /**
     * The restored files match the snapshot: every path exists, counts agree, checksums match.
     * paths: the restore targets to check (empty: all of the system's path steps); sample: the
     * share of files whose content is read (1.0 = all).
     */
    record FilesCheck(List<String> paths, double sample, Duration within) implements Check {
        public String kind() {
            return "files";
        }

        public String describe() {
            return "restored files match the snapshot" + (sample < 1.0 ? " (content of " + Math.round(sample * 100) + "% read)" : "");
        }
    }
}
