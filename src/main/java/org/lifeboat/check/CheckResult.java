package org.lifeboat.check;

import java.util.List;

/** Errors make the repository unhealthy; warnings (e.g. unreferenced packs) do not. */
public record CheckResult(List<String> errors, List<String> warnings, long packsRead, long snapshots, long trees) {
    public boolean ok() {
        return errors.isEmpty();
    }
}
