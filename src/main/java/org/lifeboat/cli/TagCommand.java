package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.SnapshotFilter;
import org.lifeboat.repository.SnapshotNotFoundException;
import org.lifeboat.rewrite.SnapshotTags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tag}: adds, removes or sets the tags of snapshots, as restic 0.17's {@code tag}: each
 * changed snapshot is saved anew with {@code original} naming the first of its line, the old file
 * removed; "modified N snapshots". Exclusive lock.
 */
@Command(name = "tag", description = "Add, remove or set the tags of snapshots (each changed snapshot is saved anew, naming the original).",
        footer = {"", "Examples:", "  lifeboat tag --add keep 1a2b3c4d", "  lifeboat tag --remove daily --host web1",
                "  lifeboat tag --set audit,2025 latest", "  lifeboat tag --set '' 1a2b3c4d    # remove all tags"})
final class TagCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Option(names = "--add", paramLabel = "TAG[,TAG]", description = "add these tags (repeatable)")
    List<String> add = new ArrayList<>();

    @Option(names = "--remove", paramLabel = "TAG[,TAG]", description = "remove these tags (repeatable)")
    List<String> remove = new ArrayList<>();

    @Option(names = "--set", paramLabel = "TAG[,TAG]", description = "replace the tags with these (repeatable; --set '' removes all)")
    List<String> set = new ArrayList<>();

    @Parameters(paramLabel = "ID", arity = "0..*", description = "snapshot IDs or 'latest' (default: all snapshots the filters match)")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (set.isEmpty() && add.isEmpty() && remove.isEmpty()) {
            throw new UserException("nothing to do: give --add, --remove or --set");
        }
        List<String> setTags = tags(set);
        SnapshotTags change;
        try {
            change = new SnapshotTags(setTags, tags(add), tags(remove), !set.isEmpty() && setTags.isEmpty());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        refuseNoLock(main, "'tag' writes snapshots and must lock the repository");
        int changed = 0;
        int failed = 0;
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            List<Snapshot> chosen = select(ctx, repo, filter.filter(), ids);
            if (chosen.stream().anyMatch(s -> change.apply(s) != null)) {
                ctx.refuseWithoutRemovals(repo, Repository.FileKind.SNAPSHOT, "'tag' replaces each snapshot it changes");
            }
            for (Snapshot s : chosen) {
                ctx.cancel().check();
                Snapshot saved;
                try {
                    saved = change.change(repo, s);
                } catch (java.io.InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    // restic: said, and the other snapshots go on
                    ctx.err.println("error: unable to modify the tags of snapshot " + s.id().shortHex() + ": " + e.getMessage());
                    failed++;
                    continue;
                }
                if (saved == null) continue;
                changed++;
                if (ctx.json()) {
                    ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "changed")
                            .put("old_snapshot_id", s.id().hex()).put("new_snapshot_id", saved.id().hex()));
                } else {
                    ctx.verbose("old snapshot ID: " + s.id().hex() + " -> new snapshot ID: " + saved.id().hex());
                }
            }
        }
        if (ctx.json()) {
            ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "summary").put("changed_snapshots", changed));
        } else {
            ctx.info(changed == 0 ? "no snapshots were modified" : "modified " + changed + " snapshot" + (changed == 1 ? "" : "s"));
        }
        if (failed > 0) {
            // unlike restic (exit 0), a snapshot left unchanged is a failure a script should see
            throw new UserException("the tags of " + failed + " snapshot" + (failed == 1 ? "" : "s") + " could not be changed (see above)");
        }
        return ExitCodes.OK;
    }

    /**
     * restic's TagLists: each value is a comma-separated list, white space around each tag removed,
     * empty tags dropped.
     */
    static List<String> tags(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String t : v.split(",", -1)) {
                String s = t.strip();
                if (!s.isEmpty()) out.add(s);
            }
        }
        return out;
    }

    /**
     * --no-lock is for commands that only read; a command that writes snapshots refuses it (as
     * {@link Main#refuseNoLockForWriters} does for the others).
     *
     * @throws UserException naming the command
     */
    static void refuseNoLock(Main main, String what) {
        if (main.noLock) throw new UserException("--no-lock is only for commands that only read the repository; " + what);
    }

    /**
     * The snapshots a command that changes snapshots works on, oldest first, each once: those the
     * IDs (or 'latest', the newest the filters match) name, else every snapshot the filters match.
     * All are resolved before anything is changed, so a typo changes nothing.
     *
     * @throws SnapshotNotFoundException naming an ID that matches no snapshot (or several)
     * @throws org.lifeboat.repository.RepositoryException naming a snapshot file an ID names that cannot be read
     */
    static List<Snapshot> select(Context ctx, Repository repo, SnapshotFilter filter, List<String> ids) throws IOException {
        List<Snapshot> all = repo.listSnapshots(ctx::warn);
        if (ids.isEmpty()) return filter.apply(all);
        Map<String, Snapshot> picked = new LinkedHashMap<>();
        for (String id : ids) {
            Snapshot s;
            try {
                s = filter.resolve(all, id);
            } catch (SnapshotNotFoundException e) {
                s = Snapshots.resolve(ctx, repo, filter, id).snapshot(); // names a damaged snapshot file, or throws the same
            }
            picked.putIfAbsent(s.id().hex(), s);
        }
        List<Snapshot> out = new ArrayList<>(picked.values());
        out.sort((a, b) -> a.time().compareTo(b.time()));
        return out;
    }
}
