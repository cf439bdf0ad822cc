package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Names holding a newline, a NUL or a '/' do not crash ls, find, diff or stats, and are printed
 * quoted and escaped: a name with a newline cannot forge a second output line, and "x/y" cannot
 * pass for a file y in a folder x.
 */
/** Names are printed as restic 0.15+ does: a path with a non-printable character is quoted like Go's strconv.Quote. */
class HostileNamesTest {
    @TempDir
    Path dir;

    Cli cli;
    Id hostile;
    Id empty;
    /** Names that are sound for TreeRules (a newline is allowed in a name) but must be escaped. */
    Id sound;

    @BeforeEach
    void setUp() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("x");
            hostile = r.snapshot(r.tree(RawRepo.file("a\n/etc/forged", 1, x), RawRepo.file("c\0d", 1, x),
                    RawRepo.file("x/y", 1, x), RawRepo.file("plain", 1, x)));
            empty = r.snapshot(r.tree());
            sound = r.snapshot(r.tree(RawRepo.file("a\netc", 1, x), RawRepo.file("plain", 1, x)));
            cli = r.cli(dir);
        }
    }

    private static List<String> paths(Run r) {
        return r.out().lines().filter(l -> l.matches("^(\\+ +)?\"?/.*")).toList();
    }

    @Test
    void lsEscapes() {
        Run r = cli.run("ls", sound.shortHex()).ok();
        Failures.assertNoStackTrace(r);
        assertThat(paths(r)).containsExactly("\"/a\\netc\"", "/plain");
        assertThat(r.out().lines()).doesNotContain("etc\"");
    }

    /** A tree with names holding '/' or NUL breaks TreeRules: ls reports it (names escaped) and lists none of it. */
    @Test
    void lsReportsATreeOfUnsafeNamesWithTheNamesEscaped() {
        Run r = cli.run("ls", hostile.shortHex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        Failures.assertNoStackTrace(r);
        assertThat(paths(r)).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly("warning: not listed: the content of folder / is damaged: "
                + "name \"a\\x0a/etc/forged\" contains '/' and 2 more problems");
    }

    @Test
    void findEscapes() {
        Run r = cli.run("find", "-s", sound.shortHex(), "*").ok();
        assertThat(paths(r)).containsExactly("\"/a\\netc\"", "/plain");
        // the tree of unsafe names is not searched, and its names are escaped in the report
        Run h = cli.run("find", "-s", hostile.shortHex(), "*");
        assertThat(h.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(h.err()).contains("name \"a\\x0a/etc/forged\" contains '/'").doesNotContain("a\n/etc");
    }

    @Test
    void diffEscapes() {
        Run r = cli.run("diff", empty.shortHex(), hostile.shortHex()).ok();
        assertThat(paths(r)).containsExactlyInAnyOrder("+    \"/a\\n/etc/forged\"", "+    \"/c\\x00d\"", "+    /x/y",
                "+    /plain");
    }

    @Test
    void statsCountsWithoutCrashing() {
        assertThat(cli.run("stats", sound.shortHex()).ok().out()).contains("Total File Count:  2");
        Run r = cli.run("stats", hostile.shortHex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.out()).contains("Total File Count:  0");
        assertThat(r.err()).contains("not counted: the content of folder / is damaged");
    }
}
