package org.lifeboat.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lifeboat.repository.Snapshot;

/**
 * The key of one group of snapshots (restic's {@code SnapshotGroupKey}): the fields grouped on
 * hold the snapshot's host, sorted paths and sorted tags; the others are "" (host) or null.
 * Untagged snapshots grouped by tags have null tags, as restic's.
 *
 * @param hostname the host, "" when not grouped by host
 * @param paths    the sorted paths, null when not grouped by paths
 * @param tags     the sorted tags, null when not grouped by tags or the snapshot has none
 */
public record SnapshotGroupKey(String hostname, List<String> paths, List<String> tags) implements Comparable<SnapshotGroupKey> {
    private static final Comparator<List<String>> LISTS = Comparator.nullsFirst((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
    private static final Comparator<SnapshotGroupKey> ORDER = Comparator.comparing(SnapshotGroupKey::hostname)
            .thenComparing(SnapshotGroupKey::paths, LISTS).thenComparing(SnapshotGroupKey::tags, LISTS);

    /** Which fields snapshots are grouped on ({@code --group-by host,paths,tags}). */
    public record By(boolean host, boolean paths, boolean tags) {
        /** restic's default: host and paths. */
        public static final By DEFAULT = new By(true, true, false);

        /**
         * Parses restic's {@code --group-by}: a comma-separated subset of host(s), path(s), tag(s);
         * "" groups nothing (every snapshot in one group).
         *
         * @throws IllegalArgumentException naming an unknown field
         */
        public static By parse(String s) {
            boolean h = false, p = false, t = false;
            for (String f : s.split(",", -1)) {
                switch (f) {
                    case "host", "hosts" -> h = true;
                    case "path", "paths" -> p = true;
                    case "tag", "tags" -> t = true;
                    case "" -> { }
                    default -> throw new IllegalArgumentException("unknown grouping option '" + f + "' (use host, paths and/or tags, or '' for none)");
                }
            }
            return new By(h, p, t);
        }
    }

    /** The key of {@code s} under {@code by}. */
    public static SnapshotGroupKey of(Snapshot s, By by) {
        return new SnapshotGroupKey(by.host() && s.hostname() != null ? s.hostname() : "",
                by.paths() ? sorted(s.paths()) : null, by.tags() && s.tags() != null && !s.tags().isEmpty() ? sorted(s.tags()) : null);
    }

    /**
     * The snapshots by group (restic's {@code GroupSnapshots}), groups in a stable order (by host,
     * paths, tags; restic's is a map's), each group's snapshots in the order given.
     */
    public static Map<SnapshotGroupKey, List<Snapshot>> group(List<Snapshot> snapshots, By by) {
        Map<SnapshotGroupKey, List<Snapshot>> groups = new TreeMap<>();
        for (Snapshot s : snapshots) groups.computeIfAbsent(of(s, by), k -> new ArrayList<>()).add(s);
        return groups;
    }

    /** True when nothing is grouped on (restic prints no header for such a group). */
    public boolean isEmpty() {
        return hostname.isEmpty() && paths == null && tags == null;
    }

    /** restic's header: "snapshots for (host [h], tags [a, b], paths [/x]):", null for an empty key. */
    public String header() {
        List<String> info = new ArrayList<>();
        if (!hostname.isEmpty()) info.add("host [" + hostname + "]");
        if (tags != null) info.add("tags [" + String.join(", ", tags) + "]");
        if (paths != null) info.add("paths [" + String.join(", ", paths) + "]");
        return info.isEmpty() ? null : "snapshots for (" + String.join(", ", info) + "):";
    }

    /** restic's short text of a key, e.g. "host web1, path [/etc /home], tags [daily]". */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!hostname.isEmpty()) parts.add("host " + hostname);
        if (paths != null && !paths.isEmpty()) parts.add("path [" + String.join(" ", paths) + "]");
        if (tags != null && !tags.isEmpty()) parts.add("tags [" + String.join(" ", tags) + "]");
        return String.join(", ", parts);
    }

    @Override
    public int compareTo(SnapshotGroupKey o) {
        return ORDER.compare(this, o);
    }

    private static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l == null ? List.of() : l);
        java.util.Collections.sort(c);
        return List.copyOf(c);
    }
}
