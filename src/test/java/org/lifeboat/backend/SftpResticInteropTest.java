package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OpenSshServer;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * restic 0.14 is the judge over sftp: both tools reach the same repository on the real sshd (restic
 * through its ssh command, Lifeboat with its own client), and each reads, checks and restores what
 * the other wrote.
 */
@Tag("restic")
@Tag("slow")
class SftpResticInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final OpenSshServer server = OpenSshServer.shared();

    /** restic's scp-like location (it takes the port and key from sftp.command); Lifeboat takes -p from sftp.args. */
    private String location(String name) throws java.io.IOException {
        Path folder = server.dir().resolve("interop-" + name + "-" + System.nanoTime());
        return "sftp:root@127.0.0.1:" + folder;
    }

    private Run lifeboat(String location, Path pw, String... args) {
        List<String> all = new ArrayList<>(List.of("-r", location, "--password-file", pw.toString(),
                "-o", "sftp.args=-p " + server.port() + " " + server.sftpArgs()));
        all.addAll(List.of(args));
        return Cli.raw(null, all.toArray(String[]::new));
    }

    private Restic restic(String location) {
        return new Restic(Path.of(location), dir.resolve("cache"));
    }

    private Run restic(String location, String... args) {
        List<String> all = new ArrayList<>(List.of("-o", "sftp.command=" + server.sshCommand()));
        all.addAll(List.of(args));
        return restic(location).run(all.toArray(String[]::new));
    }

    private Path src() {
        return dir.resolve("src");
    }

    /** Fills src() with every kind of file and a random big.bin of {@code bigBytes}; returns the password file. */
    private Path source(int seed, int bigBytes) throws Exception {
        TestTrees.everyKind(src());
        Files.write(src().resolve("big.bin"), TestTrees.random(seed, bigBytes));
        TestTrees.setTimes(src());
        return Cli.passwordFile(dir);
    }

    private Path restored(Path target) {
        return target.resolve(src().toString().substring(1));
    }

    @Test
    void lifeboatBacksUpOverSftpAndResticChecksAndRestoresByteIdentically() throws Exception {
        Path pw = source(11, 5 * 1024 * 1024);
        String loc = location("lb");
        lifeboat(loc, pw, "init").ok();
        lifeboat(loc, pw, "backup", src().toString(), "--tag", "over-sftp").ok();
        Map<String, String> tree = TestTrees.describe(src(), true);

        Run check = restic(loc, "check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");
        Run restore = restic(loc, "restore", "latest", "--target", dir.resolve("r1").toString());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(tree);
        JsonNode snaps = JSON.readTree(restic(loc, "snapshots", "--json").ok().out());
        assertThat(snaps.get(0).get("tags").get(0).asText()).isEqualTo("over-sftp");
    }

    @Test
    void resticBacksUpOverSftpAndLifeboatListsChecksAndRestores() throws Exception {
        Path pw = source(12, 3 * 1024 * 1024);
        String loc = location("restic");
        restic(loc, "init").ok();
        restic(loc, "backup", src().toString(), "--tag", "by-restic").ok();
        Map<String, String> tree = TestTrees.describe(src(), true);
        JsonNode theirs = JSON.readTree(restic(loc, "snapshots", "--json").ok().out());

        JsonNode ours = JSON.readTree(lifeboat(loc, pw, "snapshots", "--json").ok().out());
        assertThat(ours.size()).isEqualTo(1);
        assertThat(ours.get(0).get("id").asText()).isEqualTo(theirs.get(0).get("id").asText());
        assertThat(ours.get(0).get("tags")).isEqualTo(theirs.get(0).get("tags"));

        Run check = lifeboat(loc, pw, "check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");
        lifeboat(loc, pw, "restore", "latest", "--target", dir.resolve("r1").toString(), "--verify").ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(tree);

        // Lifeboat adds a snapshot to restic's repository over sftp, and restic accepts it.
        lifeboat(loc, pw, "backup", src().toString()).ok();
        Run rcheck = restic(loc, "check", "--read-data");
        assertThat(rcheck.exit()).as(rcheck.toString()).isZero();
        assertThat(JSON.readTree(restic(loc, "snapshots", "--json").ok().out()).size()).isEqualTo(2);
    }
}
