package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * A side of {@code copy} that cannot even be opened (wrong REST credentials, an rclone remote that
 * does not exist) is named as every other failure of that side is: {@code source repository LOC:}
 * or {@code target repository LOC:}, the location without its password; a missing source gets no
 * advice to create it.
 */
class CopyOpenErrorsTest {
    @TempDir
    Path dir;
    private RestServer server;
    private String url;
    private Path pw;

    @BeforeEach
    void serve() throws Exception {
        Path srv = Files.createDirectories(dir.resolve("srv"));
        byte[] salt = new byte[16];
        new Random(2).nextBytes(salt);
        Files.writeString(dir.resolve("htpasswd"), "alice:" + OpenBSDBCrypt.generate("2y", "right".toCharArray(), salt, 5) + "\n");
        server = new RestServer(new ServerOptions(srv, "127.0.0.1", 0, dir.resolve("htpasswd"), false, false, false, null, null, 0,
                false, false, false));
        url = server.start();
        pw = Cli.passwordFile(dir);
        new Cli(dir.resolve("local"), pw).run("init").ok();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void wrongCredentialsAndMissingRemotesNameTheirSide() {
        String wrong = "rest:" + url.replaceFirst("://", "://alice:WRONGPW@") + "r1/";
        Cli local = new Cli(dir.resolve("local"), pw);
        Run src = local.run("copy", "--from-repo", wrong, "--from-password-file", pw.toString());
        assertThat(src.exit()).as(src.toString()).isEqualTo(1);
        assertThat(src.err()).startsWith("Fatal: source repository rest:http://alice:***@").contains("401")
                .doesNotContain("WRONGPW").doesNotContain("Exception");

        Run dst = Cli.raw(null, "-r", wrong, "-p", pw.toString(), "copy", "--from-repo", dir.resolve("local").toString(),
                "--from-password-file", pw.toString());
        assertThat(dst.exit()).as(dst.toString()).isEqualTo(1);
        assertThat(dst.err()).startsWith("Fatal: target repository rest:http://alice:***@").contains("401").doesNotContain("WRONGPW");

        Run rclone = local.run("copy", "--from-repo", "rclone:nosuchremote:/x", "--from-password-file", pw.toString());
        assertThat(rclone.exit()).as(rclone.toString()).isNotZero();
        assertThat(rclone.err()).startsWith("Fatal: source repository rclone:nosuchremote:/x: ");

        Run missing = local.run("copy", "--from-repo", dir.resolve("nothing-here").toString(), "--from-password-file", pw.toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.NO_REPOSITORY);
        assertThat(missing.err()).startsWith("Fatal: source repository: ").doesNotContain("lifeboat init");
    }
}
