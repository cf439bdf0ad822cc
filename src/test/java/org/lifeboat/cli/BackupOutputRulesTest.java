package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * backup's output and stored shape as restic's: JSON status/scan_finished messages, files counted
 * as restic counts them, --stdin-filename with folders, symlinked cache tags followed.
 */
class BackupOutputRulesTest {
    @TempDir
    Path dir;

    private Cli cli() throws Exception {
        return Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
    }

    private static List<JsonNode> messages(String out) throws Exception {
        List<JsonNode> l = new ArrayList<>();
        for (String line : out.split("\n")) if (line.startsWith("{")) l.add(Json.MAPPER.readTree(line));
        return l;
    }

    @Test
    void jsonPrintsAStatusAndScanFinishedBeforeTheSummary() throws Exception {
        Cli cli = cli();
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a"), "hello");
        Files.writeString(src.resolve("b"), "world!");
        List<JsonNode> m = messages(cli.run("--json", "-v", "backup", src.toString()).ok().out());
        List<String> types = m.stream().map(n -> n.path("message_type").asText() + ":" + n.path("action").asText()).toList();
        int status = types.lastIndexOf("status:");
        int scan = types.indexOf("verbose_status:scan_finished");
        int summary = types.indexOf("summary:");
        assertThat(status).as("a status message in %s", types).isGreaterThanOrEqualTo(0).isLessThan(summary);
        assertThat(scan).as("scan_finished in %s", types).isGreaterThanOrEqualTo(0).isLessThan(summary);
        assertThat(types.lastIndexOf("verbose_status:scan_finished")).isEqualTo(scan);
        JsonNode sf = m.get(scan);
        assertThat(sf.get("total_files").asLong()).isEqualTo(2);
        assertThat(sf.get("data_size").asLong()).isEqualTo(11);
        assertThat(m.get(status).get("files_done").asLong()).isEqualTo(2);
    }

    @Test
    void specialFilesAreNotCountedAsProcessedFiles() throws Exception {
        Cli cli = cli();
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("nowhere"));
        new ProcessBuilder("mkfifo", src.resolve("fifo").toString()).start().waitFor();
        List<JsonNode> m = messages(cli.run("--json", "backup", src.toString()).ok().out());
        JsonNode summary = m.getLast();
        assertThat(summary.get("message_type").asText()).isEqualTo("summary");
        long sum = summary.get("files_new").asLong() + summary.get("files_changed").asLong()
                + summary.get("files_unmodified").asLong();
        assertThat(summary.get("total_files_processed").asLong()).isEqualTo(sum).isZero();
    }

    @Test
    void stdinFilenameMayHoldFoldersAsInRestic() throws Exception {
        Cli cli = cli();
        Run r = Cli.raw("data\n".getBytes(), "-r", dir.resolve("repo").toString(), "--password-file",
                dir.resolve("password").toString(), "backup", "--stdin", "--stdin-filename", "/var/backups//db.sql");
        r.ok();
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        String ls = restic.run("ls", "latest").ok().out();
        assertThat(ls).contains("/var\n").contains("/var/backups\n").contains("/var/backups/db.sql");
        assertThat(restic.run("snapshots", "--json").ok().out()).contains("\"paths\":[\"/var/backups/db.sql\"]");
        assertThat(restic.run("dump", "latest", "/var/backups/db.sql").ok().out()).isEqualTo("data\n");
        restic.run("check").ok();
        Run bad = Cli.raw("x".getBytes(), "-r", dir.resolve("repo").toString(), "--password-file",
                dir.resolve("password").toString(), "backup", "--stdin", "--stdin-filename", "a/../../etc/x");
        assertThat(Failures.fatal(bad, 1)).contains("..");
    }

    @Test
    void aSymlinkedCacheTagIsFollowed() throws Exception {
        Cli cli = cli();
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("cache"));
        Path real = dir.resolve("real-tag");
        Files.writeString(real, "Signature: 8a477f597d28d172789f06886806bc55\n");
        Files.createSymbolicLink(src.resolve("cache/CACHEDIR.TAG"), real);
        Files.writeString(src.resolve("cache/junk"), "junk");
        Files.writeString(src.resolve("keep"), "keep");
        Run r = cli.run("backup", dir.resolve("src").toString(), "--exclude-caches").ok();
        assertThat(r.err()).doesNotContain("not a regular file");
        String ls = cli.run("ls", "latest").ok().out();
        assertThat(ls).contains("/keep").contains("CACHEDIR.TAG").doesNotContain("junk");
    }
}
