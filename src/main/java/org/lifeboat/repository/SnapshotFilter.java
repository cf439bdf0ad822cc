package org.lifeboat.repository;

import java.util.ArrayList;
import java.util.List;

/**
 * Selects snapshots by host, tags and paths, and resolves restic-style snapshot arguments: an ID
 * prefix, or {@code latest} (the newest matching snapshot).
 */
public record SnapshotFilter(List<String> hosts, List<String> tags, List<String> paths) {
    public static final SnapshotFilter ALL = new SnapshotFilter(List.of(), List.of(), List.of());

    public boolean matches(Snapshot s) {
        if (!hosts.isEmpty() && !hosts.contains(s.hostname())) return false;
        if (!tags.isEmpty()) {
            // restic: each --tag is a comma-separated group that must all be present; any group may match.
            boolean any = false;
            for (String group : tags) {
                boolean all = true;
                for (String t : group.split(",")) {
                    // restic's HasTags: an empty tag ("--tag ''") matches only a snapshot without tags
                    if (t.isEmpty() ? s.tags() != null && !s.tags().isEmpty() : !s.hasTag(t)) all = false;
                }
                any |= all;
            }
            if (!any) return false;
        }
        if (!paths.isEmpty() && !s.paths().containsAll(paths)) return false;
        return true;
    }

    public List<Snapshot> apply(List<Snapshot> all) {
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : all) if (matches(s)) out.add(s);
        return out;
    }

    /** Resolves one argument against snapshots sorted oldest first. */
    public Snapshot resolve(List<Snapshot> all, String arg) throws RepositoryException {
        if (arg.equals("latest")) {
            List<Snapshot> m = apply(all);
            if (m.isEmpty()) throw new SnapshotNotFoundException("no snapshot matches 'latest'" + describe());
            return m.getLast();
        }
        String p = arg.toLowerCase(java.util.Locale.ROOT);
        Snapshot found = null;
        int count = 0;
        for (Snapshot s : all) {
            if (s.id().hex().startsWith(p)) {
                found = s;
                count++;
            }
        }
        if (count == 0) throw new SnapshotNotFoundException("no snapshot with ID '" + arg + "'");
        if (count > 1) {
            throw new SnapshotNotFoundException("snapshot ID prefix '" + arg + "' is ambiguous: " + count
                    + " snapshots start with it; give more characters");
        }
        return found;
    }

    private String describe() {
        List<String> parts = new ArrayList<>();
        if (!hosts.isEmpty()) parts.add("host " + String.join(",", hosts));
        if (!tags.isEmpty()) parts.add("tag " + String.join(" or ", tags));
        if (!paths.isEmpty()) parts.add("path " + String.join(",", paths));
        return parts.isEmpty() ? "" : " (filtered by " + String.join(", ", parts) + ")";
    }
}
