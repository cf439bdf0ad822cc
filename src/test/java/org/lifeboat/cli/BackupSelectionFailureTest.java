package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * A backup whose selection leaves nothing, or whose selection options are wrong, is refused with
 * one sentence and exit 1, and no snapshot is saved.
 */
class BackupSelectionFailureTest {
    @TempDir
    Path dir;

    private Path src;
    private Cli lb;

    @BeforeEach
    void setUp() throws Exception {
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("sub/b.txt"), "b");
        lb = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        lb.run("init").ok();
    }

    @Test
    void aPatternMatchingAFolderAboveTheTargetIsRefused() {
        // The first component of the temporary folder (tmp, usually): patterns match absolute paths.
        String above = dir.getName(0).toString().toUpperCase(Locale.ROOT);
        Run r = lb.run("backup", src.toString(), "--iexclude", above);
        refused(r, "nothing in backup target " + src, "pattern \"" + above + "\" (--iexclude)", "leading /");
    }

    @Test
    void aTargetWhoseEveryEntryIsExcludedIsRefused() {
        Run r = lb.run("backup", src.toString(), "--exclude", src + "/*");
        refused(r, "nothing in backup target " + src, "each of its 2 entries is excluded", src + "/a.txt");
    }

    @Test
    void oneWhollyExcludedTargetAmongOthersIsRefused() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("c.txt"), "c");
        Run r = lb.run("backup", other.toString(), src.toString(), "--exclude", "src");
        refused(r, "nothing in backup target " + src, "pattern \"src\" (--exclude)");
    }

    @Test
    void everyFileTooLargeIsRefused() {
        Run r = lb.run("backup", src.toString(), "--exclude-larger-than", "0", "--exclude", "sub");
        refused(r, "each of its 2 entries is excluded");
    }

    @Test
    void aListWithNoPathsIsRefused() throws Exception {
        Path list = dir.resolve("list");
        Files.writeString(list, "# only a comment\n\n");
        refused(lb.run("backup", "--files-from", list.toString()), "nothing to back up", "--files-from");
    }

    @Test
    void aGlobListMatchingNothingIsRefused() throws Exception {
        Path list = dir.resolve("list");
        Files.writeString(list, dir + "/nope-*\n");
        Run r = lb.run("backup", "--files-from", list.toString());
        refused(r, "nothing to back up");
        assertThat(r.err()).contains("nope-*");
    }

    @Test
    void aMissingListIsNamed() {
        Path list = dir.resolve("missing-list");
        refused(lb.run("backup", "--files-from", list.toString()), list + " does not exist");
        refused(lb.run("backup", "--files-from-verbatim", list.toString()), list + " does not exist");
        refused(lb.run("backup", "--files-from-raw", list.toString()), list + " does not exist");
        refused(lb.run("backup", src.toString(), "--iexclude-file", list.toString()), list + " does not exist");
    }

    @Test
    void aRawListWithoutItsLastNulIsRefused() throws Exception {
        Path list = dir.resolve("raw");
        Files.writeString(list, src + "/a.txt");
        refused(lb.run("backup", "--files-from-raw", list.toString()), "--files-from-raw " + list, "NUL");
        Files.writeString(list, src + "/a.txt\0\0");
        refused(lb.run("backup", "--files-from-raw", list.toString()), "empty name");
    }

    @Test
    void aMalformedGlobIsRefused() throws Exception {
        Path list = dir.resolve("list");
        Files.writeString(list, src + "/[a\n");
        refused(lb.run("backup", "--files-from", list.toString()), "is not a valid glob", "[a");
    }

    @Test
    void badSizesAndTagSpecsAreRefused() {
        refused(lb.run("backup", src.toString(), "--exclude-larger-than", "12x"), "--exclude-larger-than", "\"12x\" is not a size");
        refused(lb.run("backup", src.toString(), "--exclude-larger-than", "-1k"), "\"-1k\" is not a size");
        refused(lb.run("backup", src.toString(), "--exclude-larger-than", "99999999999t"), "too large");
        refused(lb.run("backup", src.toString(), "--exclude-if-present", ":HEADER"), "names no file");
    }

    @Test
    void standardInputCannotBeBothDataAndList() throws Exception {
        Path list = dir.resolve("list");
        Files.writeString(list, src + "\n");
        refused(lb.run("backup", "--stdin", "--files-from", list.toString()), "--stdin cannot be used with --files-from");
    }

    private void refused(Run r, String... parts) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains(parts).doesNotContain("Exception", "internal error", "Unknown option");
        assertThat(r.err().strip().lines().count()).as(r.err()).isLessThanOrEqualTo(2);
        assertThat(lb.run("snapshots", "--json").ok().out().strip()).isEqualTo("[]");
    }
}
