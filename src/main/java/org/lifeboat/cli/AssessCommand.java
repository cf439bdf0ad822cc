package org.lifeboat.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.assess.AssessHtml;
import org.lifeboat.assess.Assessment;
import org.lifeboat.assess.Assessor;
import org.lifeboat.assess.EvidenceReader;
import org.lifeboat.assess.Finding;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.StateDir;
import org.lifeboat.state.StateStore;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.StatusReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "assess", description = "Readiness assessment: checks the plan, the repositories and the state against"
        + " the checklist (off-site and immutable copies, tested restores, recovery time, RPO, monitoring, runbook,"
        + " owners, verification, separation of duties); each finding with its evidence and what to do, a score"
        + " per system and overall (0-100). Reads only: nothing is written to a repository or the state.",
        footer = {"", "Exit code: 0 when the plan was assessed, gaps or not (the score says how", "ready it is); 1 for a plan or flag error.",
                "", "Examples:", "  lifeboat assess", "  lifeboat assess --format json",
                "  lifeboat assess --format html -o readiness.html"})
final class AssessCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json|html", description = "text (default), json or html")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of standard output")
    String output;

    @Option(names = "--state-db", paramLabel = "URL", description = "the PostgreSQL state shared with the services (default: LIFEBOAT_STATE_DB, else the plan's state-db, else the SQLite file)")
    String stateDb;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        String fmt = ctx.json() ? "json" : format;
        if (!List.of("text", "json", "html").contains(fmt)) {
            throw new UserException("--format must be text, json or html, not '" + format + "'");
        }
        Plan plan = Plans.load(ctx, null, PlanLoader.Generators.placeholders());
        String db = Plans.stateDb(plan, stateDb);
        Path stateDir = StateDir.of(plan);
        // as status: read only, and no state folder or empty database is made where there is none
        Path sqlite = db == null || db.isBlank() ? stateDir.toAbsolutePath().normalize().resolve(StateStore.FILE_NAME) : null;
        String where = sqlite != null ? sqlite.toString() : StateStore.redact(db.strip());
        StateStore store = null;
        String stateError = null;
        Assessment a;
        try {
            if (sqlite == null || Files.exists(sqlite)) {
                try {
                    store = StateStore.openReadOnly(db, stateDir);
                    if (store != null) where = store.where();
                } catch (StateStoreException e) {
                    stateError = e.getMessage();
                }
            }
            try (Repositories repos = ctx.serviceOpener(plan.file()).open(plan, false, Cancel.NEVER).forStatus().withoutLocks()) {
                a = Assessor.assess(EvidenceReader.read(plan, repos, store, where, stateError, false, StatusReader.localHost(),
                        Instant.now()));
            }
        } finally {
            if (store != null) store.close();
        }
        String text = switch (fmt) {
            case "json" -> org.lifeboat.repository.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(a.toJson()) + "\n";
            case "html" -> AssessHtml.page(a, false);
            default -> text(a);
        };
        if (output == null) {
            ctx.out.print(text);
            ctx.out.flush();
        } else {
            ctx.info("assessment written to " + OutputFile.write(output, text));
        }
        return ExitCodes.OK;
    }

    /** The text face: the scores as a table, then each finding with its evidence and advice. */
    static String text(Assessment a) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        out.println("Readiness of " + a.plan() + ": " + a.score() + "/100");
        out.println();
        Table t = new Table("SYSTEM", "SCORE", "GAPS");
        for (Assessment.SystemScore s : a.systems()) {
            List<String> gaps = a.findings().stream().filter(f -> !f.ok() && (f.system() == null || f.system().equals(s.name())))
                    .map(f -> f.check().json()).toList();
            t.row(s.name(), s.score(), gaps.isEmpty() ? "none" : String.join(", ", gaps));
        }
        if (!a.systems().isEmpty()) {
            t.print(out);
            out.println();
        }
        findings(out, "the whole plan", a.findingsOf(null));
        for (Assessment.SystemScore s : a.systems()) findings(out, s.name() + " (score " + s.score() + ")", a.findingsOf(s.name()));
        List<String> weights = java.util.Arrays.stream(org.lifeboat.assess.Check.values()).map(c -> c.json() + " " + c.weight()).toList();
        out.println("Score: each check is worth points of 100:");
        out.println("  " + String.join(", ", weights.subList(0, 5)) + ",");
        out.println("  " + String.join(", ", weights.subList(5, weights.size())) + ";");
        out.println("a system scores the points of the checks it passes (its own and the plan's),");
        out.println("the plan the mean of its systems' scores.");
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void findings(java.io.PrintStream out, String title, List<Finding> findings) {
        if (findings.isEmpty()) return;
        out.println(title + ":");
        for (Finding f : findings) {
            out.printf("  %-3s  %-12s  %s%n", f.ok() ? "ok" : "GAP", f.check().json(), f.evidence());
            if (f.advice() != null) out.printf("  %-3s  %-12s  do: %s%n", "", "", f.advice());
        }
        out.println();
    }
}
