package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lifeboat.plan.Durations;
import org.lifeboat.plan.Graph;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanGraph;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Problem;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Recovery;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemCopies;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "Check and show the recovery plan (lifeboat.yaml).",
        subcommands = {PlanCommand.Validate.class, PlanCommand.Show.class},
        footer = {"", "Examples:", "  lifeboat plan validate", "  lifeboat plan show --format dot | dot -Tsvg > plan.svg"})
final class PlanCommand implements Runnable {
    @ParentCommand
    Main main;

    @Override
    public void run() {
        throw new UserException("say what to do: 'lifeboat plan validate' or 'lifeboat plan show'");
    }

    @Command(name = "validate", description = "Report every error and warning of the plan file, with file, line and column.",
            footer = {"", "Examples:", "  lifeboat plan validate", "  lifeboat plan validate --config /etc/lifeboat/lifeboat.yaml"})
    static final class Validate implements Callable<Integer> {
        @ParentCommand
        PlanCommand parent;

        @Override
        public Integer call() throws Exception {
            Context ctx = new Context(parent.main);
            java.nio.file.Path file = Plans.file(ctx);
            List<Problem> problems = PlanLoader.validate(file);
            long errors = problems.stream().filter(Problem::isError).count();
            long warnings = problems.size() - errors;
            if (ctx.json()) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("file", file.toString()).put("valid", errors == 0).put("errors", errors).put("warnings", warnings);
                ArrayNode a = o.putArray("problems");
                for (Problem p : problems) {
                    a.addObject().put("file", p.file()).put("line", p.line()).put("column", p.column())
                            .put("severity", p.isError() ? "error" : "warning").put("message", p.message());
                }
                ctx.printJson(o);
                return errors == 0 ? ExitCodes.OK : ExitCodes.FATAL;
            }
            for (Problem p : problems) (p.isError() ? ctx.err : ctx.out).println(p);
            if (errors > 0) {
                ctx.err.println(file + ": " + errors + " error" + (errors == 1 ? "" : "s") + ", " + warnings + " warning"
                        + (warnings == 1 ? "" : "s"));
                return ExitCodes.FATAL;
            }
            Plan plan = PlanLoader.load(file, null, PlanLoader.Generators.placeholders());
            List<List<String>> waves = Graph.waves(plan.systems(), List.copyOf(plan.systems().keySet()));
            ctx.out.println(file + ": valid: " + plan.systems().size() + " systems in " + waves.size() + " wave"
                    + (waves.size() == 1 ? "" : "s") + ", " + plan.sites().size() + " site" + (plan.sites().size() == 1 ? "" : "s")
                    + (warnings == 0 ? "" : ", " + warnings + " warning" + (warnings == 1 ? "" : "s")));
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show the recovery waves, critical path, targets and backup ages; or the dependency graph.",
            footer = {"", "Examples:", "  lifeboat plan show", "  lifeboat plan show --site dr-site --offline", "  lifeboat plan show --format mermaid"})
    static final class Show implements Callable<Integer> {
        @ParentCommand
        PlanCommand parent;

        @Option(names = "--format", defaultValue = "text", paramLabel = "text|json|dot|mermaid|svg",
                description = "text (default), json, or the dependency graph as Graphviz dot, Mermaid or SVG")
        String format;

        @Option(names = "--site", paramLabel = "NAME", description = "resolve the plan for this site")
        String site;

        @Option(names = "--offline", description = "do not open the repositories (no backup ages)")
        boolean offline;

