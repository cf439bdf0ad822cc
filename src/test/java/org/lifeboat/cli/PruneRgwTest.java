package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * prune on a real Ceph RGW bucket with S3 Object Lock (the shared fixture): a repository made with
 * compliance retention holds a pack of blobs no snapshot uses (so prune wants it removed), under
 * retention like every file; prune leaves it in place, names it with its retain-until, exits 0 and
 * removes nothing a snapshot needs (restore still returns the data).
 */
@Tag("slow")
class PruneRgwTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();

    private Run lifeboat(Path pw, String location, String... args) {
        return rgw.lifeboat(pw, location, args);
    }

    @Test
    void pruneSkipsAndReportsPacksUnderObjectLock() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("big.bin"), TestTrees.random(3, 2 * 1024 * 1024));
        String bucket = rgw.createObjectLockBucket("prune");
        String location = rgw.location(bucket, "repo");
        lifeboat(pw, location, "init", "--retention-mode", "compliance", "--retention-period", "1d").ok();
        lifeboat(pw, location, "backup", src.toString()).ok();

        // a pack of a blob no snapshot uses, written (and so locked) by the repository itself
        Id unusedPack;
        Map<String, String> saved = new HashMap<>();
        for (String p : List.of("aws.accessKeyId", "aws.secretAccessKey")) saved.put(p, System.getProperty(p));
        System.setProperty("aws.accessKeyId", rgw.accessKey());
        System.setProperty("aws.secretAccessKey", rgw.secretKey());
        try (Backend b = Backends.open(location, BackendOptions.parse(List.of("s3.region=" + rgw.region())));
             Repository repo = Repository.open(b, Restic.PASSWORD)) {
            repo.loadIndex();
            byte[] orphan = TestTrees.random(99, 100_000);
            repo.saveBlob(BlobType.DATA, Id.hash(orphan), orphan, 0, orphan.length);
            repo.flush();
            unusedPack = repo.findBlob(BlobType.DATA, Id.hash(orphan)).orElseThrow().pack();
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
        String packKey = "repo/data/" + unusedPack.hex().substring(0, 2) + "/" + unusedPack.hex();
        List<String> before = keys(bucket);
        assertThat(before).contains(packKey);

        Run prune = lifeboat(pw, location, "prune");
        assertThat(prune.exit()).as("%s", prune).isZero();
        assertThat(prune.err()).as("%s", prune).contains("data/" + unusedPack.hex().substring(0, 2) + "/" + unusedPack.hex()
                + " was left in place: locked by the storage's retention until ");
        assertThat(prune.out()).contains("locked:").contains("left in place");
        assertThat(keys(bucket)).as("nothing was removed").contains(packKey).containsAll(before);

        Run dry = lifeboat(pw, location, "prune", "--dry-run");
        assertThat(dry.exit()).as("%s", dry).isZero();
        Path target = dir.resolve("restored");
        lifeboat(pw, location, "restore", "latest", "--target", target.toString()).ok();
        assertThat(Files.readAllBytes(target.resolve(src.toString().substring(1)).resolve("big.bin")))
                .isEqualTo(Files.readAllBytes(src.resolve("big.bin")));
        lifeboat(pw, location, "check").ok();
    }

    private List<String> keys(String bucket) {
        return rgw.client().listObjectsV2Paginator(r -> r.bucket(bucket).prefix("repo/")).contents().stream()
                .map(S3Object::key).filter(k -> !k.startsWith("repo/locks/")).toList();
    }
}
