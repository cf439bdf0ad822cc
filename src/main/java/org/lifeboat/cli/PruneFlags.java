package org.lifeboat.cli;

import org.lifeboat.prune.PruneOptions;
import picocli.CommandLine.Option;

/**
 * restic's prune limits (its AddLimitedFlags), as a picocli mixin for {@code prune} and
 * {@code forget --prune}; {@code --dry-run} is the command's own (forget has one too).
 */
final class PruneFlags {
    @Option(names = "--max-unused", paramLabel = "LIMIT", defaultValue = "5%",
            description = "tolerate this much unused data: a percentage (5%%), a size (1G; k, m, g, t) or 'unlimited' (default: 5%%)")
    String maxUnused = "5%";

    @Option(names = "--max-repack-size", paramLabel = "SIZE", description = "stop after choosing this much data to repack (k, m, g, t)")
    String maxRepackSize;

    @Option(names = "--repack-cacheable-only", description = "only repack packs which are cacheable (tree packs)")
    boolean repackCacheableOnly;

    @Option(names = "--repack-small", description = "deprecated (small packs are repacked anyway, as restic 0.17): use --repack-smaller-than")
    boolean repackSmall;

    @Option(names = "--repack-uncompressed", description = "repack all uncompressed data (compresses it; repository version 2)")
    boolean repackUncompressed;

    @Option(names = "--repack-smaller-than", paramLabel = "SIZE", description = "repack packs below this size (k, m)")
    String repackSmallerThan;

    /**
     * The engine's options from these flags.
     *
     * @throws UserException naming the flag and its value when one is malformed
     */
    PruneOptions options(boolean dryRun) {
        PruneOptions.MaxUnused mu;
        try {
            mu = PruneOptions.MaxUnused.parse(maxUnused);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        long repackMax = Long.MAX_VALUE;
        if (maxRepackSize != null && !maxRepackSize.isEmpty()) {
            repackMax = size("--max-repack-size", maxRepackSize);
            if (repackMax < 0) throw new UserException("--max-repack-size cannot be negative (" + maxRepackSize + ")");
        }
        long small = 0;
        if (repackSmallerThan != null && !repackSmallerThan.isEmpty()) {
            small = size("--repack-smaller-than", repackSmallerThan);
            if (small <= 0) throw new UserException("--repack-smaller-than must be larger than zero");
        }
        return new PruneOptions(dryRun, mu, repackMax, small, repackCacheableOnly, repackUncompressed);
    }

    /** restic 0.17's notice for --repack-small, which no longer changes anything. */
    void warnDeprecated(Context ctx) {
        if (repackSmall) {
            ctx.warn("--repack-small is deprecated: small packs are repacked anyway; use --repack-smaller-than to set the size");
        }
    }

    private static long size(String flag, String text) {
        try {
            return PruneOptions.parseBytes(text.strip());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new UserException("invalid number of bytes \"" + text + "\" for " + flag);
        }
    }
}
