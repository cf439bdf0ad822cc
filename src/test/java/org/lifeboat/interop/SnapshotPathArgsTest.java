package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * How ls, dump and find read the paths they are given, against real restic on one restic-written
 * repository: {@code ID:folder} resolved once for every command, paths cleaned as Go's path.Clean,
 * each entry listed once, and restic's stdout (nothing for no match, its --show-pack-id line).
 */
@Tag("restic")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotPathArgsTest {
    @TempDir
    static Path dir;

    Path src;
    String x;
    Cli lb;
    Restic restic;
    String id;

    @BeforeAll
    void setUp() throws Exception {
        src = dir.resolve("src");
        Files.createDirectories(src.resolve("docs/sub"));
        Files.createDirectories(src.resolve("priv/deep"));
        Files.writeString(src.resolve("docs/a.pdf"), "a\n");
        Files.writeString(src.resolve("docs/sub/b.txt"), "b\n");
        Files.writeString(src.resolve("priv/deep/s.txt"), "s\n");
        x = src.toString();
        restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", x).ok();
        id = restic.snapshotIds().getFirst().substring(0, 8);
        lb = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
    }

    private static String body(Run r) {
        // without the "snapshot … filtered by …:" header line
        return r.out().lines().filter(l -> !l.startsWith("snapshot ")).reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void dumpReadsItsPathInsideIdColonFolder() {
        Run file = lb.run("dump", id + ":" + x + "/docs", "/a.pdf").ok();
        assertThat(file.out()).isEqualTo("a\n");
        // the folder itself: only what is inside it, not the whole snapshot
        Run tar = lb.run("dump", id + ":" + x + "/docs", "/").ok();
        assertThat(tar.out()).contains("a.pdf").contains("sub/b.txt").doesNotContain("s.txt").doesNotContain("priv");
        // a folder the snapshot lacks is refused, naming it, whatever PATH says
        Run missing = lb.run("dump", id + ":/nonexistent", x + "/docs/a.pdf");
        assertThat(missing.exit()).as("%s", missing).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).contains("/nonexistent").doesNotContain("Exception");
        Run missingFile = lb.run("dump", id + ":" + x + "/docs", "/zzz.pdf");
        assertThat(missingFile.exit()).isEqualTo(1);
        assertThat(missingFile.err()).contains(x + "/docs/zzz.pdf").contains(id);
    }

    @Test
    void pathsAreCleanedAsResticCleansThem() {
        for (String p : new String[] {x + "/docs/../priv", x + "//priv/./", x + "/docs/sub/../../priv"}) {
            Run mine = lb.run("ls", id, p).ok();
            assertThat(body(mine)).as(p).isEqualTo(body(restic.run("ls", id, p).ok()))
                    .isEqualTo(x + "/priv\n" + x + "/priv/deep\n");
        }
        assertThat(lb.run("dump", id, x + "/docs/../priv/deep/s.txt").ok().out())
                .isEqualTo(restic.run("dump", id, x + "/docs/../priv/deep/s.txt").ok().out()).isEqualTo("s\n");
        // ID:folder is cleaned too
        assertThat(lb.run("dump", id + ":" + x + "/docs/../priv/", "deep//s.txt").ok().out()).isEqualTo("s\n");
        assertThat(body(lb.run("ls", id + ":" + x + "/./docs/sub/..", "/sub").ok())).isEqualTo("/sub\n/sub/b.txt\n");
    }

    @Test
    void lsListsEachEntryOnceAsRestic() {
        String[][] cases = {{x + "/docs", x + "/docs/sub"}, {x + "/docs/sub", x + "/docs"}, {x + "/docs", x + "/docs"}};
        for (String[] c : cases) {
            String mine = body(lb.run("ls", id, c[0], c[1]).ok());
            assertThat(mine).as("%s %s", c[0], c[1]).isEqualTo(body(restic.run("ls", id, c[0], c[1]).ok()));
            assertThat(mine.lines().distinct().count()).isEqualTo(mine.lines().count());
        }
        String rec = body(lb.run("ls", id, "--recursive", x + "/docs", x + "/docs/sub").ok());
        assertThat(rec).isEqualTo(x + "/docs\n" + x + "/docs/a.pdf\n" + x + "/docs/sub\n" + x + "/docs/sub/b.txt\n");
    }

    @Test
    void findWithoutMatchPrintsNothingOnStdoutAsRestic() {
        Run mine = lb.run("find", "zzz").ok();
        assertThat(mine.out()).isEqualTo(restic.run("find", "zzz").ok().out()).isEmpty();
    }

    @Test
    void findShowPackIdPrintsResticsLine() throws Exception {
        // the blob ID of a.pdf's content, from restic's own tree
        String tree = restic.json("cat", "snapshot", id).get("tree").asText();
        String cur = tree;
        for (String part : (x.substring(1) + "/docs").split("/")) {
            for (var n : restic.json("cat", "blob", cur).get("nodes")) {
                if (n.get("name").asText().equals(part)) cur = n.get("subtree").asText();
            }
        }
        String content = null;
        for (var n : restic.json("cat", "blob", cur).get("nodes")) {
            if (n.get("name").asText().equals("a.pdf")) content = n.get("content").get(0).asText();
        }
        String theirs = restic.run("find", "--blob", content, "--show-pack-id").ok().out();
        String mine = lb.run("find", "--blob", content, "--show-pack-id").ok().out();
        String packLine = theirs.lines().filter(l -> l.startsWith(" ... Pack ")).findFirst().orElseThrow();
        assertThat(packLine).matches(" \\.\\.\\. Pack [0-9a-f]{8}: <Blob \\(data\\) [0-9a-f]{8}, offset \\d+, length \\d+, uncompressed length \\d+>");
        assertThat(mine.lines().filter(l -> l.startsWith(" ... Pack ") || l.startsWith("Object belongs")).toList())
                .isEqualTo(theirs.lines().filter(l -> l.startsWith(" ... Pack ") || l.startsWith("Object belongs")).toList());
    }

    @Test
    void snapshotsLatestIsPerHostAndPathsInsideEachGroupAsRestic() throws Exception {
        Restic r2 = new Restic(dir.resolve("repo2"), dir.resolve("cache2"));
        r2.run("init").ok();
        r2.run("backup", x + "/docs", "--host", "h1", "--tag", "t").ok();
        r2.run("backup", x + "/docs", "--host", "h1", "--tag", "t").ok();
        r2.run("backup", x + "/docs", "--host", "h2", "--tag", "t").ok();
        r2.run("backup", x + "/priv", "--host", "h1", "--tag", "t").ok();
        r2.run("backup", x + "/priv", "--host", "h1").ok();
        Cli lb2 = new Cli(dir.resolve("repo2"), Cli.passwordFile(dir));
        String[] a = {"snapshots", "--json", "--latest", "1", "--group-by", "tags"};
        var mine = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lb2.run(a).ok().out());
        var theirs = r2.json(a);
        assertThat(groups(mine)).isEqualTo(groups(theirs));
        // the tag group "t" keeps one per host and paths: h1 docs, h2 docs, h1 priv
        assertThat(groups(mine).get("[\"t\"]")).hasSize(3);
        // no header for the empty key (the untagged snapshot), as restic
        String[] t = {"snapshots", "--latest", "1", "--group-by", "tags"};
        assertThat(headers(lb2.run(t).ok().out())).isEqualTo(headers(r2.run(t).ok().out())).containsExactly("snapshots for (tags [t]):");
    }

    @Test
    void diffShowsSymlinkTargetsAndXattrsAsResticAndItsStatisticsLines() throws Exception {
        Path d = Files.createDirectories(dir.resolve("diffsrc"));
        Files.writeString(d.resolve("f.txt"), "one\n");
        Files.writeString(d.resolve("x.txt"), "x\n");
        Files.createSymbolicLink(d.resolve("lnk"), Path.of("f.txt"));
        Restic r3 = new Restic(dir.resolve("repo3"), dir.resolve("cache3"));
        r3.run("init").ok();
        r3.run("backup", d.toString()).ok();
        Files.writeString(d.resolve("f.txt"), "two\n");
        Files.delete(d.resolve("lnk"));
        Files.createSymbolicLink(d.resolve("lnk"), Path.of("x.txt"));
        new ProcessBuilder("setfattr", "-n", "user.k", "-v", "v", d.resolve("x.txt").toString()).start().waitFor();
        Files.createDirectories(d.resolve("newdir"));
        r3.run("backup", d.toString()).ok();
        List<String> ids3 = r3.snapshotIds();
        Cli lb3 = new Cli(dir.resolve("repo3"), Cli.passwordFile(dir));
        for (String[] a : new String[][] {{"diff", ids3.get(0), ids3.get(1)}, {"diff", "--metadata", ids3.get(0), ids3.get(1)}}) {
            // the folders above diffsrc differ only in ctime/atime, which restic's U also compares and Lifeboat does not
            java.util.function.Predicate<String> kept = l -> !l.startsWith("comparing") && !(l.startsWith("U ") && !l.contains("/diffsrc/"));
            List<String> mine = lb3.run(a).ok().out().lines().filter(kept).toList();
            List<String> theirs = r3.run(a).ok().out().lines().filter(kept).toList();
            assertThat(mine).as(String.join(" ", a)).isEqualTo(theirs);
        }
        assertThat(lb3.run("diff", ids3.get(0), ids3.get(1)).ok().out()).contains("M    " + d + "/f.txt").doesNotContain("/lnk");
    }

    /** group key's tags → the set of snapshot IDs in that group. */
    private static java.util.Map<String, java.util.Set<String>> groups(com.fasterxml.jackson.databind.JsonNode arr) {
        java.util.Map<String, java.util.Set<String>> m = new java.util.TreeMap<>();
        for (var g : arr) {
            var ids = new java.util.TreeSet<String>();
            for (var s : g.get("snapshots")) ids.add(s.get("id").asText());
            var tags = g.get("group_key").get("tags");
            m.put(tags == null || tags.isNull() || tags.isEmpty() ? "[]" : tags.toString(), ids);
        }
        return m;
    }

    private static java.util.List<String> headers(String out) {
        return out.lines().filter(l -> l.startsWith("snapshots")).sorted().toList();
    }
}
