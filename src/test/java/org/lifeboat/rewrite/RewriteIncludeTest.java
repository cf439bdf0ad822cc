package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * {@code rewrite --include} (restic 0.19): only the matching entries are kept, with the folders on
 * their way; a matching folder is kept even when empty; a snapshot in which nothing matches is
 * left as it is. Judged by restic 0.14's {@code ls} and {@code check}.
 */
@Tag("restic")
class RewriteIncludeTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheIncludedFilesAndTheFoldersOnTheirWayAreKept() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/pics/2024"));
        Files.writeString(src.resolve("cat.JPG"), "jpeg\n");
        Files.writeString(src.resolve("notes.txt"), "text\n");
        Files.writeString(src.getParent().resolve("dog.jpg"), "jpeg too\n");
        Files.createDirectories(dir.resolve("src/docs/deep"));
        Files.writeString(dir.resolve("src/docs/deep/a.txt"), "a\n");
        Files.createDirectories(dir.resolve("src/keep/empty"));
        Path root = dir.resolve("src");
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", root.toString()).ok();
        String original = restic.snapshotIds().getFirst();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));

        Run r = lifeboat.run("rewrite", "--iinclude", "*.jpg", "--include", "empty", "--forget");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("  " + root + "/docs/").contains("  " + root + "/pics/2024/notes.txt")
                .contains("recorded in the new summary: 2 files, 14 bytes").contains("modified 1 snapshot");
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(1).doesNotContain(original);
        List<String> ls = restic.run("ls", ids.getFirst()).ok().out().lines().skip(1)
                .filter(l -> l.startsWith(root.toString())).toList();
        assertThat(ls).containsExactly(root.toString(), root + "/keep", root + "/keep/empty", root + "/pics",
                root + "/pics/2024", root + "/pics/2024/cat.JPG", root + "/pics/dog.jpg");
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();

        // nothing matches: restic leaves the snapshot as it is rather than empty it
        Map<String, Long> files = RewriteResticTest.files(dir.resolve("repo"));
        Run none = lifeboat.run("rewrite", "--include", "/nowhere", "--new-host", "h", "--forget");
        assertThat(none.exit()).as(none.toString()).isZero();
        assertThat(none.out()).contains("nothing to rewrite").contains("no snapshots were modified");
        files.keySet().removeIf(k -> k.startsWith("locks/"));
        Map<String, Long> after = RewriteResticTest.files(dir.resolve("repo"));
        after.keySet().removeIf(k -> k.startsWith("locks/"));
        assertThat(after).isEqualTo(files);

        Run both = lifeboat.run("rewrite", "--include", "*.jpg", "--exclude", "*.txt");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err().strip()).isEqualTo("Fatal: exclude and include patterns are mutually exclusive");
        Run bad = lifeboat.run("rewrite", "--iinclude", "[abc");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("Fatal: --iinclude: invalid pattern(s) provided: [abc");
    }
}
