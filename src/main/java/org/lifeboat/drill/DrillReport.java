package org.lifeboat.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A drill: the plan version it ran (hash), where (the sandbox site and its root), each system's
 * measurements in recovery order, and what teardown could not remove.
 */
public record DrillReport(String id, String planHash, String planFile, String site, String sandboxRoot, Instant started,
                          Instant finished, boolean passed, List<List<String>> waves, List<DrillSystem> systems,
                          boolean kept, List<String> leftovers) {

    public Duration duration() {
        return Duration.between(started, finished);
    }

    public DrillSystem system(String name) {
        for (DrillSystem s : systems) if (s.name().equals(name)) return s;
        return null;
    }
}
