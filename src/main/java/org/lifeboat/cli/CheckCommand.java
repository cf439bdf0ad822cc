package org.lifeboat.cli;

import java.util.concurrent.Callable;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "check", description = "Check the repository for errors; --read-data also reads every pack.",
        footer = {"", "Examples:", "  lifeboat check", "  lifeboat check --read-data", "  lifeboat check --read-data-subset 1/5    # a fifth of the packs (nightly)", "  lifeboat check --read-data-subset 10%%"})
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--read-data", description = "read all data packs and verify every blob")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "SUBSET",
            description = "read a subset of packs: group n of t, a percentage (at least one pack), or a size like 500M")
    String subset;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (readData && subset != null) {
            throw new UserException("check options --read-data and --read-data-subset cannot be used together");
        }
        Checker.PackSubset ps = null;
        if (readData) ps = Checker.PackSubset.all();
        if (subset != null) ps = parseSubset(subset);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            ctx.info("checking repository " + repo.location());
            // the cancel engineer passes the job's token from Context here
            Checker c = new Checker(repo, ctx.cancel());
            long t0 = System.nanoTime();
            CheckResult r;
            try (ProgressLine pl = ProgressLine.start(ctx, () -> "[" + ProgressLine.duration((System.nanoTime() - t0) / 1_000_000_000L)
                    + "] " + c.packsDone.sum() + " / " + c.packsTotal + " packs read", () -> org.lifeboat.repository.Json.MAPPER
                    .createObjectNode().put("message_type", "status").put("packs_done", c.packsDone.sum())
                    .put("packs_total", c.packsTotal))) {
                r = c.run(ps);
            }
            String next = r.nextStep();
            // packs outside their folder: moved back first (no repair can read them; repair index would drop them)
            String move = r.misplaced().isEmpty() ? null : "move " + String.join(", ", r.misplaced().stream()
                    .map(m -> m.path() + " to " + m.home()).toList()) + " (in " + repo.location() + ")";
            // Said in both outputs: a group n/t that holds no pack read no data, which "no errors" alone hides.
            String subsetNote = subset == null ? null : "read " + r.packsRead() + " of " + Plural.of(r.packsAvailable(), "pack")
                    + " (--read-data-subset " + subset + ")"
                    + (r.packsRead() == 0 && r.packsAvailable() > 0 ? "; this group holds no pack, so no data was read" : "");
            if (ctx.json()) {
                // restic's scripting output: one {"message_type":"error"} line per error on stderr,
                // the summary on stdout; Lifeboat's own fields follow restic's.
                for (String e : r.errors()) {
                    ctx.err.println(Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode()
                            .put("message_type", "error").put("message", e)));
                }
                var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("num_errors", r.errors().size());
                var bp = o.putArray("broken_packs");
                r.brokenPacks().forEach(bp::add);
                o.put("suggest_repair_index", r.suggestRepairIndex()).put("suggest_prune", r.suggestPrune());
                if (next != null) o.put("next_step", next);
                if (move != null) o.put("next_step", move);
                o.put("ok", r.ok()).put("snapshots", r.snapshots()).put("trees", r.trees()).put("packs_read", r.packsRead());
                var e = o.putArray("errors");
                r.errors().forEach(e::add);
                var w = o.putArray("warnings");
                r.warnings().forEach(w::add);
                if (ps != null) o.put("packs_available", r.packsAvailable());
                if (r.retention() != null) {
                    // counts and the files' names, for monitoring: which files are not locked long enough
                    var rt = o.putObject("retention").put("mode", repo.retention().mode().text())
                            .put("period", repo.retention().periodText()).put("checked", r.retention().checked());
                    var missing = rt.putArray("not_locked");
                    var shortly = rt.putArray("locked_too_briefly");
                    for (var p : r.retention().problems()) (p.until() == null ? missing : shortly).add(p.file());
                    rt.put("num_not_locked", missing.size()).put("num_locked_too_briefly", shortly.size());
                    var failed = rt.putArray("failed");
                    for (var f : r.retention().failures()) failed.addObject().put("file", f.file()).put("reason", f.reason());
                }
                var n = o.putArray("notes");
                if (subsetNote != null) n.add(subsetNote);
                ctx.printJson(o);
            } else {
                for (String w : r.warnings()) ctx.warn(w);
                for (String e : r.errors()) ctx.err.println("error: " + e);
                if (subsetNote != null) ctx.info(subsetNote);
                ctx.info("checked " + Plural.of(r.snapshots(), "snapshot") + ", " + Plural.of(r.trees(), "tree")
                        + (ps != null ? ", read " + Plural.of(r.packsRead(), "pack") : ""));
                if (r.retention() != null) {
                    ctx.info("retention (" + repo.retention() + "): " + r.retention().checked() + " files in use checked, "
                            + r.retention().problems().size() + " not locked long enough");
                }
                if (!r.brokenPacks().isEmpty()) {
                    ctx.err.println("damaged or missing packs: " + String.join(" ", r.brokenPacks()));
                }
                if (r.ok()) ctx.info("no errors were found");
                if (next != null) {
                    if (r.ok()) ctx.info("unreferenced packs can be removed with '" + next + "'");
                    else ctx.err.println("next step: run '" + next + "', then check again");
                }
                if (move != null) ctx.err.println("next step: " + move + ", then check again");
            }
            if (!r.ok()) {
                ctx.err.println("Fatal: repository contains " + Plural.of(r.errors().size(), "error"));
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }

    /** restic's limit for t in n/t: groups are formed by the pack ID's first byte. */
    static final int MAX_GROUPS = 256;

    /**
     * Parses --read-data-subset as restic does: {@code n/t} (group n of t, 1 &le; n &le; t &le; 256),
     * {@code x%} or {@code x.y%} (0 &lt; x &le; 100), or a size in bytes with an optional suffix
     * b, k, m, g or t (binary units, e.g. 50M).
     *
     * @throws UserException naming the value and the accepted forms when it is none of them
     */
    static Checker.PackSubset parseSubset(String s) {
        String forms = " (use n/t with 1 <= n <= t <= " + MAX_GROUPS + ", a percentage like 10% or 2.5%, or a size like 500M)";
        if (s.contains("/")) {
            String[] nt = s.split("/", -1);
            try {
                if (nt.length != 2) throw new NumberFormatException();
                int n = Integer.parseInt(nt[0]);
                int t = Integer.parseInt(nt[1]);
                if (n < 1 || t < 1 || n > t || t > MAX_GROUPS) throw new NumberFormatException();
                return Checker.PackSubset.group(n, t);
            } catch (NumberFormatException e) {
                throw new UserException("--read-data-subset '" + s + "' is not a valid group n/t" + forms);
            }
        }
        if (s.endsWith("%")) {
            double p;
            try {
                p = Double.parseDouble(s.substring(0, s.length() - 1));
            } catch (NumberFormatException e) {
                throw new UserException("--read-data-subset '" + s + "' is not a valid percentage" + forms);
            }
            if (!(p > 0 && p <= 100)) throw new UserException("--read-data-subset '" + s + "' must be above 0% and at most 100%");
            return Checker.PackSubset.percent(p);
        }
        long bytes = parseBytes(s);
        if (bytes <= 0) throw new UserException("--read-data-subset '" + s + "' is not a valid subset" + forms);
        return Checker.PackSubset.size(bytes);
    }

    /** restic's ParseBytes: an integer with an optional b/k/m/g/t suffix (1024-based); -1 when invalid or too large. */
    static long parseBytes(String s) {
        if (s.isEmpty()) return -1;
        long unit = switch (Character.toLowerCase(s.charAt(s.length() - 1))) {
            case 'b' -> 1;
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 0;
        };
        String num = unit == 0 ? s : s.substring(0, s.length() - 1);
        if (unit == 0) unit = 1;
        if (!num.matches("[0-9]{1,19}")) return -1;
        try {
            return Math.multiplyExact(Long.parseLong(num), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }
}
