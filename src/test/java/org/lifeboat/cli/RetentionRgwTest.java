package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.StorageError;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * End to end on a real Ceph RADOS Gateway that enforces S3 Object Lock: a repository created with
 * {@code init --retention-mode compliance --retention-period 1d} in a bucket with Object Lock
 * stores every file but lock files under COMPLIANCE retention; a pack then cannot be removed or
 * overwritten, neither by Lifeboat (a raw remove through the backend stack, the repository's
 * remove, {@code key remove}) nor with the AWS SDK and the bucket's own keys (DeleteObject with
 * the version ID); restore still returns the data, check finds nothing missing and every file
 * locked, and {@code retention extend} moves the retain-until forward. A bucket without Object
 * Lock is refused at init, in one sentence, with nothing written.
 */
@Tag("slow")
class RetentionRgwTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();
    private final S3Client raw = rgw.client();

    private Run lifeboat(Path pw, String location, String... args) {
        List<String> full = new ArrayList<>(List.of("-r", location, "--password-file", pw.toString(), "-o", "s3.region=" + rgw.region()));
        full.addAll(List.of(args));
        return Cli.process(rgw.env(), null, full.toArray(String[]::new));
    }

    private List<S3Object> objects(String bucket, String prefix) {
        return raw.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream().toList();
    }

    /**
     * Runs {@code body} with the stacked backend a Lifeboat command uses, opened in this JVM with
     * the test user's keys (as the AWS SDK's system properties, set only meanwhile).
     */
    private void withStack(String location, ThrowingConsumer body) throws Exception {
        Map<String, String> saved = new HashMap<>();
        for (String p : List.of("aws.accessKeyId", "aws.secretAccessKey")) saved.put(p, System.getProperty(p));
        System.setProperty("aws.accessKeyId", rgw.accessKey());
        System.setProperty("aws.secretAccessKey", rgw.secretKey());
        try (Backend b = Backends.open(location, BackendOptions.parse(List.of("s3.region=" + rgw.region())))) {
            body.accept(b);
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }

    @FunctionalInterface
    private interface ThrowingConsumer {
        void accept(Backend b) throws Exception;
    }

    @Test
    void aComplianceRepositoryInAnObjectLockBucketKeepsItsPacksFromLifeboatAndFromTheRawApi() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Files.write(src.resolve("big.bin"), TestTrees.random(7, 3 * 1024 * 1024));

        // A bucket without Object Lock: refused in one sentence naming it, nothing written.
        String plainBucket = rgw.createBucket("no-lock");
        String plain = rgw.location(plainBucket, "repo");
        Run refused = lifeboat(pw, plain, "init", "--retention-mode", "compliance", "--retention-period", "1d");
        assertThat(refused.exit()).as("%s", refused).isEqualTo(ExitCodes.FATAL);
        assertThat(refused.err().strip().lines().toList()).as("%s", refused).hasSize(1);
        assertThat(refused.err()).startsWith("Fatal: refusing to create a repository with compliance retention of 1d at " + plain)
                .contains("this storage keeps no retention").contains("nothing was written");
        assertThat(objects(plainBucket, "")).isEmpty();

        String bucket = rgw.createObjectLockBucket("retention");
        String location = rgw.location(bucket, "repo");
        Instant before = Instant.now();
        Run init = lifeboat(pw, location, "init", "--retention-mode", "compliance", "--retention-period", "1d").ok();
        assertThat(init.out()).contains("locked with compliance retention of 1d");
        Run backup = lifeboat(pw, location, "backup", src.toString()).ok();
        Instant after = Instant.now();
        assertThat(backup.out()).contains("snapshot");

        // Every object but lock files is under COMPLIANCE retention for a day; no lock file is left.
        List<S3Object> all = objects(bucket, "repo/");
        assertThat(all).extracting(S3Object::key).anyMatch(k -> k.startsWith("repo/data/")).anyMatch(k -> k.startsWith("repo/index/"))
                .anyMatch(k -> k.startsWith("repo/snapshots/")).anyMatch(k -> k.startsWith("repo/keys/")).contains("repo/config")
                .noneMatch(k -> k.startsWith("repo/locks/"));
        Map<String, Instant> until = new HashMap<>();
        for (S3Object o : all) {
            HeadObjectResponse h = raw.headObject(r -> r.bucket(bucket).key(o.key()));
            assertThat(h.objectLockMode()).as(o.key()).isEqualTo(ObjectLockMode.COMPLIANCE);
            assertThat(h.objectLockRetainUntilDate()).as(o.key()).isBetween(before.plus(Duration.ofDays(1)).minusSeconds(5),
                    after.plus(Duration.ofDays(1)).plusSeconds(5));
            until.put(o.key(), h.objectLockRetainUntilDate());
        }
        String packKey = all.stream().map(S3Object::key).filter(k -> k.startsWith("repo/data/")).findFirst().orElseThrow();
        Handle pack = new Handle(FileType.DATA, packKey.substring(packKey.lastIndexOf('/') + 1));
        byte[] packBytes = raw.getObjectAsBytes(r -> r.bucket(bucket).key(packKey)).asByteArray();

        // Lifeboat: a raw remove through the stack is refused, so is writing over the pack, and the
        // repository's remove says which file and until when.
        withStack(location, b -> {
            assertThatThrownBy(() -> b.remove(pack)).isInstanceOf(StorageError.Denied.class).hasMessageContaining("COMPLIANCE retention until");
            assertThatThrownBy(() -> b.save(pack, new byte[] {1, 2, 3})).isInstanceOf(StorageError.AlreadyExists.class);
            try (Repository repo = Repository.open(b, Restic.PASSWORD)) {
                RetainedException e = org.junit.jupiter.api.Assertions.assertThrows(RetainedException.class,
                        () -> repo.removeFile(Repository.FileKind.PACK, Id.parse(pack.name())));
                assertThat(e.file()).isEqualTo("data/" + pack.name());
                assertThat(e.until()).isEqualTo(until.get(packKey));
                assertThat(repo.lockedUntil(Repository.FileKind.PACK, Id.parse(pack.name()))).isEqualTo(until.get(packKey));
            }
        });
        // The AWS SDK with the bucket's own keys: deleting the locked version is refused.
        String version = raw.headObject(r -> r.bucket(bucket).key(packKey)).versionId();
        assertThatThrownBy(() -> raw.deleteObject(r -> r.bucket(bucket).key(packKey).versionId(version)))
                .isInstanceOf(S3Exception.class).satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(403));
        assertThat(raw.getObjectAsBytes(r -> r.bucket(bucket).key(packKey)).asByteArray()).isEqualTo(packBytes);

        // key remove: one sentence naming the key and its retain-until, exit 1, the key kept.
        Path pw2 = Files.writeString(dir.resolve("pw2"), "another password\n");
        lifeboat(pw, location, "key", "add", "--new-password-file", pw2.toString()).ok();
        List<String> keys = objects(bucket, "repo/keys/").stream().map(S3Object::key).toList();
        assertThat(keys).hasSize(2);
        String otherKey = keys.stream().filter(k -> !until.containsKey(k)).findFirst().orElseThrow();
        String otherId = otherKey.substring(otherKey.lastIndexOf('/') + 1);
        Run remove = lifeboat(pw, location, "key", "remove", otherId.substring(0, 8));
        assertThat(remove.exit()).as("%s", remove).isEqualTo(ExitCodes.FATAL);
        assertThat(remove.err().strip().lines().toList()).hasSize(1);
        assertThat(remove.err()).startsWith("Fatal: keys/" + otherId + " in ").contains("is locked by the storage's retention (S3 Object Lock) until ")
                .contains("nothing was removed");
        assertThat(objects(bucket, "repo/keys/")).hasSize(2);

        // restore returns the data; check finds nothing missing and every file locked long enough
        Path target = dir.resolve("restored");
        lifeboat(pw, location, "restore", "latest", "--target", target.toString()).ok();
        Path restored = target.resolve(src.toString().substring(1));
        assertThat(Files.readString(restored.resolve("a.txt"))).isEqualTo("alpha\n");
        assertThat(Files.readAllBytes(restored.resolve("big.bin"))).isEqualTo(Files.readAllBytes(src.resolve("big.bin")));
        Run check = lifeboat(pw, location, "check", "--read-data").ok();
        assertThat(check.out()).contains("no errors were found").contains("retention (compliance retention of 1d): ")
                .contains(" 0 not locked long enough");

        var json = org.lifeboat.repository.Json.MAPPER.readTree(lifeboat(pw, location, "--json", "check").ok().out().strip()
                .lines().reduce((a, b) -> b).orElseThrow()).get("retention");
        assertThat(json.get("mode").asText()).isEqualTo("compliance");
        assertThat(json.get("period").asText()).isEqualTo("1d");
        assertThat(json.get("checked").asInt()).isEqualTo(all.size() + 1); // and the second key
        assertThat(json.get("num_not_locked").asInt()).isZero();
        assertThat(json.get("locked_too_briefly")).isEmpty();

        // retention extend moves retain-until forward (--all: right after the backup nothing is due yet)
        Run due = lifeboat(pw, location, "retention", "extend").ok();
        assertThat(due.out()).contains("extended 0, ");
        Run extend = lifeboat(pw, location, "retention", "extend", "--all").ok();
        assertThat(extend.out()).contains("0 already locked long enough, 0 failed");
        Instant packUntil = raw.headObject(r -> r.bucket(bucket).key(packKey)).objectLockRetainUntilDate();
        assertThat(packUntil).isAfter(until.get(packKey));
        assertThat(raw.headObject(r -> r.bucket(bucket).key("repo/config")).objectLockRetainUntilDate()).isAfter(until.get("repo/config"));
        assertThat(objects(bucket, "repo/locks/")).isEmpty();
    }
}
