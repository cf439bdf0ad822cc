package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * check reports every rule a tree breaks (TreeRules: empty, ".", "..", '/'-holding and NUL-holding
 * names, duplicates, unsorted names) as an error naming the tree's ID, its path and the snapshot,
 * and exits 1; escaped names keep each error on one line.
 */
class CheckHostileTreeTest {
    @TempDir
    Path dir;

    @Test
    void everyBrokenRuleIsAnErrorWithTreeAndPath() throws Exception {
        Id sub;
        Id snap;
        Cli cli;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("x");
            sub = r.tree(RawRepo.file("", 1, x), RawRepo.file(".", 1, x), RawRepo.file("..", 1, x),
                    RawRepo.file("a/b", 1, x), RawRepo.file("c\0d", 1, x), RawRepo.file("dup", 1, x),
                    RawRepo.file("dup", 1, x), RawRepo.file("z", 1, x), RawRepo.file("y", 1, x));
            snap = r.snapshot(r.tree(RawRepo.dir("sub", sub)));
            cli = r.cli(dir);
        }
        Run run = cli.run("check");
        assertThat(fatal(run, ExitCodes.FATAL)).contains("repository contains 7 errors");
        String where = "error: tree " + sub.shortHex() + " (/sub in snapshot " + snap.shortHex() + "): ";
        List<String> errors = run.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).containsExactlyInAnyOrder(
                where + "empty name",
                where + "name \".\" is not a file name",
                where + "name \"..\" is not a file name",
                where + "name \"a/b\" contains '/'",
                where + "name \"c\\x00d\" contains a NUL byte",
                where + "name \"dup\" appears more than once",
                where + "names are not sorted (\"z\" before \"y\")");
    }

    @Test
    void soundTreesPass() throws Exception {
        Cli cli;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("x");
            r.snapshot(r.tree(RawRepo.dir("sub", r.tree(RawRepo.file("a", 1, x), RawRepo.file("b", 1, x)))));
            cli = r.cli(dir);
        }
        Run run = cli.run("check").ok();
        assertThat(run.err()).doesNotContain("error:");
    }
}
