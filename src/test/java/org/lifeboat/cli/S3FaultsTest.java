package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRetentionResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 faults a tester found, end to end through the command line against a real Ceph RADOS
 * Gateway (and, for "not an S3 server", a plain web server answering 404 HTML to everything):
 * multipart packs of a compliance repository locked, bad bucket names, schemes and profiles
 * refused in one sentence, a GOVERNANCE file in a COMPLIANCE repository reported by check and
 * strengthened by retention extend, a missing bucket named as such, and {@code -o
 * s3.list-objects-v1=true} accepted.
 */
@Tag("slow")
class S3FaultsTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();
    private final S3Client raw = rgw.client();

    private Run lifeboat(Map<String, String> env, String location, String... args) throws IOException {
        List<String> full = new ArrayList<>(List.of("-r", location, "--password-file", Cli.passwordFile(dir).toString(), "-o",
                "s3.region=" + rgw.region()));
        full.addAll(List.of(args));
        return Cli.process(env, null, full.toArray(String[]::new));
    }

    private Run lifeboat(String location, String... args) throws IOException {
        return lifeboat(rgw.env(), location, args);
    }

    /** Exit code and one "Fatal:" sentence on standard error holding each of {@code what}; no stack trace, no internal error. */
    private static void oneSentence(Run r, int exit, String... what) {
        assertThat(r.exit()).as("%s", r).isEqualTo(exit);
        assertThat(r.out() + r.err()).as("%s", r).doesNotContain("internal error").doesNotContain("Exception").doesNotContain("\tat ");
        List<String> lines = r.err().strip().lines().filter(l -> !l.startsWith("WARNING:")).toList();
        assertThat(lines).as("%s", r).hasSize(1);
        assertThat(lines.get(0)).startsWith("Fatal: ").contains(what);
    }

    private List<S3Object> objects(String bucket, String prefix) {
        return raw.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream().toList();
    }

    /** Fault 1: a 64 MiB pack goes up as a multipart upload; RGW 16.2 drops its lock, which must be set after. */
    @Test
    void aMultipartPackOfAComplianceRepositoryIsLockedInComplianceModeForThePeriod() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("big.bin"), TestTrees.random(11, 90 * 1024 * 1024));
        String bucket = rgw.createObjectLockBucket("multipart-lock");
        String location = rgw.location(bucket, "repo");
        lifeboat(location, "init", "--retention-mode", "compliance", "--retention-period", "2d").ok();
        Instant before = Instant.now();
        lifeboat(location, "backup", "--pack-size", "64", src.toString()).ok();
        Instant after = Instant.now();
        List<S3Object> data = objects(bucket, "repo/data/");
        // one pack of more than the 32 MiB multipart threshold at least
        assertThat(data).anyMatch(o -> o.size() > 32L << 20);
        for (S3Object o : data) {
            GetObjectRetentionResponse r = raw.getObjectRetention(x -> x.bucket(bucket).key(o.key()));
            assertThat(r.retention().mode()).as(o.key()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
            assertThat(r.retention().retainUntilDate()).as(o.key())
                    .isBetween(before.plus(Duration.ofDays(2)).minusSeconds(5), after.plus(Duration.ofDays(2)).plusSeconds(5));
        }
    }

    /** Fault 2: bucket names the SDK would refuse with an IllegalArgumentException are refused in one sentence. */
    @Test
    void aBadBucketNameIsOneSentenceNamingTheLocation() throws Exception {
        for (String bucket : List.of("UPPER", "Bad_Bucket", "a", "b..c", "x%20y", "-lead", "192.168.1.1")) {
            String location = "s3:" + rgw.endpoint() + "/" + bucket + "/repo";
            oneSentence(lifeboat(location, "snapshots"), 1, "repository location '" + location + "'", "not a valid S3 bucket name");
        }
    }

    /** Fault 3: a web server that is not S3 (404 HTML to everything) is named as such, not as a lost config or missing folder. */
    @Test
    void anEndpointThatIsNotS3IsOneSentenceWithExitCodeOne() throws Exception {
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", x -> {
            byte[] page = "<html><body><h1>404 Not Found</h1></body></html>".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/html");
            x.sendResponseHeaders(404, x.getRequestMethod().equals("HEAD") ? -1 : page.length);
            if (!x.getRequestMethod().equals("HEAD")) x.getResponseBody().write(page);
            x.close();
        });
        web.start();
        try {
            String endpoint = "http://127.0.0.1:" + web.getAddress().getPort();
            String location = "s3:" + endpoint + "/bucket/repo";
            for (String[] cmd : List.of(new String[] {"init"}, new String[] {"snapshots"})) {
                Run r = lifeboat(location, cmd);
                oneSentence(r, 1, "the endpoint " + endpoint, "does not answer as an S3 server (HTTP 404");
                assertThat(r.err()).doesNotContain("config file").doesNotContain("does not exist");
            }
        } finally {
            web.stop(0);
        }
    }

    /** Fault 4: GOVERNANCE (can be bypassed) in a COMPLIANCE repository is a problem for check and is strengthened by extend. */
    @Test
    void aGovernanceFileInAComplianceRepositoryIsReportedAndStrengthened() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        String bucket = rgw.createObjectLockBucket("governance");
        String location = rgw.location(bucket, "repo");
        lifeboat(location, "init", "--retention-mode", "compliance", "--retention-period", "1d").ok();
        lifeboat(location, "backup", src.toString()).ok();
        String key = objects(bucket, "repo/snapshots/").get(0).key();
        byte[] bytes = raw.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        String md5 = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5").digest(bytes));
        // A new current version of the same bytes under GOVERNANCE only (anyone allowed to bypass can delete it).
        raw.putObject(r -> r.bucket(bucket).key(key).objectLockMode(ObjectLockMode.GOVERNANCE)
                .objectLockRetainUntilDate(Instant.now().plus(Duration.ofDays(3)))
                .contentMD5(md5),
                RequestBody.fromBytes(bytes));
        assertThat(raw.getObjectRetention(r -> r.bucket(bucket).key(key)).retention().mode()).isEqualTo(ObjectLockRetentionMode.GOVERNANCE);

        Run check = lifeboat(location, "check");
        assertThat(check.exit()).as("%s", check).isEqualTo(ExitCodes.FATAL);
        assertThat(check.out() + check.err()).contains(key.substring("repo/".length())).contains("governance mode");

        Run extend = lifeboat(location, "retention", "extend").ok();
        assertThat(extend.out()).contains("extended 1, ");
        assertThat(raw.getObjectRetention(r -> r.bucket(bucket).key(key)).retention().mode()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
        lifeboat(location, "check").ok();
    }

    /** Fault 5: a missing bucket is said to be missing, by init with a retention and by snapshots. */
    @Test
    void aMissingBucketIsNamedAsAMissingBucket() throws Exception {
        String missing = rgw.unusedBucketName("missing");
        String location = rgw.location(missing, "repo");
        Run init = lifeboat(location, "init", "--retention-mode", "compliance", "--retention-period", "30d");
        oneSentence(init, 1, location, "the bucket does not exist", "create the bucket with Object Lock enabled first");
        assertThat(init.err()).doesNotContain("keeps no retention;");
        oneSentence(lifeboat(location, "snapshots"), 10, location, "(the bucket does not exist)");
    }

    /** Fault 6: an unknown profile named with its file, a non-HTTP scheme, and restic's -o s3.list-objects-v1=true. */
    @Test
    void profilesSchemesAndListObjectsV1() throws Exception {
        String bucket = rgw.createBucket("minor");
        String location = rgw.location(bucket, "repo");
        Path creds = Files.writeString(dir.resolve("credentials"), "[default]\naws_access_key_id = x\naws_secret_access_key = y\n");
        Map<String, String> env = new HashMap<>(rgw.env());
        env.put("AWS_ACCESS_KEY_ID", "");
        env.put("AWS_SECRET_ACCESS_KEY", "");
        env.put("AWS_PROFILE", "nope");
        env.put("AWS_SHARED_CREDENTIALS_FILE", creds.toString());
        env.put("AWS_CONFIG_FILE", dir.resolve("config").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        oneSentence(lifeboat(env, location, "snapshots"), 1, "'nope'", creds.toString());

        oneSentence(lifeboat("s3:ftp://host/bucket", "snapshots"), 1, "s3:ftp://host/bucket", "the scheme must be http or https");

        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        lifeboat(location, "-o", "s3.list-objects-v1=true", "init").ok();
        lifeboat(location, "-o", "s3.list-objects-v1=true", "backup", src.toString()).ok();
        Run snaps = lifeboat(location, "-o", "s3.list-objects-v1=true", "snapshots").ok();
        assertThat(snaps.out()).contains("1 snapshots");
        oneSentence(lifeboat(location, "-o", "s3.list-objects-v1=maybe", "snapshots"), 1, "s3.list-objects-v1=maybe", "true or false");
    }
}
