package org.lifeboat.backend;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalBackend} passes the backend contract. */
class LocalBackendContractTest extends BackendContract {
    @TempDir
    Path dir;

    private int n;

    @Override
    Backend newBackend() throws IOException {
        LocalBackend l = new LocalBackend(dir.resolve("repo" + n++));
        l.create();
        return l;
    }
}
