package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * What restic users hit on their first restore: folders made on the way to a match keep the
 * snapshot's mode, owner and times (as restic's); folder/file clashes in the target; the
 * case-insensitive patterns and --overwrite if-newer; restic 0.17's --json messages.
 */
class RestoreDayOneTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant OLD = Instant.parse("2020-01-02T03:04:05.123456789Z");

    @TempDir
    Path dir;

    Path src;
    Cli cli;
    Restic restic;
    String id;

    @BeforeEach
    void setUp() throws Exception {
        Path repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        restic = new Restic(repo, dir.resolve("cache"));
        src = Files.createDirectories(dir.resolve("src"));
        Path sub = Files.createDirectories(src.resolve("priv/sub"));
        Files.writeString(sub.resolve("a.txt"), "secret\n");
        Files.writeString(sub.resolve("b.log"), "log\n");
        Files.writeString(src.resolve("clash"), "file in the snapshot\n");
        Files.createDirectories(src.resolve("tree"));
        Files.writeString(src.resolve("tree/inside"), "x\n");
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("priv"), PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(src.resolve("priv"), "unix:uid", 1234);
        Files.setAttribute(src.resolve("priv"), "unix:gid", 4321);
        Files.setLastModifiedTime(sub, FileTime.from(OLD));
        Files.setLastModifiedTime(src.resolve("priv"), FileTime.from(OLD.plusSeconds(60)));
        id = Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    private String in(String rel) {
        return src + "/" + rel;
    }

    private static String meta(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) + " "
                + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) + " "
                + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
    }

    @Test
    void foldersOnTheWayToAnIncludeMatchGetTheSnapshotsModeOwnerAndTimesAsWithRestic() throws Exception {
        Path ours = dir.resolve("ours");
        Path theirs = dir.resolve("theirs");
        cli.run("restore", id, "--target", ours.toString(), "--include", in("priv/sub/a.txt")).ok();
        restic.run("restore", id, "--target", theirs.toString(), "--include", in("priv/sub/a.txt")).ok();

        String priv = src.toString().substring(1) + "/priv";
        assertThat(meta(ours.resolve(priv))).as("the private folder above the match")
                .isEqualTo("rwx------ 1234:4321 " + OLD.plusSeconds(60));
        assertThat(meta(ours.resolve(priv + "/sub"))).isEqualTo("rwxr-x--- 0:0 " + OLD);
        assertThat(ours.resolve(priv + "/sub/b.log")).doesNotExist();
        // Every folder as restic leaves it: the target (made now: its mode and owner), then each
        // folder of the snapshot down to the match (mode, owner and times).
        assertThat(meta(ours).replaceAll(" [^ ]+$", "")).isEqualTo(meta(theirs).replaceAll(" [^ ]+$", ""));
        String rel = "";
        for (String part : (src.toString().substring(1) + "/priv/sub").split("/")) {
            rel = rel.isEmpty() ? part : rel + "/" + part;
            assertThat(meta(ours.resolve(rel))).as("/%s", rel).isEqualTo(meta(theirs.resolve(rel)));
        }
    }

    @Test
    void theTargetOfASubfolderRestoreAndFoldersAroundExcludesAreNotLeftOpen() throws Exception {
        // restic 0.14 has no ID:subfolder; restic 0.17 makes a missing target 0700 (MkdirAll(dst, 0700)).
        Path ours = dir.resolve("new/ours");
        cli.run("restore", id + ":" + in("priv"), "--target", ours.toString(), "--exclude", "a.txt").ok();
        assertThat(meta(ours)).as("a new target is private").startsWith("rwx------");
        assertThat(meta(ours.getParent())).as("and so are the folders made above it").startsWith("rwx------");
        // sub's times are set after b.log was written into it
        assertThat(meta(ours.resolve("sub"))).isEqualTo("rwxr-x--- 0:0 " + OLD);
        assertThat(ours.resolve("sub/a.txt")).doesNotExist();
        assertThat(ours.resolve("sub/b.log")).hasContent("log");
    }

    @Test
    void aFolderWhereTheSnapshotHasAFileIsNamedAndTheRestIsRestored() throws Exception {
        Path t = dir.resolve("t");
        String base = src.toString().substring(1);
        Files.createDirectories(t.resolve(base + "/clash/keep"));
        Files.writeString(t.resolve(base + "/clash/keep/mine"), "mine\n");
        Files.createDirectories(t.resolve(base + "/tree").getParent());
        Files.writeString(t.resolve(base + "/tree"), "a file where the snapshot has a folder\n");

        Run r = cli.run("restore", id, "--target", t.toString(), "--overwrite", "always");
        // As restic 0.17: a non-empty folder is not removed (an error for that path, exit 1); the file
        // in the way of a folder is replaced; everything else is restored.
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        Failures.assertNoStackTrace(r);
        assertThat(r.err()).contains("error: not restored: " + in("clash") + ": the target has a non-empty folder at "
                + t.resolve(base + "/clash") + " where the snapshot has a file");
        assertThat(r.err()).contains("warning: " + t.resolve(base + "/tree") + ": replaced the file there by the"
                + " snapshot's folder " + in("tree"));
        assertThat(r.err().lines().filter(l -> l.startsWith("Fatal: ")).toList()).hasSize(1);
        assertThat(t.resolve(base + "/clash/keep/mine")).hasContent("mine");
        assertThat(t.resolve(base + "/tree/inside")).hasContent("x");
        assertThat(t.resolve(base + "/priv/sub/a.txt")).hasContent("secret");
    }

    @Test
    void anEmptyFolderWhereTheSnapshotHasAFileIsReplacedWithAWarning() throws Exception {
        Path t = dir.resolve("t");
        String base = src.toString().substring(1);
        Files.createDirectories(t.resolve(base + "/clash"));
        Run r = cli.run("restore", id, "--target", t.toString(), "--overwrite", "always");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.err()).contains("warning: " + t.resolve(base + "/clash") + ": replaced the empty folder there"
                + " by the snapshot's file");
        assertThat(t.resolve(base + "/clash")).hasContent("file in the snapshot");
    }

    @Test
    void caseInsensitivePatterns() throws Exception {
        Path a = dir.resolve("a");
        cli.run("restore", id, "--target", a.toString(), "--iinclude", "*.TXT").ok();
        String sub = src.toString().substring(1) + "/priv/sub";
        assertThat(a.resolve(sub + "/a.txt")).hasContent("secret");
        assertThat(a.resolve(sub + "/b.log")).doesNotExist();
        assertThat(meta(a.resolve(sub))).isEqualTo("rwxr-x--- 0:0 " + OLD);

        Path b = dir.resolve("b");
        cli.run("restore", id, "--target", b.toString(), "--iexclude", "*.TXT", "--iexclude", "/" + src.toString()
                .substring(1).toUpperCase(java.util.Locale.ROOT) + "/TREE").ok();
        assertThat(b.resolve(sub + "/a.txt")).doesNotExist();
        assertThat(b.resolve(src.toString().substring(1) + "/tree")).doesNotExist();
        assertThat(b.resolve(sub + "/b.log")).hasContent("log");
    }

    @Test
    void overwriteIfNewerReplacesOnlyOlderFiles() throws Exception {
        Path t = dir.resolve("t");
        String sub = src.toString().substring(1) + "/priv/sub";
        Files.createDirectories(t.resolve(sub));
        Path older = Files.writeString(t.resolve(sub + "/a.txt"), "older\n");
        Files.setLastModifiedTime(older, FileTime.from(OLD));
        Path newer = Files.writeString(t.resolve(sub + "/b.log"), "newer\n");
        Files.setLastModifiedTime(newer, FileTime.from(Instant.now().plusSeconds(3600)));

        Run r = cli.run("--json", "restore", id, "--target", t.toString(), "--overwrite", "if-newer");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(older).hasContent("secret");
        assertThat(newer).hasContent("newer");
        JsonNode summary = lastOfType(r.out(), "summary");
        assertThat(summary.get("files_skipped").asLong()).isEqualTo(1);
        assertThat(summary.get("bytes_skipped").asLong()).isEqualTo(4);
    }

    @Test
    void jsonMessagesAreResticsFieldForField() throws Exception {
        Path t = dir.resolve("t");
        Run r = cli.run("--json", "-v", "restore", id, "--target", t.toString());
        assertThat(r.exit()).as("%s", r).isZero();
        JsonNode summary = lastOfType(r.out(), "summary");
        // restic 0.17's summary fields (doc/075_scripting.rst), with their types
        for (String f : List.of("seconds_elapsed", "total_files", "files_restored", "files_skipped", "files_deleted",
                "total_bytes", "bytes_restored", "bytes_skipped")) {
            assertThat(summary.get(f)).as(f).isNotNull();
            assertThat(summary.get(f).isIntegralNumber()).as(f).isTrue();
        }
        // entries, as restic 0.17 counts them: 4 files and every folder below the root (src's own
        // components, priv, priv/sub, tree)
        long entries = 4 + (src.toString().split("/").length - 1) + 3;
        assertThat(summary.get("files_restored").asLong()).isEqualTo(entries);
        assertThat(summary.get("total_files").asLong()).isEqualTo(entries);
        assertThat(summary.get("total_bytes").asLong()).isEqualTo(7 + 4 + 21 + 2);
        assertThat(summary.get("bytes_restored").asLong()).isEqualTo(34);
        assertThat(summary.get("dirs_restored")).as("Lifeboat's own fields stay").isNotNull();
        List<JsonNode> verbose = ofType(r.out(), "verbose_status");
        assertThat(verbose).anySatisfy(v -> {
            assertThat(v.get("action").asText()).isEqualTo("restored");
            assertThat(v.get("item").asText()).isEqualTo(in("priv/sub/a.txt"));
            assertThat(v.get("size").asLong()).isEqualTo(7);
        });
        assertThat(verbose).anySatisfy(v -> assertThat(v.get("item").asText()).isEqualTo(in("priv")));

        // Again with one file kept and one entry that cannot be written: "unchanged" and an error object.
        String base = src.toString().substring(1);
        Files.delete(t.resolve(base + "/clash"));
        Files.createDirectories(t.resolve(base + "/clash/keep"));
        Run again = cli.run("--json", "-v", "restore", id, "--target", t.toString(), "--overwrite", "if-changed");
        assertThat(again.exit()).as("%s", again).isEqualTo(ExitCodes.FATAL);
        assertThat(ofType(again.out(), "verbose_status")).anySatisfy(v -> {
            assertThat(v.get("action").asText()).isEqualTo("unchanged");
            assertThat(v.get("item").asText()).isEqualTo(in("priv/sub/a.txt"));
        });
        JsonNode err = ofType(again.err(), "error").getFirst();
        assertThat(err.get("during").asText()).isEqualTo("restore");
        assertThat(err.get("item").asText()).isEqualTo(in("clash"));
        assertThat(err.get("error").get("message").asText()).contains("non-empty folder");
    }

    private static List<JsonNode> ofType(String lines, String type) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines.lines().toList()) {
            if (!l.startsWith("{")) continue;
            JsonNode n = JSON.readTree(l);
            if (type.equals(n.path("message_type").asText())) out.add(n);
        }
        return out;
    }

    private static JsonNode lastOfType(String lines, String type) throws Exception {
        List<JsonNode> l = ofType(lines, type);
        assertThat(l).as("a %s message in:\n%s", type, lines).isNotEmpty();
        return l.getLast();
    }
}
