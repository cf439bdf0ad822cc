package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * S3 credentials never show: whatever goes wrong with them (a wrong secret, an unknown key, none
 * at all, half of them, credentials written into the location), Lifeboat says so in one sentence
 * naming the bucket, with restic's exit code, and neither the secret given nor the right one
 * appears in anything it prints. Lifeboat runs as its own process, reading the environment.
 */
@Tag("slow")
class S3CredentialsTest {
    private static final String WRONG = "WrongSecretWrongSecretWrongSecret1234567";
    private final CephRgw rgw = CephRgw.shared();

    @TempDir
    Path dir;

    private Run lifeboat(Map<String, String> env, String repo, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("-r", repo, "--password-file", Cli.passwordFile(dir).toString()));
        all.addAll(List.of(args));
        return Cli.process(env, null, all.toArray(String[]::new));
    }

    private Map<String, String> env(String key, String value) {
        Map<String, String> env = new HashMap<>(rgw.env());
        env.put(key, value);
        return env;
    }

    /** Exit code, one "Fatal:" sentence on standard error naming {@code what}, and no secret anywhere. */
    private void assertOneSentence(Run r, int exit, String... what) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
        String all = r.out() + r.err();
        assertThat(all).doesNotContain(WRONG).doesNotContain(rgw.secretKey()).doesNotContain("Exception").doesNotContain("\tat ");
        List<String> lines = r.err().strip().lines().toList();
        assertThat(lines).as(r.toString()).hasSize(1);
        assertThat(lines.get(0)).startsWith("Fatal: ").contains(what);
    }

    @Test
    void aWrongSecretIsOneSentenceWithExitCodeOneAsResticAndNoSecretAnywhere() throws Exception {
        String bucket = rgw.createBucket("wrong-secret");
        String repo = rgw.location(bucket, "repo");
        lifeboat(rgw.env(), repo, "init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a\n");
        Map<String, String> wrong = env("AWS_SECRET_ACCESS_KEY", WRONG);
        // restic exits with the same code. It retries the refusals for a while first, so it runs
        // meanwhile (it writes nothing with a wrong secret, nor do the commands below).
        Map<String, String> renv = new HashMap<>(wrong);
        renv.put("RESTIC_PASSWORD", Restic.PASSWORD);
        Run restic;
        try (java.util.concurrent.ExecutorService meanwhile = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.Future<Run> resticRun = meanwhile.submit(
                    () -> Proc.run(List.of("/usr/bin/restic", "-r", repo, "--no-cache", "snapshots"), renv, null, null, 120));
            for (String[] cmd : List.of(new String[] {"snapshots"}, new String[] {"backup", dir.resolve("src").toString()})) {
                assertOneSentence(lifeboat(wrong, repo, cmd), 1, bucket, "(AWS_SECRET_ACCESS_KEY) is wrong");
            }
            restic = resticRun.get(5, java.util.concurrent.TimeUnit.MINUTES);
        }
        assertThat(restic.exit()).as(restic.toString()).isEqualTo(1);
    }

    @Test
    void anUnknownAccessKeyIsNamedAsSuch() throws Exception {
        String bucket = rgw.createBucket("unknown-key");
        Run r = lifeboat(env("AWS_ACCESS_KEY_ID", "NOSUCHACCESSKEY00000"), rgw.location(bucket, "repo"), "snapshots");
        assertOneSentence(r, 1, bucket, "does not know the access key (AWS_ACCESS_KEY_ID)");
    }

    @Test
    void aMissingBucketOrRepositoryIsExitCodeTenAsLaterRestic() throws Exception {
        String missing = rgw.unusedBucketName("no-bucket");
        assertOneSentence(lifeboat(rgw.env(), rgw.location(missing, "repo"), "snapshots"), 10, missing, "no repository");
        String empty = rgw.createBucket("empty");
        assertOneSentence(lifeboat(rgw.env(), rgw.location(empty, "repo"), "snapshots"), 10, empty, "no repository");
    }

    @Test
    void noCredentialsOrHalfOfThemAreOneSentenceSayingWhatToSet() throws Exception {
        String bucket = rgw.createBucket("no-creds");
        String repo = rgw.location(bucket, "repo");
        Map<String, String> none = env("AWS_ACCESS_KEY_ID", "");
        none.put("AWS_SECRET_ACCESS_KEY", "");
        // No instance role to find here, and none wanted: the chain's last step would ask the EC2 metadata service.
        none.put("AWS_EC2_METADATA_DISABLED", "true");
        assertOneSentence(lifeboat(none, repo, "snapshots"), 1, "no S3 credentials found", bucket, "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE");
        Map<String, String> half = env("AWS_SECRET_ACCESS_KEY", "");
        assertOneSentence(lifeboat(half, repo, "snapshots"), 1, bucket, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty");
    }

    @Test
    void credentialsWrittenIntoTheLocationAreRefusedAndNotShown() throws Exception {
        String bucket = rgw.createBucket("in-location");
        String repo = "s3:http://" + rgw.accessKey() + ":" + rgw.secretKey() + "@127.0.0.1:" + rgw.port() + "/" + bucket + "/repo";
        assertOneSentence(lifeboat(rgw.env(), repo, "init"), 1, "holds credentials", "AWS_ACCESS_KEY_ID");
        assertThat(rgw.client().listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
    }
}
