package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * A repository folder (snapshots/, keys/, index/, data/, locks/, or a data/xx/ sub-folder) that is
 * a file, a link to nowhere or a loop of links is an error naming it, never "0 snapshots" or "no
 * errors were found". (Links stand in for unreadable folders: root, which runs the tests, reads
 * every folder whatever its mode.) A missing folder still lists nothing, as in restic.
 */
class BrokenRepositoryLayoutTest {
    @TempDir
    Path dir;

    Path repo;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        cli.run("backup", src.toString()).ok();
    }

    private void replaceWithFile(String folder) throws IOException {
        TestDirs.delete(repo.resolve(folder));
        Files.writeString(repo.resolve(folder), "not a folder\n");
    }

    private static void assertNamed(Run r, String folder) {
        String msg = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(msg).as("%s", r).contains("the repository's " + folder + " folder").contains("damaged");
    }

    @Test
    void aFolderThatIsAFileIsAnErrorNamingIt() throws Exception {
        replaceWithFile("snapshots");
        assertNamed(cli.run("snapshots"), "snapshots/");
        assertNamed(cli.run("check"), "snapshots/");
        assertNamed(cli.run("restore", "latest", "--target", dir.resolve("t").toString()), "snapshots/");
    }

    @Test
    void everyOtherFolderToo() throws Exception {
        for (String folder : List.of("index", "locks", "keys")) {
            Path saved = dir.resolve("saved-" + folder);
            Files.move(repo.resolve(folder), saved);
            Files.writeString(repo.resolve(folder), "not a folder\n");
            Run r = cli.run("check");
            assertNamed(r, folder + "/");
            Files.delete(repo.resolve(folder));
            Files.move(saved, repo.resolve(folder));
        }
        cli.run("check").ok();
        replaceWithFile("data");
        assertNamed(cli.run("check"), "data/");
    }

    @Test
    void aPackSubFolderThatIsAFileIsAnError() throws Exception {
        Path sub;
        try (var s = Files.list(repo.resolve("data"))) {
            sub = s.filter(p -> {
                try (var f = Files.list(p)) {
                    return f.findAny().isPresent();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
        }
        TestDirs.delete(sub);
        Files.writeString(sub, "x");
        assertNamed(cli.run("check"), "data/" + sub.getFileName() + "/");
    }

    @Test
    void unreadableFoldersAreErrorsToo() throws Exception {
        TestDirs.delete(repo.resolve("snapshots"));
        Files.createSymbolicLink(repo.resolve("snapshots"), Path.of("snapshots")); // a loop: ELOOP on open
        Run loop = cli.run("snapshots");
        assertThat(Failures.fatal(loop, ExitCodes.FATAL)).contains("snapshots/").contains(repo.resolve("snapshots").toString());
        Files.delete(repo.resolve("snapshots"));
        Files.createSymbolicLink(repo.resolve("snapshots"), dir.resolve("gone"));
        assertThat(Failures.fatal(cli.run("snapshots"), ExitCodes.FATAL)).contains("snapshots/")
                .contains("a link that does not lead to a folder");
        // A missing folder is an empty one, as in restic (and restic check agrees).
        Files.delete(repo.resolve("snapshots"));
        assertThat(cli.run("snapshots").ok().out()).contains("0 snapshots");
    }
}
