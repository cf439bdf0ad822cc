package org.lifeboat.plan;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A recovery plan resolved for one site: every {@code ${variable}} replaced by that site's value.
 * {@code hash} identifies the file's content (the plan version a drill ran); {@code service} is what
 * {@code lifeboat serve} reads (schedules, alerts, the dashboard's listener).
 */
public record Plan(Path file, String hash, String name, Map<String, RepositorySpec> repositories,
                   Map<String, Site> sites, String defaultSite, String site, Map<String, String> variables,
                   Map<String, SystemSpec> systems, Duration drillEvery, String stateDir, List<Problem> warnings,
                   ServicePlan service) {

    /** A plan without anything for {@code lifeboat serve} ({@link ServicePlan#EMPTY}). */
    public Plan(Path file, String hash, String name, Map<String, RepositorySpec> repositories, Map<String, Site> sites,
                String defaultSite, String site, Map<String, String> variables, Map<String, SystemSpec> systems,
                Duration drillEvery, String stateDir, List<Problem> warnings) {
        this(file, hash, name, repositories, sites, defaultSite, site, variables, systems, drillEvery, stateDir, warnings,
                ServicePlan.EMPTY);
    }

    /**
     * A repository as the plan names it; the password comes from a file or a variable.
     *
     * @param copyTo    the repositories each new snapshot written here is copied to after a plan
     *                  backup (names of the plan's repositories; no cycles), in the file's order
     * @param retention the Object Lock retention its files get (s3: repositories only); null for none
     * @param offsite   whether it lies outside the primary site: the plan's {@code offsite}, else
     *                  {@link #offsiteByDefault(String)}
     * @param appendOnly the plan's {@code append-only: true}: its server refuses deletes (rest-server or
     *                  {@code serve-repository --append-only}); declared, not verified (rest: only)
     */
    public record RepositorySpec(String name, String url, String passwordFile, String passwordEnv, List<String> copyTo,
                                 Retention retention, boolean offsite, boolean appendOnly) {
        /** A repository without copies or retention, on- or off-site as its URL says. */
        public RepositorySpec(String name, String url, String passwordFile, String passwordEnv) {
            this(name, url, passwordFile, passwordEnv, List.of(), null, offsiteByDefault(url));
        }

        /** A repository whose server takes deletes (not declared append-only). */
        public RepositorySpec(String name, String url, String passwordFile, String passwordEnv, List<String> copyTo,
                              Retention retention, boolean offsite) {
            this(name, url, passwordFile, passwordEnv, copyTo, retention, offsite, false);
        }

        public RepositorySpec {
            copyTo = List.copyOf(copyTo);
        }

        /** Whether it keeps its files immutable for a while (a retention is set). */
        public boolean immutable() {
            return retention != null;
        }

        /**
         * The rule when the plan does not say: a folder (a path, or {@code local:}) is on-site; every
         * remote location (s3:, sftp:, rest:, rclone:, and the rest) is off-site. A remote on the same
         * premises (a NAS over sftp:, a local MinIO) says {@code offsite: false}.
         */
        public static boolean offsiteByDefault(String url) {
            if (url == null || url.startsWith("/") || url.startsWith("local:")) return false;
            return url.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*");
        }
    }

    /**
     * An Object Lock retention (S3): {@code mode} "compliance" (nobody removes a file before its
     * period ends) or "governance" (only a user allowed to bypass it); {@code period} from each
     * file's upload.
     */
    public record Retention(String mode, Duration period) {
        /** For people: {@code compliance 30d}. */
        public String describe() {
            return mode + " " + Durations.toPlanText(period);
        }
    }

    /**
     * Every repository a snapshot written to {@code start} reaches by copy-to, breadth first, each
     * once, without {@code start} itself; each with the repository it is copied from.
     */
    public Map<String, String> copyTargets(String start) {
        Map<String, String> from = new java.util.LinkedHashMap<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            String r = todo.poll();
            RepositorySpec spec = repositories.get(r);
            if (spec == null) continue;
            for (String t : spec.copyTo()) {
                if (t.equals(start) || from.containsKey(t) || !repositories.containsKey(t)) continue;
                from.put(t, r);
                todo.add(t);
            }
        }
        return from;
    }

    /** A place to recover into: its variables as written (generators unexpanded). */
    public record Site(String name, Map<String, String> variables) {}

    public SystemSpec system(String name) {
        return systems.get(name);
    }
}
