package org.lifeboat.plan;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A recovery plan resolved for one site: every {@code ${variable}} replaced by that site's value.
 * {@code hash} identifies the file's content (the plan version a drill ran).
 */
public record Plan(Path file, String hash, String name, Map<String, RepositorySpec> repositories,
                   Map<String, Site> sites, String defaultSite, String site, Map<String, String> variables,
                   Map<String, SystemSpec> systems, Duration drillEvery, String stateDir, List<Problem> warnings) {

    /** A repository as the plan names it; the password comes from a file or a variable. */
    public record RepositorySpec(String name, String url, String passwordFile, String passwordEnv) {}

    /** A place to recover into: its variables as written (generators unexpanded). */
    public record Site(String name, Map<String, String> variables) {}

    public SystemSpec system(String name) {
        return systems.get(name);
    }
}
