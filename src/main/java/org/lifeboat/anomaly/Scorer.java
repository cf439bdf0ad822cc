package org.lifeboat.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Scores a snapshot's {@link Signals} from 0 (ordinary) to 100 (looks like ransomware) against a
 * baseline learnt from the system's own earlier snapshots.
 *
 * <p>Each signal {@code i} has a value {@code v} (a share of the parent's files, a count, or a share
 * of bytes), a floor {@code f} below which it never counts, a span {@code s} and a weight {@code w}.
 * Its baseline {@code b} is the larger of the floor and the 80th percentile of the same signal over
 * the history (only once there are {@link #MIN_HISTORY} earlier snapshots; before that, the floor).
 * Its strength is {@code e = clamp((v - b) / s, 0, 1)}: how far above its usual it is. The strengths
 * are combined as independent pieces of evidence (a "noisy OR"):
 * {@code score = 100 * (1 - prod(1 - w * e))}. Entropy (lost compression) alone can reach 90;
 * a ransom note, ransomware extensions or mass renames alone stay below the default threshold
 * of 50, as do mass changes or deletions alone (a release, a clean-up); together they pass it.
 */
public final class Scorer {
    /** The default threshold: a snapshot scoring this or more is suspicious. */
    public static final int DEFAULT_THRESHOLD = 50;
    /** Earlier snapshots needed before the history moves the baselines above their floors. */
    public static final int MIN_HISTORY = 5;
    /** At most this many earlier snapshots make the baseline (the newest ones). */
    public static final int HISTORY = 30;

    /**
     * One signal: its name (the JSON key), how it is read, its floor, span and weight, and how its
     * value is said.
     */
    record Kind(String name, ToDoubleFunction<Signals> value, double floor, double span, double weight, boolean count) {}

    /** The signals, in the order they are shown. */
    static final List<Kind> KINDS = List.of(
            new Kind("compression_loss", Signals::compressionLossShare, 0.01, 0.05, 0.90, false),
            new Kind("extension_changes", Signals::extensionShare, 0.01, 0.10, 0.40, false),
            new Kind("ransom_extensions", Signals::ransomExtensionShare, 0.0, 0.02, 0.45, false),
            new Kind("ransom_notes", s -> s.ransomNotes(), 0.0, 1.0, 0.45, true),
            new Kind("modified", Signals::modifiedShare, 0.05, 0.25, 0.30, false),
            new Kind("deleted", Signals::deletedShare, 0.05, 0.25, 0.30, false),
            new Kind("new_data", Signals::newDataShare, 0.50, 0.40, 0.20, false),
            new Kind("size_change", Signals::sizeChange, 0.20, 1.00, 0.15, false));

    /**
     * A signal's part in a score.
     *
     * @param value the snapshot's value (a share 0..1, or a count for {@code ransom_notes})
     * @param baseline what is usual for the system (floor or 95th percentile of its history)
     * @param strength how far above the baseline, 0..1
     * @param points what it adds to the score on its own ({@code 100 * weight * strength})
     */
    public record Part(double value, double baseline, double strength, double points) {}

    /**
     * A snapshot's score.
     *
     * @param score 0..100
     * @param threshold the system's threshold (1..100; 0: off)
     * @param suspicious {@code score >= threshold} (never when off)
     * @param parts every signal's part, by name, in the order of {@link #KINDS}
     * @param reasons the signals that drove the score, as sentences, strongest first
     * @param history how many earlier snapshots made the baseline
     */
    public record Score(int score, int threshold, boolean suspicious, Map<String, Part> parts, List<String> reasons,
                        int history) {
        public Score {
            parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
            reasons = List.copyOf(reasons);
        }
    }

    private Scorer() {}

    /**
     * Scores {@code s} against {@code history} (the system's earlier, not suspicious snapshots'
     * signals, any order; only the last {@link #HISTORY} are used).
     *
     * @param threshold 1..100, or 0 for off (scored, never suspicious)
     * @throws IllegalArgumentException when the threshold is out of range
     */
    public static Score score(Signals s, List<Signals> history, int threshold) {
        if (threshold < 0 || threshold > 100) throw new IllegalArgumentException("an anomaly threshold is 1..100 or 0 (off), not " + threshold);
        List<Signals> h = history.size() > HISTORY ? history.subList(history.size() - HISTORY, history.size()) : history;
        Map<String, Part> parts = new LinkedHashMap<>();
        double keep = 1;
        List<double[]> ranked = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Kind k : KINDS) {
            double v = k.value.applyAsDouble(s);
            double b = baseline(k, h);
            double e = Math.max(0, Math.min(1, (v - b) / k.span));
            double points = 100 * k.weight * e;
            keep *= 1 - k.weight * e;
            parts.put(k.name, new Part(v, b, e, points));
            if (points > 0) {
                ranked.add(new double[] {points, texts.size()});
                texts.add(reason(k, s, v, b));
            }
        }
        ranked.sort((x, y) -> Double.compare(y[0], x[0]));
        List<String> reasons = new ArrayList<>();
        for (double[] r : ranked) reasons.add(texts.get((int) r[1]));
        int score = (int) Math.round(100 * (1 - keep));
        return new Score(score, threshold, threshold > 0 && score >= threshold, parts, reasons, h.size());
    }

    /**
     * The floor, or the {@link #PERCENTILE}th percentile of the history once it is long enough,
     * whichever is larger. Not a higher percentile: over a short history that is its largest
     * value, and one accepted outlier (a false alarm whose tag was removed) would then blind the
     * signal for as long as it stays in the history.
     */
    static double baseline(Kind k, List<Signals> history) {
        if (history.size() < MIN_HISTORY) return k.floor;
        double[] v = new double[history.size()];
        for (int i = 0; i < v.length; i++) v[i] = k.value.applyAsDouble(history.get(i));
        Arrays.sort(v);
        // nearest rank: the smallest value at or above PERCENTILE% of the history
        double p = v[Math.min(v.length - 1, (int) Math.ceil(PERCENTILE / 100.0 * v.length) - 1)];
        return Math.max(k.floor, p);
    }

    /** The percentile of a system's history that is its usual: 80 (one backup in five may be busier). */
    public static final int PERCENTILE = 80;

    private static String reason(Kind k, Signals s, double v, double b) {
        String usual = k.count ? String.valueOf((long) b) : pct(b);
        return switch (k.name) {
            case "compression_loss" -> s.lostCompression() + " of " + s.rewritten() + " rewritten files no longer compress, or"
                    + " far less (" + pct(v) + " of the files; usual " + usual + "): encrypted data looks random";
            case "extension_changes" -> s.extensionChanged() + " files renamed to another extension (" + pct(v) + "; usual " + usual + ")";
            case "ransom_extensions" -> s.ransomExtensions() + " files with an extension ransomware uses (" + pct(v) + ")";
            case "ransom_notes" -> s.ransomNotes() + " new file" + (s.ransomNotes() == 1 ? "" : "s") + " named like a ransom note";
            case "modified" -> pct(v) + " of the files modified (usual " + usual + ")";
            case "deleted" -> pct(v) + " of the files deleted (usual " + usual + ")";
            case "new_data" -> pct(v) + " of the modified bytes are new, not deduplicated against the last backup (usual " + usual + ")";
            case "size_change" -> "the total size changed by " + pct(v) + " (usual " + usual + ")";
            default -> k.name;
        };
    }

    private static String pct(double share) {
        double p = 100 * share;
        return (p > 0 && p < 1 ? String.format(Locale.ROOT, "%.1f", p) : String.valueOf(Math.round(p))) + "%";
    }
}
