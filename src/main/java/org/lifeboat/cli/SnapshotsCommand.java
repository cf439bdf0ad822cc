package org.lifeboat.cli;

import org.lifeboat.repository.Plural;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.format.DateTimeFormatter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code snapshots}: the list, oldest first, as restic: {@code --latest N} keeps the newest N per
 * host and paths (also inside each group with --group-by), {@code --compact} leaves out the paths, and
 * {@code --group-by host,paths,tags} prints one table per group (JSON: an array of
 * {@code {"group_key": {"hostname","paths","tags"}, "snapshots": [...]}}).
 */
@Command(name = "snapshots", description = "List snapshots.",
        footer = {"", "Examples:", "  lifeboat snapshots", "  lifeboat snapshots --host web1 --tag daily --path /home", "  lifeboat snapshots --latest 1 --group-by host,paths", "  lifeboat snapshots --json 1a2b3c4d"})
final class SnapshotsCommand implements Callable<Integer> {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "snapshot IDs (default: all)")
    List<String> ids = new ArrayList<>();

    @Option(names = "--latest", paramLabel = "N", description = "only the newest N snapshots of each host and paths (also within each group with --group-by)")
    int latest;

    @Option(names = {"-c", "--compact"}, description = "leave out the paths")
    boolean compact;

    @Option(names = {"-g", "--group-by"}, paramLabel = "GROUP[,GROUP]", description = "one list per host, paths and/or tags")
    String groupBy;

    /** The --group-by key of a snapshot: null fields are not grouped on (restic's SnapshotGroupKey). */
    record GroupKey(String hostname, List<String> paths, List<String> tags) {}

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (latest < 0) throw new UserException("--latest must be a positive number, not " + latest);
        boolean byHost = false;
        boolean byPaths = false;
        boolean byTags = false;
        if (groupBy != null) {
            for (String g : groupBy.split(",")) {
                switch (g.strip()) {
                    case "host", "hosts" -> byHost = true;
                    case "path", "paths" -> byPaths = true;
                    case "tag", "tags" -> byTags = true;
                    case "" -> { }
                    default -> throw new UserException("--group-by: unknown field '" + g.strip() + "' (use host, paths and/or tags)");
                }
            }
        }
        boolean grouped = byHost || byPaths || byTags;
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            List<String> unreadable = new ArrayList<>();
            List<Snapshot> all = repo.listSnapshots(w -> {
                ctx.warn(w);
                unreadable.add(w);
            });
            List<Snapshot> shown = new ArrayList<>();
            if (ids.isEmpty()) {
                shown = filter.filter().apply(all);
            } else {
                for (String id : ids) shown.add(filter.filter().resolve(all, id));
            }
            // groups in a stable order (restic's come from a Go map: unordered)
            Map<String, GroupKey> keys = new TreeMap<>();
            Map<String, List<Snapshot>> groups = new TreeMap<>();
            for (Snapshot s : shown) {
                GroupKey k = new GroupKey(byHost ? nz(s.hostname()) : "", byPaths ? sortedOrNull(s.paths()) : null,
                        byTags ? sortedOrNull(s.tags()) : null);
                String ks = k.toString();
                keys.put(ks, k);
                groups.computeIfAbsent(ks, x -> new ArrayList<>()).add(s);
            }
            for (Map.Entry<String, List<Snapshot>> e : groups.entrySet()) {
                List<Snapshot> list = e.getValue();
                // restic applies --latest per host and paths, also inside each --group-by group
                if (latest > 0) list = newest(list, latest, SnapshotsCommand::hostAndPaths);
                // oldest first, as restic prints them
                list = new ArrayList<>(list);
                list.sort(Comparator.comparing(s -> s.time().toInstant()));
                e.setValue(list);
            }
            if (ctx.json()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                if (grouped) {
                    for (Map.Entry<String, List<Snapshot>> e : groups.entrySet()) {
                        ObjectNode g = a.addObject();
                        GroupKey k = keys.get(e.getKey());
                        ObjectNode gk = g.putObject("group_key");
                        gk.put("hostname", k.hostname());
                        putList(gk, "paths", k.paths());
                        putList(gk, "tags", k.tags());
                        ArrayNode sa = g.putArray("snapshots");
                        for (Snapshot s : e.getValue()) sa.add(s.toJsonNode(true));
                    }
                } else {
                    for (List<Snapshot> l : groups.values()) for (Snapshot s : l) a.add(s.toJsonNode(true));
                }
                ctx.printJson(a);
                return incomplete(ctx, unreadable);
            }
            for (Map.Entry<String, List<Snapshot>> e : groups.entrySet()) {
                // restic prints no header for an empty key (e.g. --group-by tags of untagged snapshots)
                String h = grouped ? header(keys.get(e.getKey())) : null;
                if (h != null) ctx.out.println(h);
                table(ctx, e.getValue());
            }
            if (groups.isEmpty()) table(ctx, List.of());
            return incomplete(ctx, unreadable);
        }
    }

    private void table(Context ctx, List<Snapshot> list) {
        Table t = compact ? new Table("ID", "Time", "Host", "Tags") : new Table("ID", "Time", "Host", "Tags", "Paths");
        for (Snapshot s : list) {
            t.row(s.id().shortHex(), NodeFormat.local(s.time()), nz(s.hostname()),
                    String.join(compact ? "\n" : ",", s.tags()), String.join("\n", s.paths()));
        }
        t.print(ctx.out);
        ctx.out.println(list.size() + " snapshots");
    }

    /** restic's group header: "snapshots for (host [h], tags [a, b], paths [/x]):", null for an empty key (no header). */
    private static String header(GroupKey k) {
        List<String> info = new ArrayList<>();
        if (!k.hostname().isEmpty()) info.add("host [" + k.hostname() + "]");
        if (k.tags() != null) info.add("tags [" + String.join(", ", k.tags()) + "]");
        if (k.paths() != null) info.add("paths [" + String.join(", ", k.paths()) + "]");
        return info.isEmpty() ? null : "snapshots for (" + String.join(", ", info) + "):";
    }

    /** The newest {@code n} snapshots of each key, newest first (restic's filterLatestSnapshots). */
    private static List<Snapshot> newest(List<Snapshot> list, int n, java.util.function.Function<Snapshot, String> key) {
        List<Snapshot> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparing((Snapshot s) -> s.time().toInstant()).reversed());
        Map<String, Integer> seen = new HashMap<>();
        List<Snapshot> out = new ArrayList<>();
        for (Snapshot s : sorted) {
            if (seen.merge(key.apply(s), 1, Integer::sum) <= n) out.add(s);
        }
        return out;
    }

    private static String hostAndPaths(Snapshot s) {
        List<String> p = new ArrayList<>(s.paths());
        java.util.Collections.sort(p);
        return nz(s.hostname()) + "\u0000" + String.join("|", p);
    }

    private static List<String> sortedOrNull(List<String> l) {
        if (l == null || l.isEmpty()) return null;
        List<String> c = new ArrayList<>(l);
        java.util.Collections.sort(c);
        return List.copyOf(c);
    }

    private static void putList(ObjectNode o, String field, List<String> l) {
        if (l == null) {
            o.putNull(field);
            return;
        }
        ArrayNode a = o.putArray(field);
        l.forEach(a::add);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /**
     * A listing that had to skip damaged snapshot files (named in the warnings) says so once more
     * at the end, and exits 0 as restic's does: the snapshots listed are whole; check names the rest.
     */
    private static int incomplete(Context ctx, List<String> unreadable) {
        if (unreadable.isEmpty()) return ExitCodes.OK;
        ctx.warn(Plural.of(unreadable.size(), "snapshot file") + " could not be read, so the list is incomplete ('lifeboat check'"
                + " says what to do)");
        return ExitCodes.OK;
    }
}
