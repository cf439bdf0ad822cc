package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.Times;
import org.lifeboat.repository.tree.TreeWalker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "find", description = "Find files by name pattern (a glob) in snapshots.",
        footer = {"", "Examples:", "  lifeboat find \"*.pdf\"", "  lifeboat find -i \"report*\" --host web1", "  lifeboat find --snapshot 1a2b3c4d /etc/hosts"})
final class FindCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "PATTERN", arity = "1..*", description = "glob (*, ?, [a-z]) matched against names, or against whole paths when it holds a /")
    List<String> patterns;

    @Option(names = {"-s", "--snapshot"}, paramLabel = "ID", description = "only these snapshots (repeatable)")
    List<String> snapshots = new ArrayList<>();

    @Option(names = {"-i", "--ignore-case"}, description = "match names ignoring case")
    boolean ignoreCase;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        List<Pattern> ps = new ArrayList<>();
        // Names in snapshots are RawNames strings: a pattern's raw bytes must be matched as such.
        List<String> patterns = RawArgs.raw(this.patterns);
        for (String p : patterns) {
            // Like restic: a pattern with a slash matches the whole path, otherwise the name.
            String rx = globRegex(p);
            // DOTALL: '*' and '?' match any character of a name, a newline too (as Go's filepath.Match).
            ps.add(Pattern.compile(rx, Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0)));
        }
        long found = 0;
        int unreadable = 0;
        long[] skippedFolders = {0};
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            ctx.loadIndex(repo);
            List<Snapshot> all = repo.listSnapshots(ctx::warn);
            List<Snapshot> chosen = new ArrayList<>();
            if (snapshots.isEmpty()) chosen.addAll(filter.filter().apply(all));
            else for (String id : snapshots) chosen.add(filter.filter().resolve(all, id));
            var jsonOut = Json.MAPPER.createArrayNode();
            for (Snapshot s : chosen) {
                long[] hits = {0};
                try {
                    walk(repo, s, (path, shown, n) -> {
                    for (int i = 0; i < ps.size(); i++) {
                        String subject = patterns.get(i).contains("/") ? path : n.name();
                        if (ps.get(i).matcher(subject).matches()) {
                            // Printed as found (a hostile snapshot may hold 2^60 paths): memory stays flat,
                            // and a reader that went away ends the command.
                            if (hits[0]++ == 0 && !ctx.json()) {
                                ctx.out.println("Found matching entries in snapshot " + s.id().shortHex() + " from "
                                        + SnapshotsCommand.TIME.format(s.time()));
                            }
                            if (!ctx.json()) {
                                Names.println(ctx.out, Names.display(path));
                                ctx.checkOutput();
                            }
                            if (ctx.json()) {
                                jsonOut.addObject().put("snapshot", s.id().hex()).put("path", path)
                                        .put("type", n.type().jsonName()).put("size", n.size())
                                        .put("mtime", n.mtime() == null ? null : Times.format(n.mtime()));
                            }
                            break;
                        }
                    }
                    return true;
                    }, (shown, id, problems) -> {
                        // Searched as restore would restore it: a damaged folder's content is not.
                        ctx.warn("not searched in snapshot " + s.id().shortHex() + ": the content of "
                                + TreeWalker.damagedMessage(shown, problems));
                        skippedFolders[0]++;
                    });
                } catch (org.lifeboat.repository.RepositoryException | java.io.UncheckedIOException e) {
                    // One damaged snapshot does not hide the others: named, skipped, exit 1 at the end.
                    ctx.warn(e.getMessage() + " (the rest of this snapshot was not searched; entries found before are listed above)");
                    unreadable++;
                }
                if (hits[0] > 0 && !ctx.json()) ctx.out.println();
                found += hits[0];
            }
            if (ctx.json()) Names.printJson(ctx.out, jsonOut);
            else if (found == 0) ctx.info("no matching entries found");
        }
        if (skippedFolders[0] > 0) {
            ctx.err.println("Fatal: " + skippedFolders[0] + " damaged folder(s) were not searched");
            return ExitCodes.FATAL;
        }
        if (unreadable > 0) {
            ctx.err.println("Fatal: " + unreadable + " snapshot(s) could not be read completely; the others were searched");
            return ExitCodes.FATAL;
        }
        return ExitCodes.OK;
    }

    /**
     * The glob as a regex over code points: a raw byte (one lone surrogate U+DC80..U+DCFF) is one
     * character for '?' and '*' and matches itself; a surrogate pair stays one character.
     */
    static String globRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < glob.length(); ) {
            int c = glob.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append("\\x{").append(Integer.toHexString(c)).append('}');
            }
        }
        return sb.toString();
    }

    /** Walks a snapshot's tree; a too-deep or unreadable tree fails with a sentence naming the snapshot. */
    static void walk(Repository repo, Snapshot s, TreeWalker.ShownVisitor v, TreeWalker.Damaged damaged)
            throws java.io.IOException {
        try {
            TreeWalker.walk(repo, s.tree(), "", v, damaged);
        } catch (org.lifeboat.repository.RepositoryException e) {
            throw new org.lifeboat.repository.RepositoryException("snapshot " + s.id().shortHex() + ": " + e.getMessage(), e);
        }
    }
}