        @Override
        public Integer call() throws Exception {
            Context ctx = new Context(parent.main);
            String fmt = ctx.json() ? "json" : format;
            if (!List.of("text", "json", "dot", "mermaid", "svg").contains(fmt)) {
                throw new UserException("--format must be text, json, dot, mermaid or svg, not '" + format + "'");
            }
            Plan plan = Plans.load(ctx, site, PlanLoader.Generators.placeholders());
            List<String> all = List.copyOf(plan.systems().keySet());
            List<List<String>> waves = Graph.waves(plan.systems(), all);
            // Each system counts the same: without measured times (drills), RTOs are deadlines, not durations.
            List<String> critical = Graph.criticalPath(plan.systems(), all, s -> Duration.ofSeconds(1));
            Map<String, Snapshot> latest = new LinkedHashMap<>();
            Map<String, String> problems = new LinkedHashMap<>();
            Map<String, SystemCopies.Report> copies = new LinkedHashMap<>();
            Map<String, int[]> keeps = new LinkedHashMap<>(); // system -> {kept now, snapshots}
            Instant now = Instant.now();
            if (!offline) {
                try (Repositories repos = ctx.repositories(plan, false).forStatus()) {
                    for (SystemSpec s : plan.systems().values()) {
                        try {
                            Snapshot snap = Recovery.chooseSnapshot(plan, s, repos, null, w -> {});
                            if (snap != null) latest.put(s.name(), snap);
                        } catch (Exception e) {
                            problems.put(s.name(), e.getMessage());
                        }
                        copies.put(s.name(), SystemCopies.report(plan, s, repos, now));
                        if (s.retention() != null && s.backup() != null) {
                            try {
                                List<Snapshot> mine = org.lifeboat.recovery.SystemSnapshots.of(s, repos.snapshots(s.backup().repository(), w -> {}));
                                keeps.put(s.name(), new int[] {org.lifeboat.prune.Forget.apply(mine, s.retention(), now).keep().size(), mine.size()});
                            } catch (Exception e) {
                                // the backup column already names a repository that cannot be read
                            }
                        }
                    }
                }
            } else {
                for (SystemSpec s : plan.systems().values()) copies.put(s.name(), SystemCopies.report(plan, s, null));
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (String s : all) labels.put(s, backupLabel(plan.system(s), latest.get(s), problems.get(s), now, offline));
            switch (fmt) {
                case "dot" -> ctx.out.print(PlanGraph.dot(plan, all, labels));
                case "mermaid" -> ctx.out.print(PlanGraph.mermaid(plan, all, labels));
                case "svg" -> ctx.out.print(PlanGraph.svg(plan, all, labels, critical));
                case "json" -> ctx.printJson(json(plan, waves, critical, latest, problems, copies, now, keeps));
                default -> {
                    text(ctx, plan, waves, critical, latest, labels);
                    retentionText(ctx, plan, keeps, offline);
                    copiesText(ctx, plan, copies, now, offline);
                }
            }
            return ExitCodes.OK;
        }

        private static String backupLabel(SystemSpec s, Snapshot snap, String problem, Instant now, boolean offline) {
            if (s.backup() == null) return "no backup configured";
            if (offline) return "backup age not read";
            if (problem != null) return "repository not readable: " + problem;
            if (snap == null) return "NEVER backed up";
            Duration age = Duration.between(snap.time().toInstant(), now);
            // A negative age is no age: say what it is (the 3-2-1 gaps name the snapshot).
            if (age.isNegative()) return "last backup " + FUTURE;
            return "last backup " + Durations.format(age) + " ago" + (age.compareTo(s.rpo()) > 0 ? " (RPO MISSED)" : "");
        }

        private static void text(Context ctx, Plan plan, List<List<String>> waves, List<String> critical,
                                 Map<String, Snapshot> latest, Map<String, String> labels) {
            ctx.out.println("plan " + plan.file() + (plan.name() == null ? "" : " (" + plan.name() + ")") + ", site "
                    + Plans.siteName(plan));
            ctx.out.println();
            for (int w = 0; w < waves.size(); w++) {
                ctx.out.println("wave " + (w + 1) + ": " + String.join(", ", waves.get(w)));
            }
            ctx.out.println("critical path (the longest chain of dependencies): " + String.join(" -> ", critical));
            ctx.out.println();
            Table t = new Table("SYSTEM", "WAVE", "DEPENDS ON", "RPO", "RTO", "LAST BACKUP", "STEPS", "CHECKS");
            for (int w = 0; w < waves.size(); w++) {
                for (String name : waves.get(w)) {
                    SystemSpec s = plan.system(name);
                    t.row(name, w + 1, s.dependsOn().isEmpty() ? "-" : String.join(", ", s.dependsOn()),
                            Durations.toPlanText(s.rpo()), Durations.toPlanText(s.rto()), labels.get(name),
                            s.restore().size(), s.verify().size());
                }
            }
            t.print(ctx.out);
        }

        /** Each system's keep policy (applied after each plan backup) and how many of its snapshots it keeps now. */
        private static void retentionText(Context ctx, Plan plan, Map<String, int[]> keeps, boolean offline) {
            ctx.out.println();
            ctx.out.println("retention (forget after each plan backup; --no-forget skips it):");
            Table t = new Table("SYSTEM", "POLICY", "KEEPS NOW");
            for (SystemSpec s : plan.systems().values()) {
                if (s.backup() == null) continue;
                int[] k = keeps.get(s.name());
                t.row(s.name(), s.retention() == null ? "none (every snapshot is kept)" : s.retention().toString(),
                        s.retention() == null ? "-" : offline ? "not read" : k == null ? "not readable"
                                : k[0] + " of " + k[1] + " snapshots");
            }
            t.print(ctx.out);
        }

        private static ObjectNode json(Plan plan, List<List<String>> waves, List<String> critical, Map<String, Snapshot> latest,
                                       Map<String, String> problems, Map<String, SystemCopies.Report> copies, Instant now,
                                       Map<String, int[]> keeps) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("file", plan.file().toString()).put("site", plan.site()).put("plan_hash", plan.hash());
            ArrayNode wa = o.putArray("waves");
            for (List<String> w : waves) {
                ArrayNode a = wa.addArray();
                w.forEach(a::add);
            }
            ArrayNode cp = o.putArray("critical_path");
            critical.forEach(cp::add);
            ArrayNode sys = o.putArray("systems");
            for (int w = 0; w < waves.size(); w++) {
                for (String name : waves.get(w)) {
                    SystemSpec s = plan.system(name);
                    ObjectNode so = sys.addObject().put("name", name).put("wave", w + 1)
                            .put("rpo_seconds", s.rpo().toSeconds()).put("rto_seconds", s.rto().toSeconds());
                    ArrayNode d = so.putArray("depends_on");
                    s.dependsOn().forEach(d::add);
                    Snapshot snap = latest.get(name);
                    if (snap != null) {
                        long age = Duration.between(snap.time().toInstant(), now).toSeconds();
                        boolean future = age < 0;
                        so.put("last_snapshot", snap.id().hex()).put("last_backup", snap.time().toInstant().toString())
                                .put("last_backup_age_seconds", Math.max(0, age)).put("last_backup_in_future", future)
                                .put("rpo_met", !future && age <= s.rpo().toSeconds());
                    }
                    if (problems.containsKey(name)) so.put("error", problems.get(name));
                    if (s.retention() != null) {
                        ObjectNode ro = so.putObject("retention").put("policy", s.retention().toString());
                        int[] k = keeps.get(name);
                        if (k != null) ro.put("keeps_now", k[0]).put("snapshots", k[1]);
                    }
                    copiesJson(so, plan.system(name), copies.get(name), now);
                }
            }
            return o;
        }
    }

