package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.testutil.CephRgw;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 Object Lock through the S3 backend, on a real Ceph RADOS Gateway that enforces it: files
 * saved under retention cannot be removed, by Lifeboat or by anyone holding the bucket's keys,
 * until the retention ends; retention is extended, never shortened; a bucket without Object Lock
 * refuses a retention rather than promising it falsely.
 */
@Tag("slow")
class S3ObjectLockTest {
    private final CephRgw rgw = CephRgw.shared();
    private final S3Client raw = rgw.client();

    private static byte[] bytes(int n, int seed) {
        byte[] d = new byte[n];
        new Random(seed).nextBytes(d);
        return d;
    }

    private static PutOptions compliance(Duration d) {
        return new PutOptions(PutOptions.Retention.COMPLIANCE, d);
    }

    @Test
    void aFileUnderComplianceRetentionCannotBeRemovedOrReplacedByLifeboatNorThroughTheRawApiAndStillLoads() throws IOException {
        String bucket = rgw.createObjectLockBucket("compliance");
        try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT)) {
            b.create();
            Handle h = new Handle(FileType.DATA, BackendContract.id(1));
            byte[] data = bytes(100_000, 1);
            Instant before = Instant.now();
            b.save(h, data, 0, data.length, compliance(Duration.ofHours(1)));
            Instant after = Instant.now();
            String key = b.key(h);

            FileStat st = b.stat(h);
            assertThat(st.retainUntil()).isBetween(before.plus(Duration.ofHours(1)).minusSeconds(1), after.plus(Duration.ofHours(1)).plusSeconds(1));
            ObjectLockRetention kept = raw.getObjectRetention(r -> r.bucket(bucket).key(key)).retention();
            assertThat(kept.mode()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
            assertThat(kept.retainUntilDate()).isCloseTo(st.retainUntil(), within());

            // Lifeboat refuses to remove it, naming the file and its retention, also through the stack (not retried).
            for (Backend x : new Backend[] {b, Backends.stack(b, BackendOptions.DEFAULT)}) {
                assertThatThrownBy(() -> x.remove(h)).isInstanceOf(StorageError.Denied.class)
                        .hasMessageContaining(bucket + "/repo/data/" + h.name().substring(0, 2) + "/" + h.name())
                        .hasMessageContaining("COMPLIANCE retention until " + st.retainUntil());
            }
            // ... and to write over it.
            assertThatThrownBy(() -> b.save(h, bytes(10, 2))).isInstanceOf(StorageError.AlreadyExists.class);

            // The raw API with the bucket's own keys: deleting the locked version is refused.
            String version = raw.headObject(r -> r.bucket(bucket).key(key)).versionId();
            assertThatThrownBy(() -> raw.deleteObject(r -> r.bucket(bucket).key(key).versionId(version)))
                    .isInstanceOf(S3Exception.class).satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(403));
            // Shortening its retention is refused.
            assertThatThrownBy(() -> raw.putObjectRetention(r -> r.bucket(bucket).key(key).versionId(version)
                    .retention(x -> x.mode(ObjectLockRetentionMode.COMPLIANCE).retainUntilDate(Instant.now().plusSeconds(60)))))
                    .isInstanceOf(S3Exception.class).satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(403));
            // An overwrite cannot touch the locked version: S3 keeps it and puts the new bytes in a newer
            // version, which (carrying no retention) can be deleted, and the locked bytes are back.
            String newer = raw.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes(10, 3))).versionId();
            assertThat(raw.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId(version)).asByteArray()).isEqualTo(data);
            raw.deleteObject(r -> r.bucket(bucket).key(key).versionId(newer));
            assertThat(b.load(h)).isEqualTo(data);
            // A delete without a version only hides it behind a delete marker; removing the marker shows it again.
            String marker = raw.deleteObject(r -> r.bucket(bucket).key(key)).versionId();
            assertThat(b.exists(h)).isFalse();
            raw.deleteObject(r -> r.bucket(bucket).key(key).versionId(marker));
            assertThat(b.load(h)).isEqualTo(data);
            assertThat(b.load(h, 500, 1000)).isEqualTo(java.util.Arrays.copyOfRange(data, 500, 1500));
        }
    }

    @Test
    void aFileWithoutRetentionInAnObjectLockBucketIsRemovedAndAGovernanceOneIsRefused() throws IOException {
        String bucket = rgw.createObjectLockBucket("governance");
        try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "", BackendOptions.DEFAULT)) {
            Handle free = new Handle(FileType.LOCK, BackendContract.id(1));
            b.save(free, bytes(10, 1));
            assertThat(b.stat(free).retainUntil()).isNull();
            b.remove(free);
            assertThat(b.exists(free)).isFalse();
            assertThat(b.list(FileType.LOCK)).isEmpty();

            Handle gov = new Handle(FileType.SNAPSHOT, BackendContract.id(2));
            b.save(gov, bytes(10, 2), 0, 10, new PutOptions(PutOptions.Retention.GOVERNANCE, Duration.ofHours(1)));
            assertThatThrownBy(() -> b.remove(gov)).isInstanceOf(StorageError.Denied.class).hasMessageContaining("GOVERNANCE retention until");
            assertThat(b.load(gov)).isEqualTo(bytes(10, 2));
        }
    }

    @Test
    void retainExtendsARetentionAndNeverShortensOrWeakensIt() throws IOException {
        String bucket = rgw.createObjectLockBucket("retain");
        try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT)) {
            Handle h = new Handle(FileType.INDEX, BackendContract.id(1));
            b.save(h, bytes(50, 1), 0, 50, compliance(Duration.ofHours(1)));
            Instant first = b.stat(h).retainUntil();
            Instant later = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
            b.retain(h, PutOptions.Retention.COMPLIANCE, later);
            assertThat(b.stat(h).retainUntil()).isCloseTo(later, within()).isAfter(first);
            ObjectLockRetention kept = raw.getObjectRetention(r -> r.bucket(bucket).key(b.key(h))).retention();
            assertThat(kept.mode()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
            assertThat(kept.retainUntilDate()).isCloseTo(later, within());
            // Asking for less (an earlier date, a weaker mode) keeps what is there, without an error.
            b.retain(h, PutOptions.Retention.GOVERNANCE, Instant.now().plus(Duration.ofHours(2)));
            kept = raw.getObjectRetention(r -> r.bucket(bucket).key(b.key(h))).retention();
            assertThat(kept.mode()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
            assertThat(kept.retainUntilDate()).isCloseTo(later, within());
            // A file saved without retention gets one.
            Handle plain = new Handle(FileType.SNAPSHOT, BackendContract.id(2));
            b.save(plain, bytes(5, 2));
            b.retain(plain, PutOptions.Retention.COMPLIANCE, later);
            assertThat(b.stat(plain).retainUntil()).isCloseTo(later, within());
            assertThatThrownBy(() -> b.remove(plain)).isInstanceOf(StorageError.Denied.class);
            // Through the stack, and for a missing file.
            Backends.stack(b, BackendOptions.DEFAULT).retain(h, PutOptions.Retention.COMPLIANCE, later.plus(Duration.ofDays(1)));
            assertThat(b.stat(h).retainUntil()).isCloseTo(later.plus(Duration.ofDays(1)), within());
            assertThatThrownBy(() -> b.retain(new Handle(FileType.SNAPSHOT, BackendContract.id(3)), PutOptions.Retention.COMPLIANCE, later))
                    .isInstanceOf(StorageError.NotFound.class);
        }
    }

    @Test
    void aBucketWithoutObjectLockRefusesARetentionAndWritesNothing() throws IOException {
        String bucket = rgw.createBucket("nolock");
        try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT)) {
            Handle h = new Handle(FileType.DATA, BackendContract.id(1));
            assertThatThrownBy(() -> b.save(h, bytes(10, 1), 0, 10, compliance(Duration.ofDays(1))))
                    .isInstanceOf(StorageError.Denied.class)
                    .hasMessageContaining("bucket '" + bucket + "' has no Object Lock");
            assertThat(b.exists(h)).isFalse();
            b.save(h, bytes(10, 1));
            assertThat(b.stat(h).retainUntil()).isNull();
            assertThatThrownBy(() -> b.retain(h, PutOptions.Retention.COMPLIANCE, Instant.now().plusSeconds(3600)))
                    .isInstanceOf(StorageError.Denied.class).hasMessageContaining("has no Object Lock");
            b.remove(h);
            assertThat(b.exists(h)).isFalse();
        }
    }

    @Test
    void aLargeFileUploadedInPartsKeepsItsRetention() throws IOException {
        String bucket = rgw.createObjectLockBucket("parts");
        try (S3Backend b = S3BackendContractTest.open(rgw, bucket, "repo", BackendOptions.DEFAULT, 6 << 20, 5 << 20, 1000)) {
            Handle h = new Handle(FileType.DATA, BackendContract.id(1));
            byte[] big = bytes(11 << 20, 1);
            b.save(h, big, 0, big.length, compliance(Duration.ofHours(1)));
            assertThat(raw.headObject(r -> r.bucket(bucket).key(b.key(h))).eTag()).endsWith("-3\"");
            assertThat(b.stat(h).retainUntil()).isAfter(Instant.now().plus(Duration.ofMinutes(59)));
            assertThatThrownBy(() -> b.remove(h)).isInstanceOf(StorageError.Denied.class);
            assertThatThrownBy(() -> b.save(h, big, 0, big.length)).isInstanceOf(StorageError.AlreadyExists.class);
            assertThat(b.load(h)).isEqualTo(big);
        }
    }

    private static org.assertj.core.data.TemporalUnitOffset within() {
        return new org.assertj.core.data.TemporalUnitWithinOffset(1, ChronoUnit.SECONDS);
    }
}
