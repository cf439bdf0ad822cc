package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Entries of locks/ that are not regular files (links, FIFOs, folders) are damaged locks: each is a
 * warning naming it, never followed (a link to a live-looking lock outside the repository does not
 * lock anyone out) or opened (a FIFO would block); 'unlock --remove-all' removes each it can (a link
 * itself, never its target), names each it cannot (a non-empty folder, not recursed into) and exits
 * 1 only then.
 */
class NonFileLockTest {
    @TempDir
    Path dir;

    Path repo;
    Path locks;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        cli.run("backup", src.toString()).ok();
        locks = repo.resolve("locks");
    }

    private static String name(int i) {
        return String.format("%064x", i);
    }

    private void mkfifo(Path p) throws Exception {
        Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(pr.waitFor()).isZero();
    }

    /** Writes each kind into locks/; returns kind → name. */
    private Map<String, String> writeNonFiles() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        Files.createSymbolicLink(locks.resolve(name(1)), Path.of("/dev/zero"));
        m.put("link to /dev/zero", name(1));
        mkfifo(locks.resolve(name(2)));
        m.put("FIFO", name(2));
        // A sealed, live-looking exclusive lock outside the repository, linked under its own hash:
        // followed, it would lock every command out.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] stored;
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            stored = r.crypto().encrypt(("{\"time\":\"2099-01-01T00:00:00Z\",\"exclusive\":true,\"hostname\":\""
                    + Repository.hostname() + "\",\"pid\":" + ProcessHandle.current().pid() + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String hash = Id.hash(stored).hex();
        Files.write(outside.resolve("lockfile"), stored);
        Files.createSymbolicLink(locks.resolve(hash), outside.resolve("lockfile"));
        m.put("link to a live lock outside", hash);
        Files.createSymbolicLink(locks.resolve(name(3)), outside);
        m.put("link to a folder outside", name(3));
        Files.createDirectories(locks.resolve(name(4)));
        m.put("empty folder", name(4));
        Files.writeString(Files.createDirectories(locks.resolve(name(5))).resolve("keep"), "kept\n");
        m.put("non-empty folder", name(5));
        return m;
    }

    @Test
    void nonFileLocksAreWarningsNamingThem() throws Exception {
        Map<String, String> m = writeNonFiles();
        Run snapshots = cli.run("snapshots");
        assertThat(snapshots.exit()).as("%s", snapshots).isZero();
        for (var e : m.entrySet()) {
            assertThat(snapshots.err()).as("warning about the %s in:\n%s", e.getKey(), snapshots)
                    .containsPattern("warning: lock file locks/" + e.getValue() + " .*is ignored.*unlock --remove-all");
        }
        assertThat(snapshots.err()).contains("a symbolic link to /dev/zero").contains("a FIFO").contains("a folder");
        Failures.assertNoStackTrace(snapshots);

        Run backup = cli.run("backup", dir.resolve("src").toString());
        assertThat(backup.exit()).as("the link to a live lock outside is not followed: %s", backup).isZero();
    }

    @Test
    void removeAllRemovesEveryEntryItCanAndNamesTheRest() throws Exception {
        Map<String, String> m = writeNonFiles();
        Run all = cli.run("unlock", "--remove-all");
        assertThat(all.exit()).as("a non-empty folder is left: %s", all).isEqualTo(ExitCodes.FATAL);
        assertThat(all.err()).as("%s", all).contains("locks/" + name(5) + " is a folder that is not empty");
        assertThat(all.out()).contains("removed " + (m.size() - 1) + " locks");
        Failures.assertNoStackTrace(all);
        try (var s = Files.list(locks)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("only the non-empty folder is left")
                    .containsExactly(name(5));
        }
        assertThat(locks.resolve(name(5)).resolve("keep")).as("not recursed into").hasContent("kept\n");
        assertThat(dir.resolve("outside/lockfile")).as("a link's target is never removed").exists();
        assertThat(dir.resolve("outside")).isDirectory();
        assertThat(Path.of("/dev/zero")).exists();

        Files.delete(locks.resolve(name(5)).resolve("keep"));
        Run again = cli.run("unlock", "--remove-all");
        assertThat(again.exit()).as("%s", again).isZero();
        try (var s = Files.list(locks)) {
            assertThat(s).isEmpty();
        }
        Run check = new Restic(repo, dir.resolve("cache")).run("check");
        assertThat(check.exit()).as("%s", check).isZero();
    }
}
