package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * --no-lock is for commands that only read, as in restic (cmd_*.go: openWithReadLock honours it;
 * backup, key add/passwd/remove take their lock regardless; forget/prune refuse it without
 * --dry-run). Here every writer refuses it with one sentence and writes nothing, even while
 * another process holds an exclusive lock, and every reader accepts it.
 */
class NoLockTest {
    @TempDir
    Path dir;

    Path repo;
    Path pw;
    Path src;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        pw = Cli.passwordFile(dir);
        cli = Failures.init(repo, pw);
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        cli.run("backup", src.toString()).ok();
        Files.writeString(dir.resolve("new-password"), "another password\n");
    }

    @Test
    void writersRefuseNoLockAndReadersAcceptIt() throws Exception {
        List<String> snapshots = Failures.ids(repo, "snapshots");
        List<String> keys = Failures.ids(repo, "keys");
        String keyId = keys.getFirst().substring(0, 8);
        try (Repository holder = Repository.open(new LocalBackend(repo), Restic.PASSWORD);
                RepositoryLock _ = holder.lock(true)) {
            List<String> locks = Failures.ids(repo, "locks");
            String newPw = dir.resolve("new-password").toString();
            List<List<String>> writers = List.of(
                    List.of("backup", src.toString()),
                    List.of("backup", "--all"),
                    List.of("key", "add", "--new-password-file", newPw),
                    List.of("key", "passwd", "--new-password-file", newPw),
                    List.of("key", "remove", keyId),
                    List.of("unlock"),
                    List.of("unlock", "--remove-all"));
            for (List<String> w : writers) {
                List<String> args = new java.util.ArrayList<>(List.of("--no-lock"));
                args.addAll(w);
                String msg = Failures.usageError(cli.run(args.toArray(String[]::new)));
                assertThat(msg).as("%s", w).startsWith("error: --no-lock is only for commands that only read the repository; '"
                        + w.getFirst());
            }
            Run init = new Cli(dir.resolve("other"), pw).run("init", "--no-lock");
            assertThat(Failures.usageError(init)).contains("'init' creates the repository");
            assertThat(dir.resolve("other")).doesNotExist();

            assertThat(Failures.ids(repo, "snapshots")).as("no snapshot written").isEqualTo(snapshots);
            assertThat(Failures.ids(repo, "keys")).as("keys unchanged").isEqualTo(keys);
            assertThat(Failures.ids(repo, "locks")).as("the holder's lock is still there").isEqualTo(locks);

            // Readers (and a dry run, which writes nothing) accept it despite the exclusive lock.
            Path target = dir.resolve("target");
            for (List<String> r : List.of(List.of("snapshots"), List.of("ls", "latest"), List.of("check"),
                    List.of("cat", "config"), List.of("key", "list"), List.of("stats"),
                    List.of("restore", "latest", "--target", target.toString()),
                    List.of("backup", "--dry-run", src.toString()))) {
                List<String> args = new java.util.ArrayList<>(List.of("--no-lock"));
                args.addAll(r);
                Run run = cli.run(args.toArray(String[]::new));
                assertThat(run.exit()).as("%s: %s", r, run).isZero();
            }
            assertThat(Failures.ids(repo, "locks")).isEqualTo(locks);
        }
    }
}
