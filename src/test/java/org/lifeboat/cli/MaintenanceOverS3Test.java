package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.CephRgw;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * forget --prune, tag, rewrite --forget, prune, repair index and migrate on one repository in a
 * bucket of the real Ceph RGW (no Object Lock: its refusals have tests of their own), each step
 * judged by restic: check --read-data clean, every remaining snapshot restored byte-identically.
 * Lifeboat runs in this JVM with the gateway's keys as the AWS SDK's system properties.
 */
@Tag("restic")
@Tag("slow")
class MaintenanceOverS3Test {
    private static final List<String> KEYS = List.of("aws.accessKeyId", "aws.secretAccessKey");

    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();
    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void keys() {
        for (String k : KEYS) saved.put(k, System.getProperty(k));
        System.setProperty("aws.accessKeyId", rgw.accessKey());
        System.setProperty("aws.secretAccessKey", rgw.secretKey());
    }

    @AfterEach
    void restoreKeys() {
        saved.forEach((k, v) -> {
            if (v == null) System.clearProperty(k);
            else System.setProperty(k, v);
        });
    }

    @Test
    void everyMaintenanceCommandLeavesARepositoryResticChecksAndRestores() throws Exception {
        String bucket = rgw.createBucket("maintenance");
        var place = new MaintenanceScenario.Place(rgw.location(bucket, "repo"), List.of("-o", "s3.region=" + rgw.region()),
                List.of(), rgw.env(), new Bucket(rgw, bucket, "repo/"));
        new MaintenanceScenario(dir, place).runAll();
    }

    /** The repository's objects, reached with the SDK's own client. */
    private record Bucket(CephRgw rgw, String bucket, String prefix) implements MaintenanceScenario.Storage {
        @Override
        public Map<String, Long> files() {
            Map<String, Long> out = new TreeMap<>();
            for (S3Object o : rgw.client().listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                out.put(o.key().substring(prefix.length()), o.size());
            }
            return out;
        }

        @Override
        public byte[] read(String name) {
            return rgw.client().getObjectAsBytes(r -> r.bucket(bucket).key(prefix + name)).asByteArray();
        }

        @Override
        public void write(String name, byte[] content) {
            rgw.client().putObject(r -> r.bucket(bucket).key(prefix + name), RequestBody.fromBytes(content));
        }

        @Override
        public void delete(String name) throws IOException {
            rgw.client().deleteObject(r -> r.bucket(bucket).key(prefix + name));
        }
    }
}
