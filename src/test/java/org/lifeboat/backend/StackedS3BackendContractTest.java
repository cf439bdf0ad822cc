package org.lifeboat.backend;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.lifeboat.testutil.CephRgw;

/**
 * The whole decorator stack over an {@link S3Backend} on a real Ceph RADOS Gateway, with 20% of
 * requests failing transiently (before or after they took effect) below the retry: it still
 * passes the contract, so the S3 backend's failures and Lifeboat's retry fit together.
 */
@Tag("slow")
class StackedS3BackendContractTest extends BackendContract {
    static CephRgw rgw;

    @BeforeAll
    static void startGateway() {
        rgw = CephRgw.shared();
    }

    private int n;

    @Override
    Backend newBackend() throws IOException {
        S3Backend s = S3BackendContractTest.open(rgw, rgw.createBucket("stacked"), "repo", BackendOptions.DEFAULT);
        s.create();
        n++;
        return Backends.stack(s, BackendOptions.DEFAULT.retry(FAST).limits(1 << 20, 1 << 20).faults("transient=0.2,seed=" + n));
    }
}
