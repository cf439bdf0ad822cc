package org.lifeboat.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.Runbook;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "runbook", description = "Write the recovery procedure for people, generated from the plan.")
final class RunbookCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--format", defaultValue = "md", paramLabel = "md|html", description = "Markdown (default) or HTML")
    String format;

    @Option(names = "--site", paramLabel = "NAME", description = "the site to recover into (default: the plan's default-site)")
    String site;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of standard output")
    String output;

    @Option(names = "--offline", description = "do not open the repositories (no last-backup times)")
    boolean offline;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (!format.equals("md") && !format.equals("html")) throw new UserException("--format must be md or html, not '" + format + "'");
        Plan plan = Plans.load(ctx, site, PlanLoader.Generators.placeholders());
        Map<String, Runbook.Status> status = new LinkedHashMap<>();
        if (!offline) {
            try (Repositories repos = new Repositories(plan, false)) {
                for (SystemSpec s : plan.systems().values()) {
                    if (s.backup() == null) continue;
                    try {
                        Snapshot snap = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
                        status.put(s.name(), snap == null ? new Runbook.Status(null, null, "**never** (no snapshot yet)")
                                : new Runbook.Status(snap.id().hex(), snap.time().toInstant(), null));
                    } catch (Exception e) {
                        status.put(s.name(), new Runbook.Status(null, null, "unknown (" + e.getMessage() + ")"));
                    }
                }
            }
        }
        String text = format.equals("html") ? Runbook.html(plan, status, Instant.now()) : Runbook.markdown(plan, status, Instant.now());
        if (output == null) {
            ctx.out.print(text);
        } else {
            Path p = Path.of(output);
            Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ctx.info("runbook written to " + p.toAbsolutePath());
        }
        return ExitCodes.OK;
    }
}