    /** How an age after now is said (a wrong clock, or restic backup --time): never as a negative age. */
    static final String FUTURE = "in the future (clock skew?)";

    /** The 3-2-1 table (each system's places and the age of its newest snapshot in each) and the gaps. */
    static void copiesText(Context ctx, Plan plan, Map<String, SystemCopies.Report> copies, Instant now, boolean offline) {
        ctx.out.println();
        ctx.out.println("copies (3-2-1: copies in 2 places or more, one off-site, one immutable):");
        Table t = new Table("SYSTEM", "REPOSITORY", "WHERE", "RETENTION", "NEWEST COPY");
        List<String> gaps = new java.util.ArrayList<>();
        for (SystemCopies.Report r : copies.values()) {
            boolean first = true;
            for (SystemCopies.Place p : r.places()) {
                t.row(first ? r.system() : "", p.repository() + (p.primary() ? " (backups)" : p.planned() ? "" : " (not in copy-to)"),
                        p.offsite() ? "off-site" : "on-site", p.retention() == null ? "-" : p.retention().describe(),
                        placeAge(plan.system(r.system()), p, now, offline));
                first = false;
            }
            for (SystemCopies.Gap g : r.gaps()) gaps.add(r.system() + ": " + g.message());
        }
        t.print(ctx.out);
        ctx.out.println();
        if (gaps.isEmpty()) {
            ctx.out.println("3-2-1: no gaps");
        } else {
            ctx.out.println("3-2-1 GAPS:");
            for (String g : gaps) ctx.out.println("  " + g);
        }
    }

    private static String placeAge(SystemSpec s, SystemCopies.Place p, Instant now, boolean offline) {
        if (offline) return "not read";
        if (p.error() != null) return "not readable: " + p.error();
        if (p.newest() == null) return "NONE";
        if (p.inFuture(now)) return FUTURE + " (" + p.newest().id().shortHex() + ")";
        Duration age = p.age(now);
        return Durations.format(age) + " ago (" + p.newest().id().shortHex() + ")" + (age.compareTo(s.rpo()) > 0 ? " older than RPO" : "");
    }

    /** {@code copies} and {@code gaps} of a system in plan show's and runbook's JSON. */
    static void copiesJson(ObjectNode so, SystemSpec s, SystemCopies.Report r, Instant now) {
        if (r == null) return;
        ArrayNode ca = so.putArray("copies");
        for (SystemCopies.Place p : r.places()) {
            ObjectNode c = ca.addObject().put("repository", p.repository()).put("primary", p.primary()).put("planned", p.planned())
                    .put("offsite", p.offsite());
            if (p.retention() != null) {
                c.putObject("retention").put("mode", p.retention().mode()).put("period_seconds", p.retention().period().toSeconds());
            } else {
                c.putNull("retention");
            }
            if (p.newest() != null) {
                long age = p.age(now).toSeconds(); // 0 for a snapshot dated in the future, flagged by in_future
                boolean future = p.inFuture(now);
                c.put("snapshot", p.newest().id().hex()).put("snapshot_time", p.newest().time().toInstant().toString())
                        .put("age_seconds", age).put("in_future", future).put("rpo_met", !future && age <= s.rpo().toSeconds());
            }
            if (p.error() != null) c.put("error", p.error());
        }
        ArrayNode ga = so.putArray("gaps");
        for (SystemCopies.Gap g : r.gaps()) ga.addObject().put("gap", g.code()).put("message", g.message());
    }
}
