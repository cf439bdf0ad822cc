package org.lifeboat.backend;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole decorator stack over a {@link LocalBackend}, with 20% of requests failing transiently
 * (before or after they took effect) below the retry: it still passes the contract.
 */
class StackedLocalBackendContractTest extends BackendContract {
    @TempDir
    Path dir;

    private int n;

    @Override
    Backend newBackend() throws IOException {
        LocalBackend l = new LocalBackend(dir.resolve("repo" + n++));
        l.create();
        return Backends.stack(l, BackendOptions.DEFAULT.retry(FAST).limits(1 << 20, 1 << 20).faults("transient=0.2,seed=" + n));
    }
}
