package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Lock;
import org.lifeboat.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "unlock", description = "Remove stale locks (all locks with --remove-all, damaged ones included).",
        footer = {"", "Examples:", "  lifeboat unlock", "  lifeboat unlock --remove-all    # also locks in use: when nothing else runs"})
final class UnlockCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--remove-all", description = "remove all lock files, even ones still in use and damaged ones")
    boolean all;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open()) {
            int removed = 0;
            int left = 0;
            // --json: every lock as an object in "removed" or "kept" (restic's unlock prints no JSON).
            var json = Json.MAPPER.createObjectNode().put("message_type", "summary");
            var removedJson = json.putArray("removed");
            var keptJson = json.putArray("kept");
            java.time.OffsetDateTime now = java.time.OffsetDateTime.now();
            if (all) {
                // As restic: every entry in locks/, without reading it, so damaged ones go too. A link
                // is removed itself (never its target); a folder only when empty (never recursed into).
                // One entry that cannot go does not keep the others.
                for (Id id : repo.listFiles(Repository.FileKind.LOCK)) {
                    try {
                        repo.removeLock(id);
                    } catch (DirectoryNotEmptyException e) {
                        ctx.err.println("error: locks/" + id.hex() + " is a folder that is not empty; it was left"
                                + " as it is (nothing in it was removed), remove it by hand if it is no lock");
                        keptJson.add(entry(id, null, now, "it is a folder that is not empty"));
                        left++;
                        continue;
                    } catch (IOException e) {
                        if (e instanceof java.io.InterruptedIOException) throw e;
                        ctx.err.println("error: cannot remove lock file locks/" + id.hex() + ": " + reason(e));
                        keptJson.add(entry(id, null, now, "cannot remove it: " + reason(e)));
                        left++;
                        continue;
                    }
                    ctx.verbose("removed lock " + id.shortHex());
                    removedJson.add(entry(id, null, now, "--remove-all"));
                    removed++;
                }
            } else {
                String host = Repository.hostname();
                // Damaged locks are reported (with the hint to use --remove-all) and left alone:
                // whether their owner is gone cannot be told.
                Set<String> seen = new HashSet<>();
                for (Lock l : repo.listLocks(w -> {
                    if (seen.add(w)) ctx.warn(w);
                })) {
                    String why = l.staleReason(host, now);
                    if (why != null) {
                        repo.removeLock(l.id());
                        ctx.info("removed stale " + l.describe() + ": " + why);
                        removedJson.add(entry(l.id(), l, now, why));
                        removed++;
                    } else {
                        ctx.info("kept " + l.describe() + ": it is in use (not stale until "
                                + org.lifeboat.repository.Times.format(l.staleAt()) + "); --remove-all removes it");
                        keptJson.add(entry(l.id(), l, now, "it is in use (not stale until "
                                + org.lifeboat.repository.Times.format(l.staleAt()) + ")"));
                        left++;
                    }
                }
            }
            if (ctx.json()) ctx.printJson(json);
            ctx.info(removed == 0 ? (all ? "no locks" : "no stale locks")
                    : "removed " + removed + " lock" + (removed == 1 ? "" : "s"));
            if (left > 0 && all) {
                ctx.err.println("Fatal: " + left + " entr" + (left == 1 ? "y" : "ies") + " in " + repo.location()
                        + "/locks/ could not be removed (listed above)");
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }

    /**
     * One lock for --json: its full ID, and when it was read (not with --remove-all, which removes
     * without reading) its host, PID and age in whole seconds; then why it was removed or kept.
     */
    private static com.fasterxml.jackson.databind.node.ObjectNode entry(Id id, Lock l, java.time.OffsetDateTime now,
                                                                        String reason) {
        var o = Json.MAPPER.createObjectNode().put("id", id.hex());
        if (l == null) {
            o.putNull("host").putNull("pid").putNull("age_seconds");
        } else {
            o.put("host", l.hostname()).put("pid", l.pid())
                    .put("age_seconds", java.time.Duration.between(l.time(), now).toSeconds());
        }
        return o.put("reason", reason);
    }

    /** The system's reason, without the path Java repeats in front of it. */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
