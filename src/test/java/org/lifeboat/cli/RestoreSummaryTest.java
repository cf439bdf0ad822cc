package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * An empty or blank --target is refused (it would be the current folder); the summary counts the
 * files actually restored, not those that could not be written into the target.
 */
class RestoreSummaryTest {
    @TempDir
    Path dir;

    Path repo;
    Path src;
    Cli cli;
    String id;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("findme"), "x\n");
        id = Failures.snapshotId(cli.run("backup", src.toString()));
    }

    @Test
    void anEmptyOrBlankTargetIsRefused() throws Exception {
        // A separate process in an empty folder: refusing must leave its current folder untouched.
        Path cwd = Files.createDirectories(dir.resolve("cwd"));
        for (String t : List.of("", "  ")) {
            List<String> cmd = new ArrayList<>(Cli.command("-r", repo.toString(), "--password-file",
                    dir.resolve("password").toString(), "restore", id, "--target", t, "--overwrite", "always"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
            Run r = Failures.runProcess(pb, 120);
            assertThat(Failures.fatal(r, ExitCodes.FATAL)).as("target '%s'", t).contains("--target is empty");
            try (var s = Files.list(cwd)) {
                assertThat(s).as("nothing restored into the current folder").isEmpty();
            }
        }
    }

    @Test
    void filesThatCouldNotBeWrittenAreNotCountedAsRestored() throws Exception {
        Path target = dir.resolve("target");
        // The snapshot's folder exists in the target and is immutable: findme cannot be created in it.
        Path folder = Files.createDirectories(target.resolve(src.toString().substring(1)));
        chattr("+i", folder);
        Run r;
        try {
            r = cli.run("restore", id, "--target", target.toString(), "--overwrite", "always");
        } finally {
            chattr("-i", folder);
        }
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err()).contains("not restored: " + src + "/findme");
        assertThat(r.out()).as("%s", r).contains("restored 0 files");
        assertThat(folder.resolve("findme")).doesNotExist();
        Failures.assertNoStackTrace(r);

        Run ok = cli.run("restore", id, "--target", target.toString(), "--overwrite", "always");
        assertThat(ok.exit()).as("%s", ok).isZero();
        assertThat(ok.out()).contains("restored 1 files");
    }

    private static void chattr(String flag, Path p) throws Exception {
        Process pr = new ProcessBuilder("chattr", flag, p.toString()).inheritIO().start();
        assertThat(pr.waitFor()).as("chattr %s %s (the tests run as root)", flag, p).isZero();
    }
}
