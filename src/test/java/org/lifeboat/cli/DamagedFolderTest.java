package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A repository written by restic in which the tree blob of one folder (/src/d1) of the older
 * snapshot and the root tree of the newer snapshot are damaged in their pack files (one byte
 * flipped: the blob's MAC fails). find skips only the damaged folders and searches the rest, as
 * restic's find does; restore names what it could not restore and never claims more than it did.
 */
class DamagedFolderTest {
    @TempDir
    static Path dir;

    static Cli cli;
    static Restic restic;
    /** The snapshot of src/ (d0..d3, each with a file and sub/ holding a file); /src/d1 is damaged. */
    static String older;
    /** The snapshot of other/ (one file); its root tree is damaged. */
    static String newer;
    static Id d1Tree;
    static Id d3SubTree;

    @BeforeAll
    static void build() throws Exception {
        Path repo = dir.resolve("repo");
        restic = new Restic(repo, dir.resolve("cache"));
        restic.run("init").ok();
        for (String d : List.of("d0", "d1", "d2", "d3")) {
            Files.createDirectories(dir.resolve("src").resolve(d).resolve("sub"));
            Files.writeString(dir.resolve("src").resolve(d).resolve("f-" + d + ".txt"), d + "\n");
            Files.writeString(dir.resolve("src").resolve(d).resolve("sub").resolve("g-" + d + ".txt"), "s" + d + "\n");
        }
        restic.runIn(dir, "backup", "src").ok();
        Files.createDirectories(dir.resolve("other"));
        Files.writeString(dir.resolve("other").resolve("o.txt"), "other\n");
        restic.runIn(dir, "backup", "other", "--time", "2030-01-01 00:00:00").ok();
        List<String> ids = restic.snapshotIds();
        older = ids.get(0).substring(0, 8);
        newer = ids.get(1).substring(0, 8);
        ObjectMapper m = new ObjectMapper();
        JsonNode olderSnap = m.readTree(restic.run("cat", "snapshot", ids.get(0)).ok().out());
        JsonNode newerSnap = m.readTree(restic.run("cat", "snapshot", ids.get(1)).ok().out());
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            d1Tree = TreeWalker.subtree(r, Id.parse(olderSnap.get("tree").asText()), "/src/d1");
            d3SubTree = TreeWalker.subtree(r, Id.parse(olderSnap.get("tree").asText()), "/src/d3/sub");
            damage(r, repo, d1Tree);
            damage(r, repo, Id.parse(newerSnap.get("tree").asText()));
        }
        cli = new Cli(repo, Cli.passwordFile(dir));
    }

    /** Flips a byte in the middle of a tree blob's ciphertext inside its pack file. */
    private static void damage(Repository r, Path repo, Id tree) throws Exception {
        PackedBlob b = r.index().lookup(BlobType.TREE, tree);
        String hex = b.pack().hex();
        Failures.flipByte(repo.resolve("data").resolve(hex.substring(0, 2)).resolve(hex), b.offset() + b.length() / 2);
    }

    private static List<String> paths(String out) {
        return out.lines().filter(l -> l.startsWith("/")).sorted().toList();
    }

    @Test
    void findSkipsOnlyTheDamagedFolderAndSearchesTheRestOfEverySnapshot() {
        Run r = cli.run("find", "*.txt");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(paths(r.out())).containsExactly("/src/d0/f-d0.txt", "/src/d0/sub/g-d0.txt", "/src/d2/f-d2.txt",
                "/src/d2/sub/g-d2.txt", "/src/d3/f-d3.txt", "/src/d3/sub/g-d3.txt");
        // the same matches as restic's find, which skips an unloadable tree and goes on
        Run judge = restic.run("find", "*.txt");
        assertThat(paths(r.out())).isEqualTo(paths(judge.out()));
        // each damaged folder once, by its path and snapshot; nothing says the rest was not searched
        List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).startsWith("warning: not searched in snapshot " + newer + ": the content of folder / ");
        assertThat(warnings.get(1)).startsWith("warning: not searched in snapshot " + older + ": the content of folder /src/d1 ");
        assertThat(r.err()).doesNotContain("the rest of this snapshot was not searched")
                .contains("Fatal: 2 damaged folders were not searched");
    }

    @Test
    void findByTreeIdAlsoGoesOnPastTheDamagedFolder() {
        // /src/d3/sub lies after the damaged /src/d1 in the walk
        Run r = cli.run("find", "--tree", d3SubTree.hex());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        assertThat(r.out()).contains("Found tree " + d3SubTree.hex()).contains(" ... path /src/d3/sub");
        assertThat(r.err()).contains("the content of folder /src/d1 ").doesNotContain("the rest of this snapshot");
    }

    @Test
    void restoreOfADamagedRootSaysNothingWasRestored() {
        Path target = dir.resolve("t-root");
        Run r = cli.run("restore", newer, "--target", target.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        String fatal = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(fatal).doesNotContain("were restored").contains("nothing could be restored").contains("folder /");
        assertThat(r.err()).doesNotContain("all other files were restored");
        // the same for ID:folder when that folder is the damaged one
        Run sub = cli.run("restore", older + ":/src/d1", "--target", dir.resolve("t-d1").toString());
        assertThat(Failures.fatal(sub, ExitCodes.FATAL)).contains("nothing could be restored").contains("folder /src/d1");
    }

    @Test
    void jsonSummaryCountsTheDamagedFolderAsDamagedNotRestored() throws Exception {
        Path target = dir.resolve("t-json");
        Run r = cli.run("--json", "restore", older, "--target", target.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        JsonNode summary = summary(r);
        assertThat(summary.get("damaged")).hasSize(1);
        assertThat(summary.get("damaged").get(0).asText()).startsWith("/src/d1 ");
        long total = summary.get("total_files").asLong();
        long restored = summary.get("files_restored").asLong();
        assertThat(restored).as("the damaged folder is not counted as restored").isLessThan(total);
        assertThat(total).isEqualTo(restored + summary.get("files_skipped").asLong() + summary.get("damaged").size());
        assertThat(target.resolve("src/d2/sub/g-d2.txt")).hasContent("sd2");
        assertThat(target.resolve("src/d1/f-d1.txt")).doesNotExist();
    }

    @Test
    void aDamagedFileIsCountedAsDamagedNotRestored() throws Exception {
        Path repo = dir.resolve("repo-file");
        Restic own = new Restic(repo, dir.resolve("cache"));
        own.run("init").ok();
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("a.txt"), "the content of a, damaged\n");
        Files.writeString(files.resolve("b.txt"), "b\n");
        own.runIn(dir, "backup", "files").ok();
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            PackedBlob a = r.index().lookup(BlobType.DATA, Id.hash("the content of a, damaged\n".getBytes()));
            String hex = a.pack().hex();
            Failures.flipByte(repo.resolve("data").resolve(hex.substring(0, 2)).resolve(hex), a.offset() + a.length() / 2);
        }
        Run r = new Cli(repo, Cli.passwordFile(dir)).run("--json", "restore", "latest", "--target", dir.resolve("t-file").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FATAL);
        JsonNode summary = summary(r);
        assertThat(summary.get("damaged")).hasSize(1);
        // files, a.txt, b.txt: 3 entries, a.txt damaged
        assertThat(summary.get("total_files").asLong()).isEqualTo(3);
        assertThat(summary.get("files_restored").asLong()).isEqualTo(2);
    }

    private static JsonNode summary(Run r) throws Exception {
        JsonNode summary = null;
        for (String l : r.out().lines().toList()) {
            JsonNode n = new ObjectMapper().readTree(l);
            if ("summary".equals(n.path("message_type").asText())) summary = n;
        }
        assertThat(summary).as(r.toString()).isNotNull();
        return summary;
    }

    @Test
    void aPathThroughTheDamagedFolderIsRefusedNamingIt() {
        Path target = dir.resolve("t-sub");
        Run r = cli.run("restore", older + ":/src/d1/sub", "--target", target.toString());
        String fatal = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(fatal).contains("folder /src/d1 ").contains("/src/d1/sub");
        assertThat(target).doesNotExist();
    }
}
