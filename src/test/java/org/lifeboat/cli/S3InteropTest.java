package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.lifeboat.testutil.TestTrees;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * restic 0.14 is the judge, on a real Ceph RADOS Gateway: each tool reads, checks and restores
 * what the other writes to {@code s3:http://127.0.0.1:PORT/BUCKET/PREFIX}, with the credentials
 * in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as both tools read them. Lifeboat runs as its own
 * process, so it reads the environment as a user's shell gives it.
 */
@Tag("restic")
@Tag("slow")
class S3InteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CephRgw rgw = CephRgw.shared();

    @TempDir
    Path dir;

    private Path src() {
        return dir.resolve("src");
    }

    private Path restored(Path target) {
        return target.resolve(src().toString().substring(1));
    }

    private Run lifeboat(String repo, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("-r", repo, "--password-file", Cli.passwordFile(dir).toString()));
        all.addAll(List.of(args));
        Run r = Cli.process(rgw.env(), null, all.toArray(String[]::new));
        // The AWS SDK logs nothing into Lifeboat's output (no warnings about streams, checksums, retries).
        assertThat(r.err()).as(r.toString()).doesNotContain("awssdk").doesNotContain("WARN");
        return r;
    }

    private Run restic(String repo, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", repo, "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(rgw.env());
        env.put("RESTIC_PASSWORD", Restic.PASSWORD);
        env.put("RESTIC_CACHE_DIR", dir.resolve("cache").toString());
        return Proc.run(cmd, env, null, null, 600);
    }

    @Test
    void lifeboatWritesToS3AndResticChecksEveryByteAndRestoresItIdentically() throws Exception {
        TestTrees.everyKind(src());
        Files.write(src().resolve("large.bin"), TestTrees.random(3, 5 << 20));
        // init makes the bucket, as restic's does.
        String bucket = rgw.unusedBucketName("lifeboat-writes");
        String repo = rgw.location(bucket, "team/repo");
        lifeboat(repo, "init").ok();
        lifeboat(repo, "backup", src().toString(), "--tag", "s3").ok();
        Map<String, String> tree = TestTrees.describe(src(), true);

        Run check = restic(repo, "check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");
        restic(repo, "restore", "latest", "--target", dir.resolve("r1").toString()).ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r1")), true)).isEqualTo(tree);
        JsonNode snaps = JSON.readTree(restic(repo, "snapshots", "--json").ok().out());
        assertThat(snaps).hasSize(1);
        assertThat(snaps.get(0).get("tags").get(0).asText()).isEqualTo("s3");

        // restic's layout in the bucket: everything under the prefix, packs in data/XX/.
        List<String> keys = rgw.client().listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        assertThat(keys).allMatch(k -> k.startsWith("team/repo/")).contains("team/repo/config");
        assertThat(keys).filteredOn(k -> k.startsWith("team/repo/data/"))
                .isNotEmpty().allMatch(k -> k.matches("team/repo/data/([0-9a-f]{2})/\\1[0-9a-f]{62}"));
        // No lock left behind.
        assertThat(keys).noneMatch(k -> k.startsWith("team/repo/locks/"));
    }

    @Test
    void resticWritesToS3AndLifeboatListsRestoresAndChecksIt() throws Exception {
        TestTrees.everyKind(src());
        String bucket = rgw.createBucket("restic-writes");
        String repo = rgw.location(bucket, "repo");
        restic(repo, "init").ok();
        restic(repo, "backup", src().toString(), "--tag", "one").ok();
        Map<String, String> tree = TestTrees.describe(src(), true);

        JsonNode theirs = JSON.readTree(restic(repo, "snapshots", "--json").ok().out());
        JsonNode ours = JSON.readTree(lifeboat(repo, "snapshots", "--json").ok().out());
        assertThat(ours).hasSize(1);
        assertThat(ours.get(0).get("id").asText()).isEqualTo(theirs.get(0).get("id").asText());
        assertThat(ours.get(0).get("tree").asText()).isEqualTo(theirs.get(0).get("tree").asText());

        lifeboat(repo, "restore", "latest", "--target", dir.resolve("r2").toString(), "--verify").ok();
        assertThat(TestTrees.describe(restored(dir.resolve("r2")), true)).isEqualTo(tree);
        Run check = lifeboat(repo, "check", "--read-data-subset", "1/1");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors were found");
    }
}
