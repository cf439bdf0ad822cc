package org.lifeboat.prune;

import java.util.Locale;

/**
 * What a prune may do, as restic's {@code prune} options (restic 0.17's semantics).
 *
 * @param dryRun              plan and report, change nothing
 * @param maxUnused           how much unused data may remain (see {@link MaxUnused})
 * @param maxRepackBytes      stop choosing packs to repack once this many bytes are chosen
 *                            ({@link Long#MAX_VALUE}: no limit)
 * @param smallPackBytes      packs below this many bytes are repacked ({@code --repack-smaller-than});
 *                            0: restic's own target (80 % of the larger of 4 MiB and the 3rd
 *                            percentile of the pack sizes)
 * @param repackCacheableOnly repack only tree packs ({@code --repack-cacheable-only})
 * @param repackUncompressed  compress every uncompressed blob (repository version 2 only)
 */
public record PruneOptions(boolean dryRun, MaxUnused maxUnused, long maxRepackBytes, long smallPackBytes,
                           boolean repackCacheableOnly, boolean repackUncompressed) {
    /** restic's defaults: 5 % unused tolerated, no repack limit. */
    public static final PruneOptions DEFAULTS = new PruneOptions(false, MaxUnused.parse("5%"), Long.MAX_VALUE, 0, false, false);

    public PruneOptions {
        if (maxUnused == null) throw new IllegalArgumentException("maxUnused is required");
        if (maxRepackBytes < 0 || smallPackBytes < 0) throw new IllegalArgumentException("sizes cannot be negative");
    }

    /**
     * {@code --max-unused}: "unlimited", a percentage below 100 ("5%", "2.5%": unused may be that share
     * of the repository after prune), or a size ("1G", "500M", "1024"; k, m, g, t are powers of 1024).
     *
     * @param percent the percentage, or -1
     * @param bytes   the absolute size in bytes, or -1; both -1 means unlimited
     */
    public record MaxUnused(double percent, long bytes) {
        /**
         * Parses the option's text as restic does.
         *
         * @throws IllegalArgumentException with one sentence naming the value when it is none of those
         */
        public static MaxUnused parse(String text) {
            String t = text == null ? "" : text.strip();
            if (t.isEmpty()) throw new IllegalArgumentException("invalid value for --max-unused: \"" + text + "\"");
            if (t.equals("unlimited")) return new MaxUnused(-1, -1);
            if (t.endsWith("%")) {
                double p;
                try {
                    p = Double.parseDouble(t.substring(0, t.length() - 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid percentage \"" + text + "\" passed for --max-unused");
                }
                if (!(p >= 0)) throw new IllegalArgumentException("percentage for --max-unused must be positive");
                if (p >= 100) throw new IllegalArgumentException("percentage for --max-unused must be below 100%");
                return new MaxUnused(p, -1);
            }
            try {
                return new MaxUnused(-1, parseBytes(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid number of bytes \"" + text + "\" for --max-unused: " + e.getMessage());
            }
        }

        /** The unused bytes tolerated after prune when {@code used} bytes are in use (restic's formula). */
        public long limit(long used) {
            if (percent >= 0) return (long) (percent / (100 - percent) * used);
            if (bytes >= 0) return bytes;
            return Long.MAX_VALUE;
        }

        @Override
        public String toString() {
            if (percent >= 0) return String.format(Locale.ROOT, "%s%%", percent);
            return bytes >= 0 ? bytes + " bytes" : "unlimited";
        }
    }

    /**
     * restic's ui.ParseBytes: a whole number with an optional suffix b/B (bytes), k/K, m/M, g/G,
     * t/T (powers of 1024).
     *
     * @return the size in bytes (may be negative when the text says so)
     * @throws IllegalArgumentException when the text is not such a size
     */
    public static long parseBytes(String s) {
        if (s == null || s.isEmpty()) throw new IllegalArgumentException("expected size, got empty string");
        char last = s.charAt(s.length() - 1);
        long unit = switch (last) {
            case 'b', 'B' -> 1;
            case 'k', 'K' -> 1L << 10;
            case 'm', 'M' -> 1L << 20;
            case 'g', 'G' -> 1L << 30;
            case 't', 'T' -> 1L << 40;
            default -> 0;
        };
        String num = unit == 0 ? s : s.substring(0, s.length() - 1);
        if (unit == 0) unit = 1;
        long v;
        try {
            v = Long.parseLong(num);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not a size (a whole number with k, m, g or t)");
        }
        return Math.multiplyExact(v, unit);
    }
}
