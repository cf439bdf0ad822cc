package org.lifeboat.mount;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lifeboat.repository.Snapshot;

/**
 * The folders above the snapshots, as restic's mount lays them out: each path template
 * ({@code snapshots/%T}, {@code hosts/%h/%T}, {@code tags/%t/%T}, {@code ids/%i} by default) gives
 * every snapshot a path, {@code %T} being its time in the time template; where a template ends with
 * {@code %T}, each folder of such paths also gets a {@code latest} link to its newest snapshot. Two
 * snapshots with one path get {@code -1}, {@code -2}… appended, oldest first, as in restic.
 *
 * <p>Values that become names are made safe per component: a tag, host or user name that is
 * empty, {@code .}, {@code ..} or holds {@code /} is written with underscores (restic does so
 * for tags; Lifeboat also for hosts and user names, so no snapshot field can add or climb
 * folders). Immutable; built anew when the snapshots change.
 */
final class SnapshotDirs {
    /** restic's default path templates. */
    static final List<String> DEFAULT_TEMPLATES = List.of("ids/%i", "snapshots/%T", "hosts/%h/%T", "tags/%t/%T");

    /** One path of the layout: a folder of names, a snapshot's root folder, or a {@code latest} link. */
    static final class Entry {
        /** The snapshot shown here (a snapshot folder or a link), else null. */
        Snapshot snapshot;
        /** The link's target (a sibling's name), else null. */
        String linkTarget;
        /** The folder's entries (sorted), or null for a snapshot folder or a link. */
        TreeMap<String, Entry> names;

        boolean isLink() {
            return linkTarget != null;
        }

        boolean isSnapshot() {
            return snapshot != null && linkTarget == null;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();

    /**
     * @param snapshots    the snapshots to show (any order)
     * @param templates    path templates (restic's syntax: %i, %I, %u, %h, %t, %T)
     * @param timeTemplate Go layout for %T
     */
    SnapshotDirs(List<Snapshot> snapshots, List<String> templates, String timeTemplate) {
        List<Snapshot> sorted = new ArrayList<>(snapshots);
        // ascending by time, the ID breaking ties: the -N suffixes and latest links do not depend on listing order
        sorted.sort(Comparator.comparing((Snapshot s) -> s.time().toInstant()).thenComparing(s -> s.id().hex()));
        mount("", null, null, null, null);
        for (String t : templates) {
            String p = staticPrefix(t);
            if (!p.isEmpty()) mount(clean("/" + p), null, null, null, null);
        }
        Map<String, OffsetDateTime> latest = new HashMap<>();
        for (Snapshot sn : sorted) {
            for (String t : templates) {
                String[] suffix = new String[1];
                for (String p : paths(t, timeTemplate, sn, suffix)) {
                    // "/" even for an empty prefix (template "%T"): the keys of the uniqueness check start with it
                    String base = "/" + p;
                    String time = suffix[0] == null ? "" : suffix[0];
                    String unique = uniqueName(base, time);
                    mount(clean(base + unique), sn, null, null, null);
                    if (!time.isEmpty()) {
                        OffsetDateTime lt = latest.get(base);
                        if (lt == null || !sn.time().isBefore(lt)) {
                            mount(clean(base + "/latest"), sn, unique, null, null);
                            latest.put(base, sn.time());
                        }
                    }
                }
            }
        }
    }

    /** The entry at {@code path} ("" for the root, else "/a/b"), or null. */
    Entry get(String path) {
        return entries.get(path);
    }

    /** Adds an entry and registers it in its parent folder (creating folders on the way), as restic's makeDirs. */
    private void mount(String path, Snapshot sn, String linkTarget, String childName, Entry child) {
        Entry e = entries.computeIfAbsent(path, k -> new Entry());
        if (sn != null) {
            e.snapshot = sn;
            e.linkTarget = linkTarget;
            e.names = null;
        } else {
            if (e.names == null && e.snapshot == null) e.names = new TreeMap<>();
            if (child != null && e.names != null) e.names.put(childName, child);
        }
        int slash = path.lastIndexOf('/');
        if (slash >= 0) mount(path.substring(0, slash), null, null, path.substring(slash + 1), e);
    }

    private String uniqueName(String prefix, String name) {
        String n = name;
        for (int i = 1; entries.containsKey(prefix + n); i++) n = name + "-" + i;
        return n;
    }

    /** The paths of {@code sn} from template {@code t}; {@code suffix[0]} gets the time when the template ends with %T. */
    static List<String> paths(String t, String timeTemplate, Snapshot sn, String[] suffix) {
        String time = GoTimeLayout.format(sn.time(), timeTemplate);
        List<StringBuilder> out = new ArrayList<>(List.of(new StringBuilder()));
        boolean inVerb = false;
        boolean writeTime = false;
        for (int k = 0; k < t.length(); k++) {
            char c = t.charAt(k);
            if (writeTime) {
                for (StringBuilder b : out) b.append(time);
                writeTime = false;
            }
            if (!inVerb) {
                if (c == '%') {
                    inVerb = true;
                } else {
                    for (StringBuilder b : out) b.append(c);
                }
                continue;
            }
            inVerb = false;
            String repl;
            switch (c) {
                case 'T' -> {
                    writeTime = true; // written lazily: the time may be the suffix
                    continue;
                }
                case 't' -> {
                    if (sn.tags() == null || sn.tags().isEmpty()) return List.of();
                    List<StringBuilder> next = new ArrayList<>();
                    for (String tag : sn.tags()) {
                        for (StringBuilder b : out) next.add(new StringBuilder(b).append(safeName(tag)));
                    }
                    out = next;
                    continue;
                }
                case 'i' -> repl = sn.id().shortHex();
                case 'I' -> repl = sn.id().hex();
                case 'u' -> repl = safeName(sn.username());
                case 'h' -> repl = safeName(sn.hostname());
                default -> repl = String.valueOf(c);
            }
            for (StringBuilder b : out) b.append(repl);
        }
        suffix[0] = writeTime ? time : null;
        List<String> r = new ArrayList<>();
        for (StringBuilder b : out) r.add(b.toString());
        return r;
    }

    /** A snapshot field as one path component (restic's filenameFromTag, also NUL-free). */
    static String safeName(String v) {
        if (v == null || v.isEmpty() || v.equals(".")) return "_";
        if (v.equals("..")) return "__";
        return v.replace('/', '_').replace('\0', '_');
    }

    /** The part of a template before its first variable, up to the last slash ("snapshots" for "snapshots/%T"). */
    static String staticPrefix(String t) {
        boolean inVerb = false;
        int start = -1;
        for (int k = 0; k < t.length() && start < 0; k++) {
            char c = t.charAt(k);
            if (!inVerb) {
                if (c == '%') inVerb = true;
                continue;
            }
            inVerb = false;
            if ("iIuhtT".indexOf(c) >= 0) start = k;
        }
        if (start < 0) return "";
        String p = t.substring(0, start);
        int slash = p.lastIndexOf('/');
        return slash < 0 ? "" : p.substring(0, slash);
    }

    /** Go's path.Clean for an absolute path, with the root as "" (the layout's key for it). */
    static String clean(String p) {
        List<String> parts = new ArrayList<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!parts.isEmpty()) parts.removeLast();
                continue;
            }
            parts.add(c);
        }
        return parts.isEmpty() ? "" : "/" + String.join("/", parts);
    }
}
