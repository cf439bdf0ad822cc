package org.lifeboat.cli;

import java.util.concurrent.Callable;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Retention;
import org.lifeboat.repository.RetentionKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "retention", description = {"Keep the files of a repository with retention (S3 Object Lock) locked.",
        "extend: every file in use (config, keys, index, snapshots, the packs the index names) whose lock ends within"
                + " the period less a quarter of it (at most a day) is locked again until now + the period."},
        footer = {"", "Examples:", "  lifeboat retention extend          # daily, e.g. from cron",
                "  lifeboat retention extend --all    # every file in use, whatever it has left"})
final class RetentionCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "ACTION", description = "extend: extend the retention of the files in use")
    String action;

    @Option(names = "--all", description = "extend every file in use, not only those whose lock runs out soon")
    boolean all;

    /** How many failures are named one per line before the rest are counted. */
    static final int SHOWN = 20;

    @Override
    public Integer call() throws Exception {
        if (!"extend".equals(action)) throw new UserException("unknown retention action '" + action + "': use extend");
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            Retention r = repo.retention();
            if (r == null) {
                throw new UserException("the repository at " + repo.location() + " keeps no retention (its config asks for none),"
                        + " so there is nothing to extend");
            }
            ctx.loadIndex(repo);
            RetentionKeeper.Summary s;
            try {
                s = RetentionKeeper.extend(repo, java.time.Instant.now(), all, repo.connections(), ctx.cancel());
            } catch (RepositoryException e) {
                throw new UserException(e.getMessage());
            }
            if (ctx.json()) {
                var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("mode", r.mode().text())
                        .put("period", r.periodText()).put("checked", s.checked()).put("extended", s.extended())
                        .put("long_enough", s.longEnough()).put("failed", s.failures().size());
                var f = o.putArray("failures");
                for (RetentionKeeper.Failure x : s.failures()) f.addObject().put("file", x.file()).put("reason", x.reason());
                ctx.printJson(o);
            } else {
                int shown = 0;
                for (RetentionKeeper.Failure x : s.failures()) {
                    if (shown++ == SHOWN) {
                        ctx.err.println("error: … and " + (s.failures().size() - SHOWN) + " more files could not be extended");
                        break;
                    }
                    ctx.err.println("error: cannot extend the retention of " + x.file() + ": " + x.reason());
                }
                ctx.info("checked " + s.checked() + " files in use (" + r + "): extended " + s.extended() + ", "
                        + s.longEnough() + " already locked long enough, " + s.failures().size() + " failed");
            }
            if (!s.failures().isEmpty()) {
                ctx.err.println("Fatal: the retention of " + s.failures().size() + " file" + (s.failures().size() == 1 ? "" : "s")
                        + " could not be extended");
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }
}
