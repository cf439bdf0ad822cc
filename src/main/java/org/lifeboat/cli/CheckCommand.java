package org.lifeboat.cli;

import java.util.concurrent.Callable;
import org.lifeboat.check.CheckResult;
import org.lifeboat.check.Checker;
import org.lifeboat.repository.Json;
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

    @Option(names = "--read-data-subset", paramLabel = "SUBSET", description = "read a subset of packs: n/t (group n of t) or x%% (a random share)")
    String subset;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        Checker.PackSubset ps = null;
        if (readData) ps = Checker.PackSubset.all();
        if (subset != null) ps = parseSubset(subset);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, true)) {
            ctx.info("checking repository " + repo.backend().location());
            Checker c = new Checker(repo);
            long t0 = System.nanoTime();
            CheckResult r;
            try (ProgressLine pl = ProgressLine.start(ctx, () -> "[" + ProgressLine.duration((System.nanoTime() - t0) / 1_000_000_000L)
                    + "] " + c.packsDone.sum() + " / " + c.packsTotal + " packs read", () -> org.lifeboat.repository.Json.MAPPER
                    .createObjectNode().put("message_type", "status").put("packs_done", c.packsDone.sum())
                    .put("packs_total", c.packsTotal))) {
                r = c.run(ps);
            }
            if (ctx.json()) {
                var o = Json.MAPPER.createObjectNode().put("message_type", "summary").put("ok", r.ok())
                        .put("snapshots", r.snapshots()).put("trees", r.trees()).put("packs_read", r.packsRead());
                var e = o.putArray("errors");
                r.errors().forEach(e::add);
                var w = o.putArray("warnings");
                r.warnings().forEach(w::add);
                ctx.printJson(o);
            } else {
                for (String w : r.warnings()) ctx.warn(w);
                for (String e : r.errors()) ctx.err.println("error: " + e);
                ctx.info("checked " + r.snapshots() + " snapshots, " + r.trees() + " trees"
                        + (ps != null ? ", read " + r.packsRead() + " packs" : ""));
                if (r.ok()) ctx.info("no errors were found");
            }
            if (!r.ok()) {
                ctx.err.println("Fatal: repository contains errors (" + r.errors().size() + ")");
                return ExitCodes.FATAL;
            }
        }
        return ExitCodes.OK;
    }

    static Checker.PackSubset parseSubset(String s) {
        try {
            if (s.endsWith("%")) {
                double p = Double.parseDouble(s.substring(0, s.length() - 1));
                if (p <= 0 || p > 100) throw new NumberFormatException();
                return Checker.PackSubset.percent(p);
            }
            String[] nt = s.split("/");
            int n = Integer.parseInt(nt[0]);
            int t = Integer.parseInt(nt[1]);
            if (nt.length != 2 || n < 1 || n > t) throw new NumberFormatException();
            return Checker.PackSubset.group(n, t);
        } catch (RuntimeException e) {
            throw new UserException("--read-data-subset must be n/t (1 <= n <= t) or a percentage like 10%, not '" + s + "'");
        }
    }
}
