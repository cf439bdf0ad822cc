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
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "runbook", description = "Write the recovery procedure for people, generated from the plan.",
        footer = {"", "Examples:", "  lifeboat runbook -o runbook.md", "  lifeboat runbook --format html --site dr-site -o runbook.html"})
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

    /** Each system's last drill, from the state store (nothing when there is none yet). */
    private static void drills(Context ctx, Plan plan, Map<String, Runbook.Status> status) {
        java.nio.file.Path dir = org.lifeboat.recovery.StateDir.of(plan);
        if (!java.nio.file.Files.exists(dir.resolve("lifeboat.db"))) return;
        try (org.lifeboat.drill.DrillStore store = org.lifeboat.drill.DrillStore.open(dir)) {
            Map<String, org.lifeboat.drill.SystemRun> last = new LinkedHashMap<>();
            for (org.lifeboat.drill.SystemRun r : store.history(null, null)) last.put(r.name(), r);
            for (org.lifeboat.drill.SystemRun r : last.values()) {
                if (!plan.systems().containsKey(r.name())) continue;
                String text = r.result().json() + " on " + Plans.time(r.started()) + " (drill " + r.drillId() + "): measured RTO "
                        + org.lifeboat.plan.Durations.format(r.rtoMeasured()) + " (target "
                        + org.lifeboat.plan.Durations.format(r.rtoTarget()) + "), data age "
                        + org.lifeboat.plan.Durations.format(r.rpoAchieved()) + " (RPO "
                        + org.lifeboat.plan.Durations.format(r.rpoTarget()) + ")";
                Runbook.Status s = status.getOrDefault(r.name(), new Runbook.Status(null, null, null));
                status.put(r.name(), s.withDrill(text));
            }
        } catch (Exception e) {
            ctx.warn("cannot read the drill history: " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (!format.equals("md") && !format.equals("html")) throw new UserException("--format must be md or html, not '" + format + "'");
        Plan plan = Plans.load(ctx, site, PlanLoader.Generators.placeholders());
        Map<String, Runbook.Status> status = new LinkedHashMap<>();
        Map<String, SystemCopies.Report> copies = new LinkedHashMap<>();
        if (!offline) {
            try (Repositories repos = ctx.repositories(plan, false).forStatus()) {
                for (SystemSpec s : plan.systems().values()) {
                    if (s.backup() == null) continue;
                    try {
                        Snapshot snap = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
                        status.put(s.name(), snap == null ? new Runbook.Status(null, null, "**never** (no snapshot yet)")
                                : new Runbook.Status(snap.id().hex(), snap.time().toInstant(), null));
                    } catch (Exception e) {
                        status.put(s.name(), new Runbook.Status(null, null, "unknown (" + e.getMessage() + ")"));
                    }
                    copies.put(s.name(), SystemCopies.report(plan, s, repos));
                }
            }
        } else {
            for (SystemSpec s : plan.systems().values()) if (s.backup() != null) copies.put(s.name(), SystemCopies.report(plan, s, null));
        }
        for (Map.Entry<String, SystemCopies.Report> e : copies.entrySet()) {
            status.put(e.getKey(), status.getOrDefault(e.getKey(), new Runbook.Status(null, null, null)).withCopies(e.getValue()));
        }
        drills(ctx, plan, status);
        if (ctx.json()) {
            // The facts the runbook is written from, for scripts: each system's newest snapshot, copies and 3-2-1 gaps.
            Instant now = Instant.now();
            com.fasterxml.jackson.databind.node.ObjectNode o = org.lifeboat.repository.Json.MAPPER.createObjectNode();
            o.put("file", plan.file().toString()).put("site", plan.site()).put("plan_hash", plan.hash());
            com.fasterxml.jackson.databind.node.ArrayNode a = o.putArray("systems");
            for (SystemSpec s : plan.systems().values()) {
                com.fasterxml.jackson.databind.node.ObjectNode so = a.addObject().put("name", s.name());
                Runbook.Status st = status.get(s.name());
                if (st != null && st.lastSnapshot() != null) {
                    so.put("last_snapshot", st.lastSnapshot()).put("last_backup", st.lastBackup().toString());
                }
                if (st != null && st.lastDrill() != null) so.put("last_drill", st.lastDrill());
                PlanCommand.copiesJson(so, s, copies.get(s.name()), now);
            }
            ctx.printJson(o);
            return ExitCodes.OK;
        }
        String text = format.equals("html") ? Runbook.html(plan, status, Instant.now()) : Runbook.markdown(plan, status, Instant.now());
        Path written = null;
        if (output == null) {
            ctx.out.print(text);
        } else {
            written = OutputFile.write(output, text);
            ctx.info("runbook written to " + written);
        }
        record(ctx, plan, written == null ? null : written.toString());
        return ExitCodes.OK;
    }

    /**
     * Records in the state that a runbook of this plan version was generated ({@code lifeboat
     * assess} checks people have the procedure of the plan as it is now). A state that cannot be
     * written is a warning: the runbook itself is done.
     */
    private void record(Context ctx, Plan plan, String writtenTo) {
        try (org.lifeboat.state.StateStore store = org.lifeboat.state.StateStore.open(Plans.stateDb(plan, null),
                org.lifeboat.recovery.StateDir.of(plan))) {
            new org.lifeboat.state.Runbooks(store).record(plan.hash(), plan.file() == null ? null : plan.file().toString(),
                    plan.site(), format, writtenTo, org.lifeboat.status.StatusReader.localHost(), Instant.now());
        } catch (org.lifeboat.state.StateStoreException e) {
            ctx.warn("the runbook was not recorded in the state (lifeboat assess will not see it): " + e.getMessage());
        }
    }
}
