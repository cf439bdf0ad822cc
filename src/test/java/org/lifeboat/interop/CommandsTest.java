package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** The commands beyond backup/restore/check, each checked against real files and restic. */
@Tag("restic")
class CommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path src;
    private Path pw;
    private Cli lb;
    private Restic restic;

    @BeforeEach
    void setUp() throws Exception {
        src = dir.resolve("src");
        TestTrees.everyKind(src);
        pw = Cli.passwordFile(dir);
        lb = new Cli(dir.resolve("repo"), pw);
        restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        lb.run("init").ok();
    }

    @Test
    void stdinBackupIsAFileResticRestores() throws Exception {
        byte[] dump = TestTrees.random(21, 3 * 1024 * 1024 + 17);
        Run r = Cli.process(lb.env(), dump, "backup", "--stdin", "--stdin-filename", "shop.sql", "--tag", "db");
        assertThat(r.exit()).as(r.toString()).isZero();
        restic.run("restore", "latest", "--target", dir.resolve("out").toString()).ok();
        assertThat(Files.readAllBytes(dir.resolve("out/shop.sql"))).isEqualTo(dump);
        JsonNode snaps = restic.json("snapshots", "--json");
        assertThat(snaps.get(0).get("paths").get(0).asText()).isEqualTo("/shop.sql");
        assertThat(snaps.get(0).get("tags").get(0).asText()).isEqualTo("db");
    }

    @Test
    void dumpWritesAFileOrATarOfAFolder() throws Exception {
        lb.run("backup", src.toString()).ok();
        Run file = Cli.process(lb.env(), null, "dump", "latest", src.resolve("big.bin").toString());
        assertThat(file.exit()).isZero();
        // Proc decodes stdout as UTF-8; compare through a file written by the shell instead.
        Path out = dir.resolve("big.out");
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", "-c", "\"$@\" > " + out, "sh"));
        cmd.addAll(Cli.command("dump", "latest", src.resolve("big.bin").toString()));
        Proc.run(cmd, lb.env(), null, null, 120).ok();
        assertThat(TestTrees.sha256(out)).isEqualTo(TestTrees.sha256(src.resolve("big.bin")));

        Path tar = dir.resolve("docs.tar");
        List<String> tcmd = new java.util.ArrayList<>(List.of("sh", "-c", "\"$@\" > " + tar, "sh"));
        tcmd.addAll(Cli.command("dump", "latest", src.resolve("docs").toString()));
        Proc.run(tcmd, lb.env(), null, null, 120).ok();
        Path x = Files.createDirectories(dir.resolve("x"));
        Proc.run(List.of("tar", "-xf", tar.toString(), "-C", x.toString()), Map.of(), null, null, 60).ok();
        assertThat(Files.readString(x.resolve("docs/hello.txt"))).isEqualTo("hello, world\n");
        assertThat(TestTrees.sha256(x.resolve("docs/hard-c"))).isEqualTo(TestTrees.sha256(src.resolve("hard-a")));
    }

    @Test
    void keysCanBeAddedChangedAndRemovedAndResticUsesThem() throws Exception {
        Path pw2 = dir.resolve("pw2");
        Files.writeString(pw2, "second password\n");
        lb.run("key", "add", "--new-password-file", pw2.toString()).ok();
        JsonNode keys = JSON.readTree(lb.run("key", "list", "--json").ok().out());
        assertThat(keys.size()).isEqualTo(2);
        Restic withSecond = new Restic(dir.resolve("repo"), dir.resolve("cache"), "second password");
        assertThat(withSecond.run("snapshots").exit()).isZero();

        Cli second = new Cli(dir.resolve("repo"), pw2);
        Path pw3 = dir.resolve("pw3");
        Files.writeString(pw3, "third\n");
        second.run("key", "passwd", "--new-password-file", pw3.toString()).ok();
        assertThat(second.run("snapshots").exit()).as("old password is gone").isEqualTo(12);
        assertThat(new Cli(dir.resolve("repo"), pw3).run("snapshots").exit()).isZero();

        String current = null;
        for (JsonNode k : JSON.readTree(lb.run("key", "list", "--json").ok().out())) {
            if (k.get("current").asBoolean()) current = k.get("id").asText();
        }
        Run self = lb.run("key", "remove", current.substring(0, 8));
        assertThat(self.exit()).isEqualTo(1);
        assertThat(self.err()).contains("refusing to remove the key currently in use");
    }

    @Test
    void excludesAndIncludes() throws Exception {
        Path cache = Files.createDirectories(src.resolve("cachedir"));
        Files.writeString(cache.resolve("CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n");
        Files.writeString(cache.resolve("junk"), "junk");
        Path excl = dir.resolve("excludes");
        Files.writeString(excl, "# comment\n*.bin\n");
        lb.run("backup", src.toString(), "--exclude-file", excl.toString(), "--iexclude", "*.TXT",
                "--exclude", "d3", "--exclude-caches").ok();
        String ls = lb.run("ls", "latest").ok().out();
        assertThat(ls).contains("/docs/empty", "/d0/d1/d2").doesNotContain("big.bin", "hello.txt", "/d3", "cachedir/junk");
        // As restic: the tagged folder and its tag stay, only the rest of its contents go.
        assertThat(ls).contains("/cachedir\n", "/cachedir/CACHEDIR.TAG");
        assertThat(ls).contains("sparse.img");

        lb.run("backup", src.toString()).ok();
        lb.run("restore", "latest", "--target", dir.resolve("r").toString(), "--include", "/**/docs").ok();
        Path docs = dir.resolve("r").resolve(src.toString().substring(1)).resolve("docs");
        assertThat(Files.readString(docs.resolve("hello.txt"))).isEqualTo("hello, world\n");
        assertThat(Files.exists(docs.resolveSibling("big.bin"))).isFalse();
    }

    @Test
    void statsCatAndSnapshotsJson() throws Exception {
        lb.run("backup", src.toString(), "--tag", "a", "--host", "alpha").ok();
        lb.run("backup", src.toString(), "--tag", "b", "--host", "beta").ok();
        JsonNode stats = JSON.readTree(lb.run("stats", "latest", "--json").ok().out());
        JsonNode theirs = restic.json("stats", "latest", "--json");
        assertThat(stats.get("total_size").asLong()).isEqualTo(theirs.get("total_size").asLong());
        assertThat(stats.get("total_file_count").asLong()).isEqualTo(theirs.get("total_file_count").asLong());

        JsonNode onlyAlpha = JSON.readTree(lb.run("snapshots", "--host", "alpha", "--json").ok().out());
        assertThat(onlyAlpha.size()).isEqualTo(1);
        String id = onlyAlpha.get(0).get("id").asText();
        JsonNode cat = JSON.readTree(lb.run("cat", "snapshot", id.substring(0, 10)).ok().out());
        assertThat(cat.get("tags").get(0).asText()).isEqualTo("a");
        JsonNode cfg = JSON.readTree(lb.run("cat", "config").ok().out());
        assertThat(cfg.get("version").asInt()).isEqualTo(2);
        assertThat(restic.json("cat", "config").get("chunker_polynomial")).isEqualTo(cfg.get("chunker_polynomial"));
    }

    @Test
    void backupJsonEndsWithASummaryAndUnchangedFilesAreNotRead() throws Exception {
        lb.run("backup", src.toString()).ok();
        String out = lb.run("backup", src.toString(), "--json").ok().out();
        String[] lines = out.strip().split("\n");
        JsonNode summary = JSON.readTree(lines[lines.length - 1]);
        assertThat(summary.get("message_type").asText()).isEqualTo("summary");
        assertThat(summary.get("files_new").asLong()).isZero();
        assertThat(summary.get("files_changed").asLong()).isZero();
        assertThat(summary.get("files_unmodified").asLong()).isGreaterThan(10);
        assertThat(summary.get("data_blobs").asLong()).isZero();
        for (String l : lines) assertThat(JSON.readTree(l).has("message_type")).isTrue();
        String text = new String(Files.readAllBytes(src.resolve("docs/hello.txt")), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("hello, world\n");
    }

    @Test
    void aTargetReachedThroughASymlinkedFolderRestores() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real/inner"));
        Files.writeString(real.resolve("f.txt"), "through a link\n");
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        lb.run("backup", dir.resolve("link/inner").toString()).ok();
        Run r = lb.run("restore", "latest", "--target", dir.resolve("out").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        Path restored = dir.resolve("out").resolve(dir.resolve("link/inner").toString().substring(1));
        assertThat(Files.isDirectory(restored.getParent(), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(restored.resolve("f.txt"))).isEqualTo("through a link\n");
        assertThat(restic.run("check", "--read-data").exit()).isZero();
        restic.run("restore", "latest", "--target", dir.resolve("out2").toString()).ok();
        assertThat(Files.readString(dir.resolve("out2").resolve(dir.resolve("link/inner/f.txt").toString().substring(1))))
                .isEqualTo("through a link\n");
    }
}
