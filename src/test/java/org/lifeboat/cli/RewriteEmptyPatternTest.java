package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * An empty pattern (an unset variable in a script: {@code --exclude "$X"}) is skipped, as restic's
 * filter.ParsePatterns does: it must not match every path, which made {@code rewrite --forget}
 * empty every snapshot.
 */
class RewriteEmptyPatternTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyExcludeRemovesNothingFromSnapshotsNorFromABackup() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/a"));
        Files.writeString(src.resolve("f.txt"), "keep\n");
        Cli cli = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        cli.run("init").ok();
        Run backup = cli.run("backup", "--exclude", "", "--iexclude", "", dir.resolve("src").toString());
        assertThat(backup.exit()).as("%s", backup).isZero();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        String id = restic.snapshotIds().getFirst();

        Run rw = cli.run("rewrite", "--forget", "--exclude", "", "--iexclude", "");
        assertThat(rw.exit()).as("%s", rw).isZero();
        assertThat(rw.out() + rw.err()).contains("nothing to rewrite").doesNotContain("removed 1 entry");
        assertThat(restic.snapshotIds()).containsExactly(id);
        assertThat(restic.run("ls", "latest").out()).contains(src.resolve("f.txt").toString());
    }
}
