package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * A pack above 32 MiB ({@code --pack-size 64}) goes up as a multipart upload into an Object Lock
 * repository on a real Ceph RGW, which drops the retention asked for at the upload's start; when
 * setting it afterwards fails too (here a bucket policy denies {@code s3:PutObjectRetention}, as a
 * misconfigured IAM role would), the backup fails in one sentence naming the file, writes no
 * snapshot, and leaves no file in use unprotected: the one pack version without a lock is the
 * failed save's, named in the error, and no index names it; {@code check} is clean.
 */
@Tag("slow")
class S3MultipartRetentionTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();

    private Run restic(String repo, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("restic", "-r", repo, "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new java.util.HashMap<>(rgw.env());
        env.put("RESTIC_PASSWORD", org.lifeboat.testutil.Restic.PASSWORD);
        return org.lifeboat.testutil.Proc.run(cmd, env, null, null, 600);
    }

    @Test
    void aMultipartPackWhoseRetentionCannotBeSetFailsTheBackupAndLeavesNoUnlockedPack() throws Exception {
        S3Client raw = rgw.client();
        String bucket = rgw.createObjectLockBucket("mp-retention");
        String loc = rgw.location(bucket, "repo");
        Map<String, String> env = rgw.env();
        Path pw = Cli.passwordFile(dir);
        Cli.process(env, null, "-r", loc, "--password-file", pw.toString(), "init", "--retention-mode", "compliance",
                "--retention-period", "1d").ok();
        raw.putBucketPolicy(r -> r.bucket(bucket).policy("""
                {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                  "Action": "s3:PutObjectRetention", "Resource": "arn:aws:s3:::%s/*"}]}""".formatted(bucket)));

        Files.createDirectories(dir.resolve("src"));
        Files.write(dir.resolve("src/big.bin"), TestTrees.random(17, 48 << 20)); // one pack of ~48 MiB: multipart
        Run r = Cli.process(env, null, "-r", loc, "--password-file", pw.toString(), "--pack-size", "64", "backup",
                dir.resolve("src").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("/repo/data/").contains("retention could not be set")
                .contains("the uploaded file was removed").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.err().strip().lines().filter(l -> l.startsWith("Fatal:")).count()).isEqualTo(1);
        assertThat(r.out() + r.err()).doesNotContainPattern("snapshot [0-9a-f]{8} saved");

        raw.deleteBucketPolicy(x -> x.bucket(bucket));
        Run snaps = Cli.process(env, null, "-r", loc, "--password-file", pw.toString(), "snapshots", "--json");
        assertThat(snaps.out().strip()).isEqualTo("[]");
        // Nothing is left unlocked: the completed upload whose lock could not be set was removed (it had no lock, so
        // S3 allows that), and every other version is under compliance retention.
        List<ObjectVersion> packs = raw.listObjectVersions(x -> x.bucket(bucket).prefix("repo/data/")).versions();
        assertThat(packs).isNotEmpty();
        for (ObjectVersion v : packs) {
            String mode;
            try {
                mode = raw.getObjectRetention(x -> x.bucket(bucket).key(v.key()).versionId(v.versionId())).retention().modeAsString();
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                assertThat(e.statusCode()).isEqualTo(404); // no retention configured on this version
                mode = null;
            }
            // the completed upload whose lock could not be set was removed: every version left is locked
            assertThat(mode).as(v.key()).isEqualTo("COMPLIANCE");
        }
        // No index names the unlocked pack (restic reads the indexes): no file in use is without its lock.
        StringBuilder indexes = new StringBuilder();
        for (String id : restic(loc, "list", "index").ok().out().strip().lines().toList()) {
            indexes.append(restic(loc, "cat", "index", id).ok().out());
        }
        for (ObjectVersion v : packs) {
            String name = v.key().substring(v.key().lastIndexOf('/') + 1);
            if (r.err().contains(name)) assertThat(indexes.toString()).doesNotContain(name);
        }
        // The repository is whole: check finds no error and no file in use without its lock.
        Run check = Cli.process(env, null, "-r", loc, "--password-file", pw.toString(), "check");
        assertThat(check.exit()).as(check.toString()).isZero();
    }
}
