package org.lifeboat.recovery;

import java.nio.file.Path;
import org.lifeboat.plan.Plan;

/** Where Lifeboat keeps its own state (logs of started services, later drill history). */
public final class StateDir {
    private StateDir() {}

    /** $LIFEBOAT_STATE_DIR, else the plan's state-dir, else /var/lib/lifeboat (root) or ~/.local/state/lifeboat. */
    public static Path of(Plan plan) {
        String env = System.getenv("LIFEBOAT_STATE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env);
        if (plan != null && plan.stateDir() != null) return Path.of(plan.stateDir());
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/lifeboat");
        return Path.of(System.getProperty("user.home"), ".local", "state", "lifeboat");
    }
}
