package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * restore's fixes from the "look into snapshots / restore" review: patterns inside ID:folder,
 * --overwrite if-changed repairing metadata and --verify comparing it, one path for warnings
 * (text or restic's JSON error objects), and counters that add up (restic 0.17's summary).
 */
class RestoreSubfolderAndMetadataTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Path src;
    Cli cli;
    String id;

    @BeforeEach
    void setUp() throws Exception {
        cli = Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("docs/sub"));
        Files.writeString(src.resolve("docs/sub/a.txt"), "a\n");
        Files.writeString(src.resolve("docs/b.txt"), "bb\n");
        Files.writeString(src.resolve("top.txt"), "top\n");
        Files.createLink(src.resolve("docs/b-link.txt"), src.resolve("docs/b.txt"));
        Files.createSymbolicLink(src.resolve("docs/lnk"), Path.of("b.txt"));
        Files.setPosixFilePermissions(src.resolve("docs/b.txt"), PosixFilePermissions.fromString("rw-r-----"));
        run("setfattr", "-n", "user.colour", "-v", "blue", src.resolve("top.txt").toString());
        id = Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", List.of(cmd), out).isZero();
    }

    private static JsonNode summary(Run r) throws Exception {
        for (String l : r.out().lines().toList()) {
            JsonNode n = JSON.readTree(l);
            if (n.path("message_type").asText().equals("summary")) return n;
        }
        throw new AssertionError("no summary in " + r);
    }

    @Test
    void includeAndExcludeMatchPathsInsideTheRestoredFolder() throws Exception {
        // restic's docs: "restic restore 79766175:/work --target /tmp/restore-work --include /foo"
        Path in = dir.resolve("in");
        cli.run("restore", id + ":" + src + "/docs", "--target", in.toString(), "--include", "/sub").ok();
        assertThat(in.resolve("sub/a.txt")).hasContent("a");
        assertThat(in.resolve("b.txt")).doesNotExist();
        Path ex = dir.resolve("ex");
        cli.run("restore", id + ":" + src, "--target", ex.toString(), "--exclude", "/docs").ok();
        assertThat(ex.resolve("top.txt")).hasContent("top");
        assertThat(ex.resolve("docs")).doesNotExist();
        // an --include that matches nothing is said (stderr), not passed over in silence
        Run none = cli.run("restore", id + ":" + src + "/docs", "--target", dir.resolve("none").toString(),
                "--include", src + "/docs/sub").ok();
        assertThat(none.err()).contains("warning: ").contains("matches the --include");
    }

    @Test
    void aMalformedPatternIsRefusedAsResticRefusesItBeforeAnythingIsWritten() throws Exception {
        Path t = dir.resolve("bad");
        for (String opt : List.of("--include", "--exclude", "--iinclude", "--iexclude")) {
            Run r = cli.run("restore", id, "--target", t.toString(), opt, "[abc");
            assertThat(r.exit()).as(opt).isEqualTo(1);
            assertThat(r.err()).as(opt).contains(opt + ": invalid pattern(s) provided: [abc").doesNotContain("Exception");
        }
        assertThat(t).doesNotExist();
    }

    @Test
    void ifChangedRepairsModeOwnerAndXattrsOfUnchangedFilesAndVerifyComparesThem() throws Exception {
        Path t = dir.resolve("t");
        cli.run("restore", id, "--target", t.toString()).ok();
        Path top = t.resolve(src.toString().substring(1) + "/top.txt");
        Path b = t.resolve(src.toString().substring(1) + "/docs/sub/a.txt");
        Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(top, "unix:uid", 4242);
        run("setfattr", "-x", "user.colour", top.toString());
        Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwx------"));

        // never leaves them: --verify now names what differs (mode, owner, xattr), exit 1
        Run never = cli.run("restore", id, "--target", t.toString(), "--overwrite", "never", "--verify");
        assertThat(never.exit()).as("%s", never).isEqualTo(1);
        assertThat(never.err()).contains("top.txt: mode 0777, the snapshot 0644").contains("owner 4242:")
                .contains("extended attribute user.colour").contains("a.txt: mode 0700");

        // if-changed (with and without --verify) gives unchanged files the snapshot's metadata
        cli.run("restore", id, "--target", t.toString(), "--overwrite", "if-changed").ok();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(top))).isEqualTo("rw-r--r--");
        assertThat(Files.getAttribute(top, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(b))).isEqualTo("rw-r--r--");
        Run xattr = cli.run("restore", id, "--target", t.toString(), "--overwrite", "if-changed", "--verify").ok();
        assertThat(xattr.out()).contains("verified");
        Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwx------"));
        Run json = cli.run("--json", "restore", id, "--target", t.toString(), "--overwrite", "if-changed", "--verify").ok();
        assertThat(summary(json).get("verify_failure_count").asLong()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(top))).isEqualTo("rw-r--r--");
    }

    @Test
    void aSymlinkWhereTheSnapshotHasAFileIsNamedInTextAndAsResticsJsonError() throws Exception {
        Path t = dir.resolve("t");
        Path base = t.resolve(src.toString().substring(1));
        Files.createDirectories(base);
        Files.createSymbolicLink(base.resolve("top.txt"), Path.of("/etc/hostname"));
        Run text = cli.run("restore", id, "--target", t.toString(), "--overwrite", "always").ok();
        assertThat(text.err()).contains("warning: " + base.resolve("top.txt") + ": replaced the symlink there by the snapshot's file");
        assertThat(base.resolve("top.txt")).isRegularFile().hasContent("top");

        Files.delete(base.resolve("top.txt"));
        Files.createSymbolicLink(base.resolve("top.txt"), Path.of("/etc/hostname"));
        Run json = cli.run("--json", "restore", id, "--target", t.toString(), "--overwrite", "always").ok();
        List<String> errLines = json.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(errLines).isNotEmpty();
        for (String l : errLines) {
            JsonNode n = JSON.readTree(l);
            assertThat(n.get("message_type").asText()).as(l).isEqualTo("error");
            assertThat(n.get("during").asText()).isEqualTo("restore");
        }
        assertThat(json.err()).contains("replaced the symlink there by the snapshot's file");
    }

    @Test
    void countersAddUpInOneUnitAsRestic017() throws Exception {
        Path t = dir.resolve("t");
        JsonNode first = summary(cli.run("--json", "restore", id, "--target", t.toString()).ok());
        // entries: the folders below the root (each component of src, docs, sub), 4 file names
        // (one a hard link), 1 symlink; bytes: the hard-linked inode once
        int folders = src.toString().split("/").length - 1 + 2;
        assertThat(first.get("total_files").asLong()).isEqualTo(folders + 4 + 1);
        assertThat(first.get("files_restored").asLong()).isEqualTo(first.get("total_files").asLong());
        assertThat(first.get("files_skipped").asLong()).isZero();
        assertThat(first.get("total_bytes").asLong()).isEqualTo(2 + 3 + 4).isEqualTo(first.get("bytes_restored").asLong());

        JsonNode again = summary(cli.run("--json", "restore", id, "--target", t.toString(), "--overwrite", "never").ok());
        assertThat(again.get("total_files").asLong()).isEqualTo(first.get("total_files").asLong());
        // never: every file, link and symlink kept; folders still get their metadata (restored)
        assertThat(again.get("files_skipped").asLong()).isEqualTo(4 + 1);
        assertThat(again.get("files_restored").asLong() + again.get("files_skipped").asLong())
                .isEqualTo(again.get("total_files").asLong());
        assertThat(again.get("bytes_skipped").asLong()).isEqualTo(again.get("total_bytes").asLong());
        assertThat(again.get("bytes_restored").asLong()).isZero();

        // with --include, the plan and the result count the folders on the way alike
        Run inc = cli.run("restore", id, "--target", dir.resolve("i").toString(), "--include", "a.txt").ok();
        String plan = inc.out().lines().filter(l -> l.startsWith("restoring ") && l.contains(" files, ")).findFirst().orElseThrow();
        String done = inc.out().lines().filter(l -> l.startsWith("restored ")).findFirst().orElseThrow();
        assertThat(plan.replaceAll("^restoring (\\d+ files, \\d+ folders).*", "$1"))
                .isEqualTo(done.replaceAll("^restored (\\d+ files, \\d+ folders).*", "$1"))
                .isEqualTo("1 files, " + folders + " folders");
    }
}
