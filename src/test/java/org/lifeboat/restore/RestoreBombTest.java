package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/** A tree that reuses one subtree at every level (2^40 paths from a few KB) is refused up front. */
class RestoreBombTest {
    @TempDir
    Path dir;

    @Test
    void twoToTheFortyPathsAreRefusedQuicklyWithABoundedHeap() throws Exception {
        Path repo = dir.resolve("repo");
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id t = r.tree(RawRepo.file("f", 4, r.data("bomb")));
            for (int i = 0; i < 40; i++) t = r.tree(RawRepo.dir("a", t), RawRepo.dir("b", t));
            snap = r.snapshot(t).hex();
        }
        Path pw = dir.resolve("pw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Path target = dir.resolve("target");
        List<String> cmd = new ArrayList<>(Cli.command("-r", repo.toString(), "--password-file", pw.toString(),
                "restore", snap, "--target", target.toString()));
        cmd.add(1, "-Xmx64m");
        long t0 = System.nanoTime();
        Run r = Proc.run(cmd, Map.of(), null, null, 120);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        List<String> fatal = r.err().lines().filter(l -> l.startsWith("Fatal: ")).toList();
        assertThat(fatal).hasSize(1);
        assertThat(fatal.getFirst()).contains("snapshot " + snap.substring(0, 8)).contains("needs at least")
                .contains("free").contains("nothing was restored");
        assertThat(secs).as("refused within seconds").isLessThan(30);
        assertThat(target).doesNotExist();
    }

    @Test
    void theCountIsSaidUpFront() throws Exception {
        Path repo = dir.resolve("repo");
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id sub = r.tree(RawRepo.file("x", 5, r.data("hello")), RawRepo.file("y", 5, r.data("world")));
            snap = r.snapshot(r.tree(RawRepo.dir("d", sub), RawRepo.file("z", 3, r.data("abc")))).hex();
        }
        Path pw = dir.resolve("pw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Run r = new Cli(repo, pw).run("restore", snap, "--target", dir.resolve("t").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out() + r.err()).contains("restoring 3 files, 1 folders, 13 B");
    }
}
