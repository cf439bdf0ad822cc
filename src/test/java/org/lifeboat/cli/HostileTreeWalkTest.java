package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Trees breaking TreeRules (duplicate names, a symlink and a folder of one name, "..") met by
 * dump, ls and stats, and on the way to a path given to dump, ls and restore: the folder is
 * reported by its path, its content is left out, and the command ends with exit code 1.
 */
class HostileTreeWalkTest {
    @TempDir
    static Path dir;

    static Cli cli;
    /** /ok, /sub/ whose tree holds symlink "a" -> /outside and then folder "a" holding "pwned". */
    static Id linkFirst;
    /** /ok, /sub/ whose tree holds folder "a" (holding "pwned") and then symlink "a". */
    static Id folderFirst;
    /** /sub/ whose tree holds a folder named ".." and a folder "x". */
    static Id dotDot;
    /** A snapshot whose folder /d1 names a tree the repository does not have. */
    static Id missingSub;

    @BeforeAll
    static void build() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id pwned = r.tree(RawRepo.file("pwned", 5, r.data("owned")));
            Id ok = r.data("fine\n");
            Id sub1 = r.tree(RawRepo.symlink("a", "/outside"), RawRepo.dir("a", pwned));
            linkFirst = r.snapshot(r.tree(RawRepo.file("ok", 5, ok), RawRepo.dir("sub", sub1)));
            Id sub2 = r.tree(RawRepo.dir("a", pwned), RawRepo.symlink("a", "/outside"));
            folderFirst = r.snapshot(r.tree(RawRepo.file("ok", 5, ok), RawRepo.dir("sub", sub2)));
            Id sub3 = r.tree(RawRepo.dir("..", pwned), RawRepo.dir("x", pwned));
            dotDot = r.snapshot(r.tree(RawRepo.dir("sub", sub3)));
            missingSub = r.snapshot(r.tree(RawRepo.dir("d1", Id.parse("ee".repeat(32)))));
            cli = r.cli(dir);
        }
    }

    /** Runs dump in this JVM and returns its exit code, the tar bytes and stderr. */
    private static Dump dump(String... args) {
        synchronized (Cli.class) { // Cli.raw swaps System.out under this lock too
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(out, true));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                List<String> full = new ArrayList<>(List.of("-r", cli.repo().toString(), "--password-file",
                        dir.resolve("rawrepo-password").toString(), "dump"));
                full.addAll(List.of(args));
                int code = Main.run(full.toArray(String[]::new));
                return new Dump(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }

    private record Dump(int exit, byte[] tar, String err) {
        /** For {@link Failures#fatal}: stdout (tar bytes) left out. */
        Run asRun() {
            return new Run(exit, "", err);
        }
    }

    /** The member names of a tar, as GNU tar lists them. */
    private static List<String> members(byte[] tar) throws Exception {
        Path f = Files.createTempFile(dir, "dump", ".tar");
        Files.write(f, tar);
        Run r = Proc.run(List.of("tar", "-tf", f.toString()), Map.of(), null, null, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.out().lines().toList();
    }

    @Test
    void dumpLeavesOutASymlinkThenFolderOfOneNameAndFails() throws Exception {
        Dump d = dump(linkFirst.shortHex(), "/");
        assertThat(d.exit()).as(d.err()).isEqualTo(ExitCodes.FATAL);
        assertThat(members(d.tar())).containsExactly("ok", "sub/");
        List<String> warnings = d.err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertThat(warnings).containsExactly(
                "warning: not dumped: the content of folder /sub is damaged: name \"a\" appears more than once");
    }

    @Test
    void dumpLeavesOutAFolderThenSymlinkOfOneNameAndFails() throws Exception {
        Dump d = dump(folderFirst.shortHex(), "/sub");
        assertThat(d.exit()).as(d.err()).isEqualTo(ExitCodes.FATAL);
        assertThat(members(d.tar())).containsExactly("sub/");
        assertThat(d.err()).contains("warning: not dumped: the content of folder /sub is damaged: name \"a\" appears more than once");
    }

    @Test
    void pathsThroughADamagedTreeAreRefused() {
        String sentence = "folder /sub is damaged: name \"a\" appears more than once, so path /sub/a cannot be resolved through it";
        assertThat(fatal(dump(linkFirst.shortHex(), "/sub/a").asRun(), ExitCodes.FATAL)).contains(sentence);
        assertThat(fatal(dump(linkFirst.shortHex(), "/sub/a/pwned").asRun(), ExitCodes.FATAL))
                .contains("folder /sub is damaged: name \"a\" appears more than once, so path /sub/a/pwned cannot be resolved");
        // ls walks the tree once for all its paths (as restic): the damaged folder is named, nothing in it is listed.
        Run ls = cli.run("ls", folderFirst.shortHex(), "/sub/a");
        assertThat(ls.exit()).as(ls.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(ls.err()).contains("the content of folder /sub is damaged: name \"a\" appears more than once");
        assertThat(ls.out().lines().filter(l -> l.startsWith("/sub/a"))).isEmpty();
        Path target = dir.resolve("target");
        assertThat(fatal(cli.run("restore", linkFirst.shortHex() + ":/sub/a", "--target", target.toString()), ExitCodes.FATAL))
                .contains(sentence);
        assertThat(target).doesNotExist();
    }

    /** A path through a folder whose tree cannot be read names that folder (ls, dump and restore alike). */
    @Test
    void pathsThroughAnUnreadableFolderNameIt() {
        String because = "so path /d1/sub cannot be resolved through it";
        String dumped = fatal(dump(missingSub.shortHex(), "/d1/sub").asRun(), ExitCodes.FATAL);
        assertThat(dumped).contains("folder /d1 cannot be read (").contains(because).contains("eeeeeeee");
        Run ls = cli.run("ls", missingSub.shortHex() + ":/d1/sub");
        assertThat(fatal(ls, ExitCodes.FATAL)).contains("folder /d1 cannot be read (").contains(because);
    }

    @Test
    void aDotDotNameInAListedFolderIsNamedAndNotFollowed() {
        // "/sub/../sub" is cleaned to "/sub" first, as restic cleans every path (Go's path.Clean);
        // the ".." inside /sub is then named as damage and nothing below it is listed.
        Run ls = cli.run("ls", dotDot.shortHex(), "/sub/../sub");
        assertThat(ls.exit()).as(ls.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(ls.err()).contains("the content of folder /sub is damaged: name \"..\" is not a file name");
        assertThat(ls.out().lines().filter(l -> l.startsWith("/sub/"))).isEmpty();
    }

    @Test
    void lsReportsTheDamagedFolderOnceAndListsTheRest() {
        Run r = cli.run("ls", linkFirst.shortHex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.out().lines().filter(l -> l.startsWith("/")).toList()).containsExactly("/ok", "/sub");
        assertThat(r.err().lines().toList()).containsExactly(
                "warning: not listed: the content of folder /sub is damaged: name \"a\" appears more than once");
    }

    @Test
    void statsReportsTheDamagedFolderAndCountsTheRest() {
        Run r = cli.run("--json", "stats", linkFirst.shortHex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.out()).contains("\"total_size\":5").contains("\"total_file_count\":2");
        assertThat(r.err().lines().toList()).containsExactly("warning: snapshot " + linkFirst.shortHex()
                + ": not counted: the content of folder /sub is damaged: name \"a\" appears more than once");
    }

    @Test
    void findSearchesWhatARestoreWouldRestoreAndReportsTheDamagedFolder() {
        Run r = cli.run("find", "-s", linkFirst.shortHex(), "*");
        Run all = cli.run("find", "pwned");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.out()).contains("/ok").contains("/sub").doesNotContain("/sub/a");
        assertThat(r.err()).contains("not searched in snapshot " + linkFirst.shortHex()
                + ": the content of folder /sub is damaged: name \"a\" appears more than once");
        // pwned lies only inside damaged folders: never found, and every snapshot says why
        assertThat(all.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(all.out()).doesNotContain("pwned");
    }
}
