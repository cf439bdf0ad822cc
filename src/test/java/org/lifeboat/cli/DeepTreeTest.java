package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * A snapshot whose tree nests 20,000 folders ("/a/a/…/a"): every command that walks trees refuses
 * it below TreeRules.MAX_DEPTH (2048) folders with one sentence naming the path, instead of a
 * StackOverflowError; check reports it as an error of that tree and goes on checking the rest.
 */
class DeepTreeTest {
    private static final int LEVELS = 20_000;
    /** The first folder that is too deep: 2049 levels of "/a". */
    private static final String TOO_DEEP = "folder " + "/a".repeat(30) + "/…/a (2049 levels) is nested more than 2048 folders deep; refusing to go deeper";

    @TempDir
    static Path dir;

    static Cli cli;
    static Id deep;
    static Id shallow;

    @BeforeAll
    static void build() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id t = r.tree(RawRepo.file("bottom", 1, r.data("x")));
            for (int i = 0; i < LEVELS; i++) t = r.tree(RawRepo.dir("a", t));
            deep = r.snapshot(t, "/deep");
            // a second, shallow snapshot with its own error: check must still find it
            Id lost = Id.hash("never stored".getBytes(StandardCharsets.UTF_8));
            shallow = r.snapshot(r.tree(RawRepo.file("lost", 12, lost)), "/shallow");
            cli = r.cli(dir);
        }
    }

    @Test
    void lsRefusesBelowTheDepthLimit() {
        Run r = cli.run("ls", deep.shortHex());
        assertThat(fatal(r, ExitCodes.FATAL)).contains(TOO_DEEP);
        // everything above the limit was listed, nothing below it
        assertThat(r.out().lines().filter(l -> l.startsWith("/a")).count()).isEqualTo(2049);
    }

    @Test
    void findRefusesNamingTheSnapshot() {
        Run r = cli.run("find", "bottom");
        // the deep snapshot is named in a warning, the others are still searched, exit 1
        assertThat(fatal(r, ExitCodes.FATAL)).startsWith("Fatal: 1 snapshot could not be read completely");
        assertThat(r.err()).contains("snapshot " + deep.shortHex() + ": " + TOO_DEEP);
    }

    @Test
    void diffRefuses() {
        assertThat(fatal(cli.run("diff", shallow.shortHex(), deep.shortHex()), ExitCodes.FATAL)).contains(TOO_DEEP);
    }

    @Test
    void statsRefusesNamingTheSnapshot() {
        assertThat(fatal(cli.run("stats", deep.shortHex()), ExitCodes.FATAL))
                .startsWith("Fatal: snapshot " + deep.shortHex() + ": " + TOO_DEEP);
    }

    @Test
    void checkReportsTheDeepTreeAndGoesOn() {
        Run r = cli.run("check");
        assertThat(fatal(r, ExitCodes.FATAL)).contains("repository contains 3 errors");
        assertThat(r.err().lines().filter(l -> l.startsWith("error: tree ")).toList())
                .anySatisfy(l -> assertThat(l).contains("in snapshot " + deep.shortHex() + "): " + TOO_DEEP))
                .anySatisfy(l -> assertThat(l).contains("(/ in snapshot " + shallow.shortHex() + "): file /lost needs data blob"));
    }
}
