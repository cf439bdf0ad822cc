package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * find, ls, snapshots, stats, diff and cat against real restic on one restic-written repository
 * (issue 9: "what restic users hit on day one"): same matches, lines, numbers and JSON fields.
 */
@Tag("restic")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LookIntoSnapshotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    Path src;
    Cli lb;
    Restic restic;
    List<String> ids; // oldest first

    @BeforeAll
    void setUp() throws Exception {
        src = dir.resolve("src");
        Files.createDirectories(src.resolve("docs/sub"));
        Files.createDirectories(src.resolve("other/docs"));
        Files.writeString(src.resolve("docs/a.pdf"), "a\n");
        Files.writeString(src.resolve("docs/notes.txt"), "notes\n");
        Files.writeString(src.resolve("docs/sub/b.pdf"), "b\n");
        Files.writeString(src.resolve("other/c.pdf"), "c\n");
        Files.writeString(src.resolve("other/docs/d.PDF"), "d\n");
        Files.writeString(src.resolve("x1"), "same\n");
        Files.writeString(src.resolve("x2"), "same\n");
        byte[] big = new byte[3 << 20];
        new Random(9).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.createSymbolicLink(src.resolve("lnk"), Path.of("x1"));
        Files.setLastModifiedTime(src.resolve("docs/a.pdf"), FileTime.from(Instant.parse("2020-01-01T12:00:00Z")));
        Files.setLastModifiedTime(src.resolve("other/c.pdf"), FileTime.from(Instant.parse("2024-06-01T12:00:00Z")));
        restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString(), "--host", "h1", "--tag", "t1").ok();
        Files.writeString(src.resolve("docs/new.pdf"), "new\n");
        Files.delete(src.resolve("x2"));
        restic.run("backup", src.toString(), "--host", "h2", "--tag", "t2").ok();
        restic.run("backup", src.toString(), "--host", "h1", "--tag", "t1", "--tag", "t3").ok();
        ids = restic.snapshotIds();
        lb = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
    }

    /** The node lines of find/ls text output (paths start with '/', long lines with a mode). */
    private static Set<String> nodeLines(String out) {
        Set<String> s = new TreeSet<>();
        for (String l : out.lines().toList()) {
            if (l.startsWith("/") || l.matches("^[-dLDpSc?][-rwxsStT]{9} .*")) s.add(l);
        }
        return s;
    }

    @Test
    void findPatternsMatchPathsAsResticsFilterMatch() {
        String s = src.toString();
        for (List<String> args : List.of(List.of("docs/*.pdf"), List.of("docs"), List.of("*.pdf"), List.of("sub/**"),
                List.of(s + "/docs/*.pdf"), List.of("-i", "DOCS/*.PDF"), List.of("other/docs/*"), List.of("x?"))) {
            List<String> a = new ArrayList<>(List.of("find"));
            a.addAll(args);
            Set<String> mine = nodeLines(lb.run(a.toArray(String[]::new)).ok().out());
            Set<String> theirs = nodeLines(restic.run(a.toArray(String[]::new)).ok().out());
            assertThat(mine).as("%s", args).isEqualTo(theirs);
        }
        // the case: a pattern with a '/' found nothing
        assertThat(nodeLines(lb.run("find", "docs/*.pdf").ok().out()))
                .containsExactly(s + "/docs/a.pdf", s + "/docs/new.pdf")
                .doesNotContain(s + "/docs/sub/b.pdf");
    }

    @Test
    void findLongAndTimeRangeAsRestic() {
        for (List<String> args : List.of(List.of("-l", "*.pdf"), List.of("-l", "--oldest", "2023-01-01", "*.pdf"),
                List.of("--newest", "2021-01-01 00:00", "-l", "*.pdf"),
                List.of("--oldest", "2019-12-31 00:00:00", "--newest", "2024-12-31", "*.pdf"))) {
            List<String> a = new ArrayList<>(List.of("find"));
            a.addAll(args);
            Set<String> mine = nodeLines(lb.run(a.toArray(String[]::new)).ok().out());
            assertThat(mine).as("%s", args).isNotEmpty()
                    .isEqualTo(nodeLines(restic.run(a.toArray(String[]::new)).ok().out()));
        }
        assertThat(nodeLines(lb.run("find", "--newest", "2021-01-01", "*.pdf").ok().out()))
                .containsExactly(src + "/docs/a.pdf");
        Run bad = lb.run("find", "--oldest", "yesterday-ish", "*.pdf");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("--oldest").contains("yesterday-ish");
    }

    @Test
    void findJsonHasResticsShape() throws Exception {
        JsonNode mine = JSON.readTree(lb.run("find", "--json", "*.pdf").ok().out());
        JsonNode theirs = JSON.readTree(restic.run("find", "--json", "*.pdf").ok().out());
        assertThat(mine.size()).isEqualTo(theirs.size()).isEqualTo(3);
        Map<String, JsonNode> bySnap = new HashMap<>();
        for (JsonNode g : mine) bySnap.put(g.get("snapshot").asText(), g);
        for (JsonNode g : theirs) {
            JsonNode m = bySnap.get(g.get("snapshot").asText());
            assertThat(m).as("group of snapshot %s", g.get("snapshot")).isNotNull();
            assertThat(fieldNames(m)).containsExactlyInAnyOrderElementsOf(fieldNames(g));
            assertThat(m.get("hits")).isEqualTo(g.get("hits"));
            Map<String, JsonNode> byPath = new HashMap<>();
            for (JsonNode n : m.get("matches")) byPath.put(n.get("path").asText(), n);
            for (JsonNode n : g.get("matches")) sameFields(byPath.get(n.get("path").asText()), n);
        }
    }

    /** Every field restic prints is there with the same value (Lifeboat may add fields). */
    private static void sameFields(JsonNode mine, JsonNode theirs) {
        assertThat(mine).as("restic's %s", theirs).isNotNull();
        for (String f : fieldNames(theirs)) {
            assertThat(mine.get(f)).as("field %s of %s", f, theirs).isEqualTo(theirs.get(f));
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> l = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) l.add(it.next());
        return l;
    }

    /** restic's "Found blob/tree …" records (4 or 3 lines), as a set. */
    private static Set<String> records(String out) {
        Set<String> s = new TreeSet<>();
        StringBuilder cur = null;
        for (String l : out.lines().toList()) {
            if (l.startsWith("Found ")) {
                if (cur != null) s.add(cur.toString());
                cur = new StringBuilder(l);
            } else if (cur != null && l.startsWith(" ")) {
                cur.append('\n').append(l);
            }
        }
        if (cur != null) s.add(cur.toString());
        return s;
    }

    @Test
    void findBlobTreeAndPackAsRestic() throws Exception {
        String srcTree = JSON.readTree(restic.run("cat", "snapshot", ids.get(0)).ok().out()).get("tree").asText();
        for (Path part : src) {
            JsonNode nodes = JSON.readTree(restic.run("cat", "blob", srcTree).ok().out());
            for (JsonNode n : nodes.get("nodes")) if (n.get("name").asText().equals(part.toString())) srcTree = n.get("subtree").asText();
        }
        JsonNode srcNodes = JSON.readTree(restic.run("cat", "blob", srcTree).ok().out());
        String blob = null;
        String docsTree = null;
        for (JsonNode n : srcNodes.get("nodes")) {
            if (n.get("name").asText().equals("x1")) blob = n.get("content").get(0).asText();
            if (n.get("name").asText().equals("docs")) docsTree = n.get("subtree").asText();
        }
        assertThat(srcTree).isNotNull();
        for (String id : List.of(blob, blob.substring(0, 8))) {
            Set<String> mine = records(lb.run("find", "--blob", id).ok().out());
            assertThat(mine).as(id).hasSize(4).isEqualTo(records(restic.run("find", "--blob", id).ok().out()));
        }
        // restic 0.14 stops at the first use of a tree; Lifeboat lists every snapshot using it
        assertThat(records(lb.run("find", "--tree", docsTree).ok().out()))
                .containsAll(records(restic.run("find", "--tree", docsTree).ok().out())).hasSize(1);
        JsonNode bj = JSON.readTree(lb.run("find", "--json", "--blob", blob).ok().out());
        JsonNode rj = JSON.readTree(restic.run("find", "--json", "--blob", blob).ok().out());
        assertThat(bj.size()).isEqualTo(rj.size());
        for (JsonNode o : rj) {
            boolean found = false;
            for (JsonNode m : bj) found |= m.equals(o);
            assertThat(found).as("restic's %s", o).isTrue();
        }
        String show = restic.run("find", "--blob", blob, "--show-pack-id").ok().out();
        String pack = show.lines().filter(l -> l.startsWith("Object belongs to pack ")).findFirst().orElseThrow().substring(23);
        Run mineShow = lb.run("find", "--blob", blob, "--show-pack-id").ok();
        assertThat(mineShow.out()).contains("Object belongs to pack " + pack);
        Run byPack = lb.run("find", "--pack", pack.substring(0, 8)).ok();
        assertThat(records(byPack.out())).containsAll(records(lb.run("find", "--blob", blob).ok().out()));
        assertThat(lb.run("find", "--pack", "--blob", blob).exit()).isEqualTo(1);
    }

    @Test
    void lsPathListsTheFolderAndItsContentAsRestic() {
        String latest = ids.get(ids.size() - 1);
        for (List<String> args : List.of(List.of(latest, src + "/docs"), List.of(latest, src + "/docs", "--recursive"),
                List.of(latest), List.of("-l", latest, src + "/docs"), List.of("-l", latest), List.of(latest, src + "/x1"),
                List.of(latest, src + "/nothing-here"))) {
            List<String> a = new ArrayList<>(List.of("ls"));
            a.addAll(args);
            Run mine = lb.run(a.toArray(String[]::new)).ok();
            assertThat(nodeLines(mine.out())).as("%s", args).isEqualTo(nodeLines(restic.run(a.toArray(String[]::new)).ok().out()));
        }
        assertThat(nodeLines(lb.run("ls", latest, src + "/docs").ok().out()))
                .contains(src + "/docs", src + "/docs/sub").doesNotContain(src + "/docs/sub/b.pdf");
    }

    @Test
    void lsJsonHasResticsFields() throws Exception {
        String latest = ids.get(ids.size() - 1);
        List<String> mine = lb.run("ls", "--json", latest).ok().out().lines().toList();
        List<String> theirs = restic.run("ls", "--json", latest).ok().out().lines().toList();
        assertThat(mine).hasSameSizeAs(theirs);
        for (int i = 0; i < mine.size(); i++) {
            JsonNode m = JSON.readTree(mine.get(i));
            JsonNode t = JSON.readTree(theirs.get(i));
            sameFields(m, t);
            // restic 0.15+ names the message type too
            assertThat(m.get("message_type").asText()).isEqualTo(i == 0 ? "snapshot" : "node");
        }
    }

    @Test
    void snapshotsLatestCompactAndGroupByAsRestic() throws Exception {
        for (List<String> args : List.of(List.of("--latest", "1"), List.of("--group-by", "host,tags"),
                List.of("--group-by", "paths"), List.of("--group-by", "host", "--latest", "1"), List.<String>of())) {
            List<String> a = new ArrayList<>(List.of("snapshots", "--json"));
            a.addAll(args);
            JsonNode mine = JSON.readTree(lb.run(a.toArray(String[]::new)).ok().out());
            JsonNode theirs = JSON.readTree(restic.run(a.toArray(String[]::new)).ok().out());
            assertThat(summary(mine)).as("%s", args).isEqualTo(summary(theirs));
        }
        String compact = lb.run("snapshots", "--compact").ok().out();
        assertThat(compact.lines().findFirst().orElseThrow()).contains("Tags").doesNotContain("Paths");
        String grouped = lb.run("snapshots", "--group-by", "host").ok().out();
        assertThat(grouped).contains("snapshots for (host [h1]):").contains("snapshots for (host [h2]):");
        assertThat(restic.run("snapshots", "--group-by", "host").ok().out()).contains("snapshots for (host [h1]):");
    }

    /** Groups (their group_key) and the IDs in each, or the IDs of an ungrouped list; field names checked too. */
    private static Set<String> summary(JsonNode list) {
        Set<String> s = new TreeSet<>();
        for (JsonNode e : list) {
            if (e.has("group_key")) {
                List<String> snaps = new ArrayList<>();
                for (JsonNode sn : e.get("snapshots")) snaps.add(sn.get("id").asText() + fieldNames(sn));
                s.add(e.get("group_key").toString() + " " + snaps + " " + fieldNames(e));
            } else {
                s.add(e.get("id").asText() + " " + e.get("short_id").asText() + " " + fieldNames(e));
            }
        }
        return s;
    }

    @Test
    void statsModesGiveResticsNumbers() throws Exception {
        for (String mode : List.of("files-by-contents", "blobs-per-file", "restore-size", "raw-data")) {
            JsonNode mine = JSON.readTree(lb.run("stats", "--json", "--mode", mode).ok().out());
            JsonNode theirs = JSON.readTree(restic.run("stats", "--json", "--mode", mode).ok().out());
            for (String f : List.of("total_size", "total_file_count", "total_blob_count", "snapshots_count")) {
                assertThat(mine.path(f).asLong(0)).as("%s %s", mode, f).isEqualTo(theirs.path(f).asLong(0));
            }
            String text = lb.run("stats", "--mode", mode).ok().out();
            assertThat(text).contains("Stats in " + mode + " mode:");
            if (theirs.path("total_blob_count").asLong(0) > 0) {
                assertThat(text).contains("Total Blob Count:  " + theirs.get("total_blob_count").asLong());
            }
        }
        // one snapshot too
        JsonNode one = JSON.readTree(lb.run("stats", "--json", "--mode", "blobs-per-file", ids.get(0)).ok().out());
        JsonNode oneR = JSON.readTree(restic.run("stats", "--json", "--mode", "blobs-per-file", ids.get(0)).ok().out());
        assertThat(one.get("total_size")).isEqualTo(oneR.get("total_size"));
    }

    @Test
    void diffJsonStatisticsHaveResticsFields() throws Exception {
        List<String> mine = lb.run("diff", "--json", ids.get(0), ids.get(1)).ok().out().lines().toList();
        List<String> theirs = restic.run("diff", "--json", ids.get(0), ids.get(1)).ok().out().lines().toList();
        assertThat(mine).hasSameSizeAs(theirs);
        Set<String> changes = new LinkedHashSet<>();
        for (String l : theirs.subList(0, theirs.size() - 1)) changes.add(JSON.readTree(l).toString());
        for (String l : mine.subList(0, mine.size() - 1)) assertThat(changes).contains(JSON.readTree(l).toString());
        JsonNode m = JSON.readTree(mine.get(mine.size() - 1));
        JsonNode t = JSON.readTree(theirs.get(theirs.size() - 1));
        sameFields(m, t);
    }

    @Test
    void catMasterkeyPrintsWhatResticPrints() {
        assertThat(lb.run("cat", "masterkey").ok().out()).isEqualTo(restic.run("cat", "masterkey").ok().out());
    }
}
