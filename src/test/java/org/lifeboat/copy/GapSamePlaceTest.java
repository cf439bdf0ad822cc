package org.lifeboat.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.SftpLocation;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.Problem;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OpenSshServer;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * One SFTP or S3 place written in several ways is one place: {@code sftp:u@h:/p},
 * {@code sftp://u@h//p} and {@code sftp://u@h:22//p/} are the same repository (copy refuses it as
 * its own target, the plan refuses two repositories there), and so are {@code s3:host/b},
 * {@code s3:https://HOST:443/b/}.
 */
class GapSamePlaceTest {
    @TempDir
    Path dir;

    @Test
    void sftpLocationsWrittenDifferentlyAreOnePlace() {
        assertThat(SftpLocation.canonical("sftp:backup@dr:/srv/repo")).isEqualTo("sftp://backup@dr:22//srv/repo");
        assertThat(Places.same("sftp:backup@dr:/srv/repo", "sftp://backup@dr//srv/repo", null)).isTrue();
        assertThat(Places.same("sftp:backup@dr:/srv/repo", "sftp://backup@DR:22//srv/repo/", null)).isTrue();
        assertThat(Places.same("sftp:backup@dr:/srv/./x/../repo", "sftp://backup@dr//srv//repo", null)).isTrue();
        assertThat(Places.same("sftp:backup@dr:repo", "sftp://backup@dr/repo", null)).isTrue(); // relative to the login folder
        // other places: relative vs absolute, another port, another user, no user
        assertThat(Places.same("sftp:backup@dr:repo", "sftp:backup@dr:/repo", null)).isFalse();
        assertThat(Places.same("sftp:backup@dr:/srv/repo", "sftp://backup@dr:2222//srv/repo", null)).isFalse();
        assertThat(Places.same("sftp:backup@dr:/srv/repo", "sftp:other@dr:/srv/repo", null)).isFalse();
        assertThat(Places.same("sftp:dr:/srv/repo", "sftp:backup@dr:/srv/repo", null)).isFalse();
    }

    @Test
    void s3LocationsWrittenDifferentlyAreOnePlace() {
        assertThat(Places.same("s3:s3.example.com/bucket/repo", "s3:https://S3.example.com:443/bucket/repo/", null)).isTrue();
        assertThat(Places.same("s3://s3.example.com/bucket//repo", "s3:https://s3.example.com/bucket/repo", null)).isTrue();
        assertThat(Places.same("s3:http://10.0.0.5:80/bucket", "s3:http://10.0.0.5/bucket", null)).isTrue();
        assertThat(Places.same("s3:http://s3.example.com/bucket", "s3:https://s3.example.com/bucket", null)).isFalse();
        assertThat(Places.same("s3:https://s3.example.com/bucket/a", "s3:https://s3.example.com/bucket/b", null)).isFalse();
    }

    @Test
    void restLocationsWrittenDifferentlyAreOnePlace() {
        assertThat(Places.same("rest:http://h/r", "rest:http://H:80/r/", null)).isTrue();
        assertThat(Places.same("rest:http://a:x@h:8000/r", "rest:http://h:8000/r", null)).isTrue(); // whoever logs in
        assertThat(Places.same("rest:http://alice:P@ss@h:8000//r1", "rest:http://h:8000/./r1/", null)).isTrue();
        assertThat(Places.same("rest:http://h:8000/r1", "rest:http://h:8000/x/../r1", null)).isTrue();
        assertThat(Places.same("rest:http://h:8000/r1", "rest:https://h:8000/r1", null)).isFalse();
        assertThat(Places.same("rest:http://h:8000/r1", "rest:http://h:8001/r1", null)).isFalse();
        assertThat(Places.same("rest:http://h:8000/r1", "rest:http://h:8000/r2", null)).isFalse();
        assertThat(Places.normalise("rest:http://alice:P@ss@h:8000/r1", null)).isEqualTo("rest:http://h:8000/r1");
    }

    @Test
    void thePlanRefusesTwoRepositoriesAtOneSftpPlace() throws Exception {
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  local: { url: ./a, copy-to: [offsite] }
                  offsite: { url: "sftp:backup@dr.example.com:/srv/repo" }
                  again: { url: "sftp://backup@dr.example.com:22//srv/repo/" }
                  vault: { url: "s3:s3.example.com/bucket/repo" }
                  vault2: { url: "s3:https://s3.example.com:443/bucket/repo/" }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: /srv } ] }
                """);
        List<String> errors = PlanLoader.validate(f).stream().filter(Problem::isError).map(Problem::message).toList();
        assertThat(errors).containsExactly(
                "repositories 'offsite' and 'again' are the same place; give each repository its own location",
                "repositories 'vault' and 'vault2' are the same place; give each repository its own location");
    }

    /** Against a real OpenSSH server: one folder written two ways is refused as copy's target, and nothing is written. */
    @Test
    void copyRefusesTheSameSftpRepositoryWrittenTwoWays() throws Exception {
        OpenSshServer server = OpenSshServer.shared();
        Path folder = server.dir().resolve("gap-same-" + System.nanoTime());
        String loc = server.location(folder);
        String other = "sftp://" + server.user() + "@" + server.host() + ":" + server.port() + "/" + folder.getParent() + "//./"
                + folder.getFileName() + "/";
        Path pw = Cli.passwordFile(dir);
        String args = "sftp.args=" + server.sftpArgs();
        Cli.raw(null, "-r", loc, "--password-file", pw.toString(), "-o", args, "init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.write(dir.resolve("src/f.bin"), TestTrees.random(5, 10_000));
        Cli.raw(null, "-r", loc, "--password-file", pw.toString(), "-o", args, "backup", dir.resolve("src").toString()).ok();

        Run r = Cli.raw(null, "-r", other, "--password-file", pw.toString(), "-o", args, "copy", "--from-repo", loc,
                "--from-password-file", pw.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("Fatal: the source and the target are the same repository").doesNotContain("\n");
        Run snaps = Cli.raw(null, "-r", loc, "--password-file", pw.toString(), "-o", args, "snapshots", "--json");
        assertThat(com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(snaps.out())).hasSize(1);
    }
}
