package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * Source files the backup cannot read: each is named in a warning, the snapshot of everything else
 * is saved, and the exit code is 3. Root reads everything, so as root the backup runs as nobody
 * (setpriv) from a world-readable copy of the class path; otherwise it runs as the current user.
 * Slow: a cold JVM (scrypt key derivation included) as nobody takes a few seconds.
 */
@Tag("slow")
class UnreadableSourceFailureTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    @Test
    void unreadableFileAndFolderAreNamedTheRestIsSavedAndExitIs3() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pw = Cli.passwordFile(dir);
        Path repo = dir.resolve("repo");
        Cli cli = Failures.init(repo, pw);

        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("ok"));
        Files.writeString(src.resolve("ok/a.txt"), "readable\n");
        Files.write(src.resolve("ok/big.bin"), TestTrees.random(5, 2 * 1024 * 1024 + 3));
        Path secret = src.resolve("secret.txt");
        Files.writeString(secret, "unreadable\n");
        Path locked = Files.createDirectories(src.resolve("locked"));
        Files.writeString(locked.resolve("inner.txt"), "behind a locked door\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

        boolean root = TestTrees.isRoot();
        List<String> cmd = new ArrayList<>();
        if (root) {
            TestTrees.exec("chown", "-R", NOBODY + ":" + NOBODY, src.toString(), repo.toString());
            cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
            cmd.addAll(commandWithReadableClassPath(Files.createDirectories(dir.resolve("classpath"))));
        } else {
            cmd.addAll(Cli.command());
        }
        cmd.addAll(List.of("-r", repo.toString(), "--password-file", pw.toString(), "backup", src.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        Run r = Failures.runProcess(pb, 120);

        assertThat(r.exit()).as("exit code of:\n%s", r).isEqualTo(ExitCodes.PARTIAL);
        Failures.assertNoStackTrace(r);
        // In restic's words: the call that failed, the path, the system's reason (never "vanished").
        assertThat(r.err()).as("the unreadable file is named, with the reason")
                .contains("warning: open " + secret + ": permission denied\n");
        assertThat(r.err()).as("the unreadable folder is named, with the reason")
                .contains("warning: open " + locked + ": permission denied\n");
        assertThat(r.err()).contains("2 source files could not be read");
        assertThat(r.err()).as("nothing readable is reported").doesNotContain("a.txt").doesNotContain("big.bin");
        String id = Failures.snapshotId(r);

        // --json: restic's documented error message on stderr, key for key and type for type with
        // what restic itself prints for the same file (restic 0.14 prints the Go error's fields
        // inside "error"; its docs, which Lifeboat follows, say {"message": …}).
        List<String> json = new ArrayList<>(cmd);
        json.add(json.indexOf("backup"), "--json");
        ProcessBuilder jb = new ProcessBuilder(json);
        jb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        Run jr = Failures.runProcess(jb, 120);
        assertThat(jr.exit()).as("exit code of:\n%s", jr).isEqualTo(ExitCodes.PARTIAL);
        com.fasterxml.jackson.databind.JsonNode lbError = errorLine(jr.err(), secret.toString());
        assertThat(lbError.path("error").path("message").asText()).isEqualTo("open " + secret + ": permission denied");
        if (root) {
            Path rrepo = dir.resolve("restic-repo");
            org.lifeboat.testutil.Restic restic = new org.lifeboat.testutil.Restic(rrepo, dir.resolve("cache"));
            restic.run("init").ok();
            TestTrees.exec("chown", "-R", NOBODY + ":" + NOBODY, rrepo.toString());
            ProcessBuilder rb = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    "/usr/bin/restic", "-r", rrepo.toString(), "--no-cache", "backup", "--json", src.toString());
            rb.environment().put("RESTIC_PASSWORD", org.lifeboat.testutil.Restic.PASSWORD);
            Run rr = Failures.runProcess(rb, 120);
            assertThat(rr.exit()).as("restic: %s", rr).isEqualTo(3);
            com.fasterxml.jackson.databind.JsonNode rError = errorLine(rr.err(), secret.toString());
            java.util.Map<String, com.fasterxml.jackson.databind.node.JsonNodeType> want = new java.util.TreeMap<>();
            rError.fields().forEachRemaining(e -> want.put(e.getKey(), e.getValue().getNodeType()));
            java.util.Map<String, com.fasterxml.jackson.databind.node.JsonNodeType> got = new java.util.TreeMap<>();
            lbError.fields().forEachRemaining(e -> got.put(e.getKey(), e.getValue().getNodeType()));
            assertThat(got).as("error message keys and types, as restic's").isEqualTo(want);
            assertThat(lbError.get("during").asText()).isEqualTo(rError.get("during").asText());
        }

        // The snapshot is there, consistent, and holds the readable files.
        assertThat(cli.run("snapshots").ok().out()).contains(id).contains("2 snapshots"); // and the --json run's
        cli.run("check").ok();
        Path target = dir.resolve("restored");
        cli.run("restore", id + ":" + src, "--target", target.toString()).ok();
        assertThat(TestTrees.describe(target.resolve("ok"), true)).isEqualTo(TestTrees.describe(src.resolve("ok"), true));
        assertThat(target.resolve("secret.txt")).as("the unreadable file is not in the snapshot").doesNotExist();
        assertThat(target.resolve("locked")).isDirectory();
        try (Stream<Path> s = Files.list(target.resolve("locked"))) {
            assertThat(s).as("nothing of the unreadable folder's content").isEmpty();
        }
    }

    /** The JSON error line of standard error whose item is {@code item}. */
    private static com.fasterxml.jackson.databind.JsonNode errorLine(String stderr, String item) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String l : stderr.split("\n")) {
            if (!l.startsWith("{")) continue;
            com.fasterxml.jackson.databind.JsonNode n = m.readTree(l);
            if ("error".equals(n.path("message_type").asText()) && item.equals(n.path("item").asText())) return n;
        }
        throw new AssertionError("no JSON error for " + item + " in:\n" + stderr);
    }

    /**
     * java … org.lifeboat.cli.Main with this JVM's class path copied into {@code dest} and made
     * world-readable (the originals under /root and target/ may not be readable by nobody).
     */
    private static List<String> commandWithReadableClassPath(Path dest) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.exists(p)) continue;
            Path copy = dest.resolve((n++) + "-" + p.getFileName());
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.toList()) {
                        Path to = copy.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) Files.createDirectories(to);
                        else Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else {
                Files.copy(p, copy);
            }
            entries.add(copy.toString());
        }
        TestTrees.exec("chmod", "-R", "a+rX", dest.toString());
        List<String> cmd = new ArrayList<>(Cli.command());
        int cp = cmd.indexOf("-cp");
        cmd.set(cp + 1, String.join(File.pathSeparator, entries));
        return cmd;
    }
}
