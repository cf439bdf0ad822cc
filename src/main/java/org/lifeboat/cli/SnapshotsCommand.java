package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "snapshots", description = "List snapshots.",
        footer = {"", "Examples:", "  lifeboat snapshots", "  lifeboat snapshots --host web1 --tag daily --path /home", "  lifeboat snapshots --json 1a2b3c4d"})
final class SnapshotsCommand implements Callable<Integer> {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "snapshot IDs (default: all)")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
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
            if (ctx.json()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                for (Snapshot s : shown) a.add(s.toJsonNode(true));
                ctx.printJson(a);
                return incomplete(ctx, unreadable);
            }
            Table t = new Table("ID", "Time", "Host", "Tags", "Paths");
            for (Snapshot s : shown) {
                t.row(s.id().shortHex(), TIME.format(s.time().atZoneSameInstant(java.time.ZoneId.systemDefault())),
                        s.hostname() == null ? "" : s.hostname(), String.join(",", s.tags()),
                        String.join("\n", s.paths()));
            }
            t.print(ctx.out);
            ctx.out.println(shown.size() + " snapshots");
            return incomplete(ctx, unreadable);
        }
    }

    /** A listing that had to skip damaged snapshot files (named in the warnings) is not a success. */
    private static int incomplete(Context ctx, List<String> unreadable) {
        if (unreadable.isEmpty()) return ExitCodes.OK;
        ctx.err.println("Fatal: " + unreadable.size() + " snapshot file(s) could not be read; the list is incomplete");
        return ExitCodes.FATAL;
    }
}
