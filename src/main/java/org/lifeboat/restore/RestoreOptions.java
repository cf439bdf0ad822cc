package org.lifeboat.restore;

import java.nio.file.Path;
import java.util.List;

/**
 * Where and what to restore. Include/exclude patterns are restic-style globs matched against the
 * path inside the snapshot (e.g. {@code /home/ann/notes.txt}).
 */
public record RestoreOptions(Path target, List<String> includes, List<String> excludes, Overwrite overwrite,
                             boolean verify, int threads) {

    /** What to do with a file that already exists at the target. */
    public enum Overwrite {
        ALWAYS, IF_CHANGED, NEVER;

        public static Overwrite parse(String s) {
            return switch (s) {
                case "always" -> ALWAYS;
                case "if-changed" -> IF_CHANGED;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException("--overwrite must be always, if-changed or never, not '" + s + "'");
            };
        }
    }
}
