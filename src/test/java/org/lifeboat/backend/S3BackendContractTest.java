package org.lifeboat.backend;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.lifeboat.testutil.CephRgw;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@link S3Backend} passes the backend contract against a real Ceph RADOS Gateway (one per JVM,
 * a fresh bucket per test, the repository under a prefix).
 */
@Tag("slow")
class S3BackendContractTest extends BackendContract {
    static CephRgw rgw;

    @BeforeAll
    static void startGateway() {
        rgw = CephRgw.shared();
    }

    @Override
    Backend newBackend() throws IOException {
        S3Backend s = open(rgw, rgw.createBucket("contract"), "repo/x", BackendOptions.DEFAULT);
        s.create();
        return s;
    }

    /** An S3 backend on the gateway as its test user, at s3:http://127.0.0.1:PORT/BUCKET/PREFIX. */
    static S3Backend open(CephRgw rgw, String bucket, String prefix, BackendOptions options) {
        return open(rgw, bucket, prefix, options, S3Backend.MULTIPART_THRESHOLD, S3Backend.PART_SIZE, 1000);
    }

    /** As above with other multipart sizes and listing pages. */
    static S3Backend open(CephRgw rgw, String bucket, String prefix, BackendOptions options, int threshold, int part, int page) {
        String location = rgw.location(bucket, prefix);
        return S3Backend.open(location, S3Location.parse(location, location.substring(3)), options,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(rgw.accessKey(), rgw.secretKey())), null, Map.of(),
                threshold, part, page);
    }
}
