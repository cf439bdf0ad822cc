package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * backup's output for people and scripts, as restic users expect it: an empty --stdin fails,
 * -v/-vv and --dry-run -v list files, and --json messages carry restic's fields with restic's types.
 */
class BackupOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void emptyStdinFailsWithExit1AndSavesNoSnapshot() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Path repo = dir.resolve("repo");
        Cli cli = Failures.init(repo, pw);
        Run r = Cli.raw(new byte[0], "-r", repo.toString(), "--password-file", pw.toString(), "backup", "--stdin",
                "--stdin-filename", "db.sql");
        assertThat(Failures.fatal(r, ExitCodes.FATAL)).isEqualTo(
                "Fatal: no data was read from standard input (--stdin); no snapshot was saved");
        assertThat(cli.run("snapshots", "--json").ok().out().strip()).isEqualTo("[]");
        // One byte is data.
        Cli.raw("x".getBytes(), "-r", repo.toString(), "--password-file", pw.toString(), "backup", "--stdin").ok();
    }

    @Test
    void verboseListsFilesWithTheirStatusAndDryRunSaysWhatItWouldAdd() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(dir.resolve("repo"), pw);
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(src.resolve("same.txt"), "unchanged\n");
        Path changes = Files.writeString(dir.resolve("src/changes.txt"), "v1\n");
        Run first = cli.run("backup", "-vv", dir.resolve("src").toString()).ok();
        assertThat(first.out().lines()).contains("new       " + src + "/");
        assertLine(first.out(), "new       " + changes + " (3 B), saved in ", "(3 B added)");
        assertLine(first.out(), "new       " + src + "/same.txt (10 B), saved in ", "(10 B added)");

        Files.writeString(changes, "version 2\n");
        Files.setLastModifiedTime(changes, java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_000L));
        Path added = Files.writeString(src.resolve("added.bin"), "12345\n");
        Run dry = cli.run("backup", "--dry-run", "-v", dir.resolve("src").toString()).ok();
        assertThat(dry.out().lines().filter(l -> l.startsWith("would add ")))
                .containsExactlyInAnyOrder("would add " + changes + " (10 B)", "would add " + added + " (6 B)");
        assertThat(dry.out()).contains("Would add to the repository: ").contains("dry run: nothing was saved");
        assertThat(cli.run("snapshots", "--json").ok().out()).doesNotContain("added.bin");

        Run second = cli.run("backup", "-vv", dir.resolve("src").toString()).ok();
        assertThat(second.out().lines()).contains("unchanged " + src + "/same.txt", "modified  " + src + "/");
        assertLine(second.out(), "modified  " + changes + " (10 B), saved in ", "(10 B added)");
        assertLine(second.out(), "new       " + added + " (6 B), saved in ", "(6 B added)");
        Run plain = cli.run("backup", "-v", dir.resolve("src").toString()).ok();
        assertThat(plain.out()).as("-v alone lists no files").doesNotContain("unchanged ");
    }

    @Test
    void jsonMessagesHaveResticsFieldsAndTypes() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        Files.write(dir.resolve("src/b.bin"), org.lifeboat.testutil.TestTrees.random(9, 700_000));
        Path pw = Cli.passwordFile(dir);
        Cli lb = Failures.init(dir.resolve("lb"), pw);
        Restic restic = new Restic(dir.resolve("rs"), dir.resolve("cache"));
        restic.run("init").ok();

        Map<String, Map<String, JsonNodeType>> want = shapes(restic.run("backup", "--json", "-v", dir.resolve("src").toString()).ok().out());
        Map<String, Map<String, JsonNodeType>> got = shapes(lb.run("backup", "--json", "-v", dir.resolve("src").toString()).ok().out());
        for (String type : List.of("summary", "verbose_status")) {
            assertThat(want).containsKey(type);
            assertThat(got.get(type)).as("%s: every field restic prints, with its type", type).containsAllEntriesOf(want.get(type));
        }
        // Fields of restic's later docs (0.17) that 0.14 does not print yet, and Lifeboat's own.
        assertThat(got.get("summary")).containsEntry("backup_start", JsonNodeType.STRING).containsEntry("backup_end", JsonNodeType.STRING)
                .containsEntry("dry_run", JsonNodeType.BOOLEAN).containsEntry("data_added_packed", JsonNodeType.NUMBER)
                .containsEntry("errors", JsonNodeType.NUMBER);
        // Folders are items with a trailing slash, as restic's.
        assertThat(lb.run("backup", "--json", "-v", "--force", dir.resolve("src").toString()).ok().out())
                .contains("\"item\":\"" + src + "/\"");
    }

    /** One line starts with {@code start}, then a duration ("0.012s "), then {@code end}. */
    private static void assertLine(String out, String start, String end) {
        assertThat(out.lines()).as("a line %s<seconds>s %s in:%n%s", start, end, out)
                .anyMatch(l -> l.startsWith(start) && l.substring(start.length()).matches("\\d+\\.\\d{3}s " + java.util.regex.Pattern.quote(end)));
    }

    /** For each message type: every key seen and its JSON type (restic 0.14's status-typed scan line left out). */
    private static Map<String, Map<String, JsonNodeType>> shapes(String ndjson) throws Exception {
        Map<String, Map<String, JsonNodeType>> out = new TreeMap<>();
        for (String l : ndjson.split("\n")) {
            if (!l.startsWith("{")) continue;
            JsonNode n = JSON.readTree(l);
            String type = n.path("message_type").asText();
            if (type.equals("status") && n.has("action")) continue;
            Map<String, JsonNodeType> m = out.computeIfAbsent(type, k -> new TreeMap<>());
            n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().getNodeType()));
        }
        return out;
    }
}
