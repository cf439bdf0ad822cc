package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * check names the paths that lose data, but reads each tree once to find them: a hostile snapshot
 * whose every folder holds its subfolder twice (64 levels: 2^64 paths through 65 trees) made check,
 * and a drill's verification after it, walk forever and print nothing (brk2 C1). Now an error
 * elsewhere is reported at once, and damage inside such a tree is named up to a cap per snapshot.
 */
class CheckSharedTreesTest {
    private static final int LEVELS = 64;

    /** A snapshot of LEVELS folders, each holding the next twice (as "a" and "b"), the last holding {@code leaf}. */
    private static Id doubling(RawRepo raw, Id leaf) throws Exception {
        Id cur = leaf;
        for (int i = 0; i < LEVELS; i++) cur = raw.tree(RawRepo.dir("a", cur), RawRepo.dir("b", cur));
        return raw.snapshot(cur, List.of());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLostBlobElsewhereIsReportedWithoutWalkingEveryPathOfASharedTree(@TempDir Path dir) throws Exception {
        Id lost = Id.hash("never stored".getBytes(StandardCharsets.UTF_8));
        Id intact;
        Id damaged;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            intact = doubling(raw, raw.tree(RawRepo.file("f", 3, raw.data("hi\n"))));
            damaged = raw.snapshot(raw.tree(RawRepo.file("report.txt", 12, lost)), List.of());
        }
        Path pw = dir.resolve("pw");
        java.nio.file.Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Run r = new Cli(dir.resolve("repo"), pw).run("check");
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("snapshot " + damaged.shortHex()).contains("/report.txt is damaged")
                .doesNotContain("snapshot " + intact.shortHex());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void damageInsideASharedTreeIsNamedUpToTheCap(@TempDir Path dir) throws Exception {
        Id lost = Id.hash("never stored".getBytes(StandardCharsets.UTF_8));
        Id snap;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            snap = doubling(raw, raw.tree(RawRepo.file("f", 12, lost)));
        }
        Path pw = dir.resolve("pw");
        java.nio.file.Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Run r = new Cli(dir.resolve("repo"), pw).run("check");
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        String all = r.out() + r.err();
        long named = all.lines().filter(l -> l.contains("snapshot " + snap.shortHex()) && l.endsWith("/f is damaged")).count();
        assertThat(named).isEqualTo(1000);
        assertThat(all).contains("snapshot " + snap.shortHex() + " (").contains("and more damaged paths");
    }

    @Test
    void everyFileThatLosesDataIsNamedAlsoInAFolderDecidedAfterAnEarlierUse(@TempDir Path dir) throws Exception {
        // brk3 W1: deciding "uses a damaged blob" stops at the first use, so a later subfolder of a
        // folder already decided was never looked at, and its files were left out of the list
        Id lost = Id.hash("never stored".getBytes(StandardCharsets.UTF_8));
        Id first;
        Id second;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id sub = raw.tree(RawRepo.file("b.bin", 12, lost), RawRepo.file("c.txt", 3, raw.data("ok\n")));
            Id src = raw.tree(RawRepo.file("a.txt", 12, lost), RawRepo.dir("sub", sub));
            first = raw.snapshot(raw.tree(RawRepo.dir("src", src)), List.of());
            second = raw.snapshot(raw.tree(RawRepo.dir("other", raw.tree(RawRepo.dir("sub", sub)))), List.of());
        }
        Path pw = dir.resolve("pw");
        java.nio.file.Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Run r = new Cli(dir.resolve("repo"), pw).run("check");
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        List<String> named = (r.out() + r.err()).lines().filter(l -> l.endsWith(" is damaged")).toList();
        assertThat(named).hasSize(3).anySatisfy(l -> assertThat(l).contains(first.shortHex()).contains("/src/a.txt is damaged"))
                .anySatisfy(l -> assertThat(l).contains(first.shortHex()).contains("/src/sub/b.bin is damaged"))
                .anySatisfy(l -> assertThat(l).contains(second.shortHex()).contains("/other/sub/b.bin is damaged"));
    }
}
