package org.lifeboat.restore;

import java.nio.file.Path;
import java.util.List;
import org.lifeboat.repository.PathPatterns;

/**
 * Where and what to restore. Include/exclude patterns are restic-style globs matched against the
 * path inside the folder restored, as restic's (e.g. {@code /home/ann/notes.txt} for a whole
 * snapshot, {@code /notes.txt} when restoring {@code ID:/home/ann}); {@code iincludes}/{@code iexcludes}
 * are the same, matched regardless of case (restic's {@code --iinclude}/{@code --iexclude}).
 */
public record RestoreOptions(Path target, List<String> includes, List<String> excludes, List<String> iincludes,
                             List<String> iexcludes, Overwrite overwrite, boolean verify, int threads) {

    public RestoreOptions {
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
        iincludes = List.copyOf(iincludes);
        iexcludes = List.copyOf(iexcludes);
    }

    /** Without case-insensitive patterns. */
    public RestoreOptions(Path target, List<String> includes, List<String> excludes, Overwrite overwrite,
                          boolean verify, int threads) {
        this(target, includes, excludes, List.of(), List.of(), overwrite, verify, threads);
    }

    /** Every include pattern, case-sensitive and not. */
    PathPatterns includePatterns() {
        return new PathPatterns(includes, iincludes);
    }

    /** Every exclude pattern, case-sensitive and not. */
    PathPatterns excludePatterns() {
        return new PathPatterns(excludes, iexcludes);
    }

    /** What to do with a file that already exists at the target (restic 0.17's {@code --overwrite}). */
    public enum Overwrite {
        /** Always replace (the default). */
        ALWAYS,
        /** Replace unless size and mtime match (and, with --verify, the content). */
        IF_CHANGED,
        /** Replace only when the snapshot's mtime is later than the existing entry's. */
        IF_NEWER,
        /** Never replace. */
        NEVER;

        /**
         * @throws IllegalArgumentException naming the accepted values when {@code s} is none of them
         */
        public static Overwrite parse(String s) {
            return switch (s) {
                case "always" -> ALWAYS;
                case "if-changed" -> IF_CHANGED;
                case "if-newer" -> IF_NEWER;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException(
                        "--overwrite must be always, if-changed, if-newer or never, not '" + s + "'");
            };
        }
    }
}
