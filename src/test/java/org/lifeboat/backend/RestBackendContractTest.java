package org.lifeboat.backend;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;

/**
 * {@link RestBackend} passes the backend contract against Lifeboat's own REST server
 * (serve-repository) over real HTTP: a fresh repository per test under one server. Upload
 * verification is off because the contract stores random bytes under random IDs.
 */
@Tag("slow")
class RestBackendContractTest extends BackendContract {
    @TempDir
    static Path dir;

    private static RestServer server;
    private static String url;
    private static int n;

    @BeforeAll
    static void startServer() throws IOException {
        server = new RestServer(new ServerOptions(dir, "127.0.0.1", 0, null, true, false, false, null, null, 0, false, false, true));
        url = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /**
     * The contract's version for REST: a name that is not an ID cannot be stored through the
     * protocol at all (the server refuses it), so such files are put into the served folder
     * directly, and the listing must still skip them.
     */
    @Override
    @org.junit.jupiter.api.Test
    void listCallsBackExactlyOncePerFileAndIgnoresNamesThatAreNotIds() throws IOException {
        int count = 300;
        for (int i = 0; i < count; i++) b.save(new Handle(FileType.DATA, id(1000 + i)), bytes(10 + i % 7, i));
        Path repo = dir.resolve("repo" + (n - 1));
        java.nio.file.Files.write(repo.resolve("data/zz-not-an-id"), bytes(5, 1));
        java.nio.file.Files.write(repo.resolve("data").resolve(id(1).substring(0, 2)).resolve("x-not-an-id"), bytes(5, 1));
        java.nio.file.Files.write(repo.resolve("snapshots/README"), bytes(5, 1));
        java.nio.file.Files.write(repo.resolve("snapshots").resolve(id(1).toUpperCase()), bytes(5, 1));
        java.util.Map<String, Integer> calls = new java.util.HashMap<>();
        b.list(FileType.DATA, f -> calls.merge(f.name(), 1, Integer::sum));
        org.assertj.core.api.Assertions.assertThat(calls).hasSize(count);
        org.assertj.core.api.Assertions.assertThat(calls.values()).allMatch(c -> c == 1);
        org.assertj.core.api.Assertions.assertThat(b.list(FileType.SNAPSHOT)).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.save(new Handle(FileType.DATA, "zz-not-an-id"), bytes(5, 1)))
                .isInstanceOf(IOException.class).hasMessageContaining("400");
    }

    @Override
    Backend newBackend() throws IOException {
        String location = "rest:" + url + "repo" + n++ + "/";
        Backend b = RestBackend.open(location, location.substring(5), BackendOptions.DEFAULT);
        b.create();
        return b;
    }
}
