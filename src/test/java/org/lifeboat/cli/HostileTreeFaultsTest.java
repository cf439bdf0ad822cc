package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.fs.Posix;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Trees with wrong values: one-sentence errors naming node and field, find goes on past a
 * damaged snapshot, and restore counts every entry it could not make as failed (exit 1).
 */
class HostileTreeFaultsTest {
    @TempDir
    Path dir;

    @Test
    void findReportsADamagedSnapshotAndSearchesTheOthers() throws Exception {
        Cli cli;
        Id bad;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("x");
            r.snapshot(r.tree(RawRepo.file("a.txt", 1, x)));
            ObjectNode neg = RawRepo.file("b.txt", 1, x);
            neg.put("size", -5);
            bad = r.snapshot(r.tree(RawRepo.file("a.txt", 1, x), neg));
            r.snapshot(r.tree(RawRepo.file("a.txt", 1, x)));
            cli = r.cli(dir);
        }
        Run f = cli.run("find", "a.txt");
        Failures.assertNoStackTrace(f);
        assertThat(f.exit()).as(f.toString()).isEqualTo(1);
        // the two good snapshots are searched, before and after the damaged one
        assertThat(f.out().lines().filter(l -> l.equals("/a.txt")).count()).as(f.toString()).isEqualTo(2);
        assertThat(f.err()).contains("snapshot " + bad.shortHex())
                .contains("node 2 (\"b.txt\"): size is -5, not a non-negative integer")
                .doesNotContain("Source:").doesNotContain("REDACTED").doesNotContain("line:");
        assertThat(f.err().lines().filter(l -> l.startsWith("warning:")).count()).isEqualTo(1);
    }

    @Test
    void wrongJsonTypesGiveOneSentence() throws Exception {
        Cli cli;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            ObjectNode n = RawRepo.file("c.txt", 1);
            n.put("uid", "root");
            r.snapshot(r.tree(n));
            cli = r.cli(dir);
        }
        Run f = cli.run("ls", "latest");
        assertThat(f.exit()).isEqualTo(1);
        assertThat(f.err()).contains("node 1 (\"c.txt\"): uid is a string, not an integer")
                .doesNotContain("Source:").doesNotContain("at [");
        Run restore = cli.run("restore", "latest", "--target", dir.resolve("out").toString());
        assertThat(restore.exit()).isEqualTo(1);
        assertThat(restore.err()).contains("uid is a string, not an integer").doesNotContain("Source:");
    }

    @Test
    void aDeviceNodeThatCannotBeMadeIsAFailedEntry() throws Exception {
        Cli cli;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("x");
            ObjectNode dev = RawRepo.file("dev0", 0);
            dev.put("type", "chardev");
            dev.put("mode", 0x4000000L | 0x200000L | 0600);
            dev.remove("content");
            dev.remove("size");
            // More than the kernel's 32-bit device number: mknod fails, even for root.
            dev.put("device", 1L << 40);
            r.snapshot(r.tree(dev, RawRepo.file("ok.txt", 1, x)));
            cli = r.cli(dir);
        }
        Path out = dir.resolve("out");
        Run res = cli.run("restore", "latest", "--target", out.toString());
        Failures.assertNoStackTrace(res);
        assertThat(res.exit()).as(res.toString()).isEqualTo(1);
        assertThat(res.err()).contains("error: not restored: /dev0");
        assertThat(Files.readString(out.resolve("ok.txt"))).isEqualTo("x");
    }

    @Test
    void aFileShorterThanItsSizeIsDamaged() throws Exception {
        Cli cli;
        try (RawRepo r = RawRepo.create(dir.resolve("repo"))) {
            Id x = r.data("sixsix");
            r.snapshot(r.tree(RawRepo.file("ok.txt", 6, x), RawRepo.file("short.txt", 100, x)));
            cli = r.cli(dir);
        }
        Path out = dir.resolve("out");
        Run res = cli.run("restore", "latest", "--target", out.toString());
        Failures.assertNoStackTrace(res);
        assertThat(res.exit()).as(res.toString()).isEqualTo(1);
        assertThat(res.err()).contains("error: damaged in the repository: /short.txt")
                .contains("disagree").doesNotContain("ok.txt");
        Path f = out.resolve("short.txt");
        assertThat(Files.readString(f)).isEqualTo("sixsix");
        // never the snapshot's mtime (2024-01-02), like any damaged file
        long snapshotMtime = java.time.OffsetDateTime.parse("2024-01-02T03:04:05Z").toEpochSecond();
        assertThat(Posix.lstat(f).mtimeSec()).isNotEqualTo(snapshotMtime);
        assertThat(Posix.lstat(out.resolve("ok.txt")).mtimeSec()).isEqualTo(snapshotMtime);
    }
}
