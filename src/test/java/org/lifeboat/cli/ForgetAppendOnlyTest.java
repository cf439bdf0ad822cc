package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * forget through an append-only REST server (Lifeboat's serve-repository --append-only), which
 * refuses every delete but of locks: one sentence naming the refusal and what to do, exit 1, and
 * every snapshot still there.
 */
class ForgetAppendOnlyTest {
    @TempDir
    Path dir;

    @Test
    void anAppendOnlyServerRefusalIsOneSentenceAndNothingIsRemoved() throws Exception {
        Path root = Files.createDirectories(dir.resolve("srv"));
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Path pw = Cli.passwordFile(dir);
        try (RestServer server = new RestServer(new ServerOptions(root, "127.0.0.1", 0, null, true, false, true, null, null, 0,
                false, false, false))) {
            String repo = "rest:" + server.start() + "repo";
            Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "init").ok();
            Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "backup", src.toString()).ok();
            Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "backup", src.toString()).ok();
            Run r = Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "forget", "--keep-last", "1");
            assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
            assertThat(r.err().strip().lines().toList()).as("%s", r).hasSize(1);
            assertThat(r.err()).startsWith("Fatal: the storage at ").contains("refuses to delete snapshots/")
                    .contains("as an append-only REST server does").endsWith("nothing was removed\n");
            try (var files = Files.list(root.resolve("repo/snapshots"))) {
                assertThat(files.count()).isEqualTo(2);
            }
        }
    }
}
