package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A snapshot whose folder /sub holds a node of type "whiteout", which restic 0.14 never writes (a
 * newer restic's type, or a hostile repository's): every command lists or skips that entry alone,
 * as restic does, instead of refusing the whole folder.
 */
class UnknownNodeTypeTest {
    @TempDir
    static Path dir;

    static Cli cli;
    static Path pw;
    static Id snap;
    static Id plainSnap;
    static Id subTree;
    static byte[] subTreeBytes;

    @BeforeAll
    static void build() throws Exception {
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id a = r.data("alpha\n");
            ObjectNode whiteout = RawRepo.file("x", 0);
            whiteout.put("type", "whiteout");
            whiteout.remove("size");
            whiteout.putNull("content");
            subTree = r.tree(RawRepo.file("a.txt", 6, a), whiteout, RawRepo.file("z.txt", 6, a));
            snap = r.snapshot(r.tree(RawRepo.dir("sub", subTree)));
            plainSnap = r.snapshot(r.tree(RawRepo.dir("sub", r.tree(RawRepo.file("a.txt", 6, a)))));
            subTreeBytes = r.repository().loadBlob(BlobType.TREE, subTree); // as stored (after the flush)
            cli = r.cli(dir);
        }
        pw = dir.resolve("rawrepo-password");
    }

    @Test
    void lsListsTheEntryWithItsTypeNameAsRestic() {
        Run ls = cli.run("ls", snap.shortHex()).ok();
        List<String> paths = ls.out().lines().filter(l -> l.startsWith("/")).toList();
        assertThat(paths).containsExactly("/sub", "/sub/a.txt", "/sub/x", "/sub/z.txt");
        // restic 0.14, the judge, lists the same entries
        Run restic = new Restic(cli.repo(), dir.resolve("cache"), RawRepo.PASSWORD).run("ls", snap.hex());
        assertThat(restic.exit()).as(restic.toString()).isZero();
        assertThat(restic.out().lines().filter(l -> l.startsWith("/")).toList()).isEqualTo(paths);
        Run json = cli.run("--json", "ls", snap.shortHex()).ok();
        assertThat(json.out()).contains("\"name\":\"x\",\"type\":\"whiteout\",\"path\":\"/sub/x\"");
        Run longLs = cli.run("ls", "-l", snap.shortHex()).ok();
        assertThat(longLs.out()).containsPattern("(?m)^-rw-r--r-- +0 +0 +0 .* /sub/x$");
    }

    @Test
    void restoreSkipsOnlyThatEntryNamingItsPathAndTypeAndExitsPartial() throws Exception {
        Path target = dir.resolve("target");
        Run r = cli.run("restore", snap.shortHex(), "--target", target.toString(), "--verify");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(Files.readString(target.resolve("sub/a.txt"))).isEqualTo("alpha\n");
        assertThat(Files.readString(target.resolve("sub/z.txt"))).isEqualTo("alpha\n");
        assertThat(target.resolve("sub/x")).doesNotExist();
        assertThat(r.err()).contains("warning: /sub/x: not restored: its type \"whiteout\" is not one this version knows")
                .doesNotContain("Exception").doesNotContain("verification failed");
    }

    @Test
    void checkReportsTheTypeAsResticDoesAndNothingElse() {
        Run check = cli.run("check");
        assertThat(check.exit()).as(check.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(check.out() + check.err()).contains("node \"x\" has type \"whiteout\", which this version does not know")
                .doesNotContain("invalid tree").doesNotContain("not in the index");
        // restic 0.14 also fails check for it ("node \"x\" with invalid type \"whiteout\"")
        Run restic = new Restic(cli.repo(), dir.resolve("cache"), RawRepo.PASSWORD).run("check");
        assertThat(restic.exit()).as(restic.toString()).isEqualTo(1);
        assertThat(restic.out() + restic.err()).contains("invalid type \"whiteout\"");
    }

    @Test
    void copyCopiesTheTreeByteForByte() throws Exception {
        Path dst = dir.resolve("copy-target");
        Cli.raw(null, "-r", dst.toString(), "--password-file", pw.toString(), "init").ok();
        Run copy = Cli.raw(null, "-r", dst.toString(), "--password-file", pw.toString(), "copy",
                "--from-repo", cli.repo().toString(), "--from-password-file", pw.toString(), snap.hex());
        assertThat(copy.exit()).as(copy.toString()).isZero();
        Repository target = Repository.open(new LocalBackend(dst), RawRepo.PASSWORD);
        try {
            target.loadIndex();
            assertThat(target.loadBlob(BlobType.TREE, subTree)).isEqualTo(subTreeBytes);
        } finally {
            target.close();
        }
    }

    @Test
    void findDiffDumpAndStatsGoOn() {
        Run find = cli.run("find", "x").ok();
        assertThat(find.out()).contains("/sub/x");
        Run diff = cli.run("diff", plainSnap.shortHex(), snap.shortHex()).ok();
        assertThat(diff.out()).contains("+    /sub/x").contains("+    /sub/z.txt");
        Run dumpDir = cli.run("dump", "--archive", "zip", snap.shortHex(), "/sub");
        assertThat(dumpDir.exit()).as(dumpDir.toString()).isZero();
        Run dumpX = cli.run("dump", snap.shortHex(), "/sub/x");
        assertThat(dumpX.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(dumpX.err()).contains("/sub/x is a \"whiteout\" entry, not a file or folder").doesNotContain("Exception");
        Run stats = cli.run("--json", "stats", snap.shortHex()).ok();
        assertThat(stats.out()).contains("\"total_size\":12");
    }
}
