package org.lifeboat.plan;

import java.time.Duration;
import java.util.List;

/** One restore step of a system; each has a time limit. */
public sealed interface Step {
    String kind();

    Duration timeout();

    String describe();

    /** Restores the snapshot's subtree {@code from} into the folder {@code to}. */
    record PathStep(String from, String to, List<String> include, List<String> exclude, String overwrite,
                    Duration timeout) implements Step {
        public String kind() {
            return "path";
        }

        public String describe() {
            return "restore " + from + " to " + to;
        }
    }

    /**
     * Loads database dumps (engine "postgres" or "mysql"). With {@code createServer} a fresh server is
     * first created and started in that folder; empty means the server is already running.
     */
    record DatabaseStep(String engine, DbSpec db, List<String> databases, String createServer, boolean globals,
                        Duration timeout) implements Step {
        public String kind() {
            return engine;
        }

        public String describe() {
            return (createServer.isEmpty() ? "" : "create a " + engine + " server in " + createServer + ", ")
                    + "load " + (databases.isEmpty() ? "all databases" : String.join(", ", databases)) + " into "
                    + db.describe();
        }
    }

    /** A shell command: start a service, switch DNS, reconfigure a proxy. Background ones keep running. */
    record CommandStep(String run, boolean background, Duration timeout) implements Step {
        public String kind() {
            return "command";
        }

        public String describe() {
            return (background ? "start in the background: " : "run: ") + run;
        }
    }
}
