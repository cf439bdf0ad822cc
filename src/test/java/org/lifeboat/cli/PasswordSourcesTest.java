package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/**
 * Passwords and repository locations are taken as restic takes them, judged by the real restic
 * binary both ways: password files lose surrounding white space and a byte order mark, a variable
 * that is set but empty does not hide the next one, and restic's -p, --password-command,
 * --repository-file and their variables work.
 */
@Tag("restic")
class PasswordSourcesTest {
    static final String SECRET = "secret words";

    @TempDir
    Path dir;

    private Run restic(Map<String, String> env, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/restic", "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("RESTIC_PASSWORD", "");
        e.putIfAbsent("RESTIC_REPOSITORY", "");
        return Proc.run(cmd, e, null, null, 120);
    }

    private Path file(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] bom(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 3];
        out[0] = (byte) 0xef;
        out[1] = (byte) 0xbb;
        out[2] = (byte) 0xbf;
        System.arraycopy(b, 0, out, 3, b.length);
        return out;
    }

    @Test
    void aPasswordFileWithTrailingBlanksOpensTheSameRepositoryInBothTools() throws Exception {
        Path pw = file("pw", (SECRET + "  \n").getBytes(StandardCharsets.UTF_8));
        Path lbRepo = dir.resolve("lb");
        Cli.raw(null, "-r", lbRepo.toString(), "-p", pw.toString(), "init").ok();
        restic(Map.of("RESTIC_PASSWORD_FILE", pw.toString()), "-r", lbRepo.toString(), "cat", "config").ok();
        restic(Map.of("RESTIC_PASSWORD", SECRET), "-r", lbRepo.toString(), "cat", "config").ok();

        Path rRepo = dir.resolve("restic");
        restic(Map.of("RESTIC_PASSWORD_FILE", pw.toString()), "-r", rRepo.toString(), "init").ok();
        Cli.raw(null, "-r", rRepo.toString(), "--password-file", pw.toString(), "cat", "config").ok();
    }

    @Test
    void aPasswordFileWithAByteOrderMarkOpensTheSameRepositoryInBothTools() throws Exception {
        Path pw = file("pw-bom", bom(SECRET + "\r\n"));
        Path rRepo = dir.resolve("restic");
        restic(Map.of("RESTIC_PASSWORD_FILE", pw.toString()), "-r", rRepo.toString(), "init").ok();
        Cli.raw(null, "-r", rRepo.toString(), "-p", pw.toString(), "cat", "config").ok();

        Path lbRepo = dir.resolve("lb");
        Cli.raw(null, "-r", lbRepo.toString(), "-p", pw.toString(), "init").ok();
        restic(Map.of("RESTIC_PASSWORD", SECRET), "-r", lbRepo.toString(), "cat", "config").ok();
    }

    @Test
    void emptyLifeboatVariablesDoNotHideResticOnes() throws Exception {
        Path pw = file("pw", (SECRET + "\n").getBytes(StandardCharsets.UTF_8));
        Path repo = dir.resolve("repo");
        restic(Map.of("RESTIC_PASSWORD_FILE", pw.toString()), "-r", repo.toString(), "init").ok();
        Path repoFile = file("repo-location", (repo + "\n").getBytes(StandardCharsets.UTF_8));

        Run r = Failures.process(Map.of("LIFEBOAT_PASSWORD", "", "RESTIC_PASSWORD", SECRET,
                "LIFEBOAT_REPOSITORY", "", "RESTIC_REPOSITORY_FILE", repoFile.toString()), "cat", "config");
        assertThat(r.exit()).as("%s", r).isZero();

        r = Failures.process(Map.of("LIFEBOAT_PASSWORD_FILE", "", "RESTIC_PASSWORD_COMMAND", "cat " + pw,
                "RESTIC_REPOSITORY", repo.toString()), "cat", "config");
        assertThat(r.exit()).as("RESTIC_PASSWORD_COMMAND: %s", r).isZero();
    }

    @Test
    void resticsGlobalPasswordAndRepositoryOptionsWork() throws Exception {
        Path pw = file("pw", (SECRET + "\n").getBytes(StandardCharsets.UTF_8));
        Path repo = dir.resolve("repo");
        restic(Map.of("RESTIC_PASSWORD_FILE", pw.toString()), "-r", repo.toString(), "init").ok();
        Path repoFile = file("repo-location", bom(" " + repo + " \n"));

        Cli.raw(null, "--repository-file", repoFile.toString(), "--password-command", "cat '" + pw + "'", "cat", "config").ok();
        Cli.raw(null, "-r", repo.toString(), "--password-command", "printf ' " + SECRET + " \\n'", "cat", "config").ok();

        assertThat(fatal(Cli.raw(null, "-r", repo.toString(), "-p", pw.toString(), "--password-command", "cat x",
                "cat", "config"), 1)).contains("--password-file and --password-command are mutually exclusive");
        assertThat(fatal(Cli.raw(null, "-r", repo.toString(), "--repository-file", repoFile.toString(), "-p", pw.toString(),
                "cat", "config"), 1)).contains("-r/--repo and --repository-file are mutually exclusive");
        assertThat(fatal(Cli.raw(null, "-r", repo.toString(), "--password-command", "false", "cat", "config"), 1))
                .contains("password command 'false' failed (exit code 1)");
        assertThat(fatal(Cli.raw(null, "--repository-file", dir.resolve("nope").toString(), "-p", pw.toString(),
                "cat", "config"), 1)).contains("repository file " + dir.resolve("nope") + " (--repository-file) does not exist");
    }
}
