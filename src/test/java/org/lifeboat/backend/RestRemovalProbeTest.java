package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;

/**
 * {@link Backend#checkRemovals} through the whole stack {@link Backends#open} builds, against one
 * folder served twice by Lifeboat's REST server, normally and append-only: the normal server
 * passes every type, the append-only one refuses all but locks with a {@link StorageError.Denied}
 * naming the folder; neither changes a file. Messages name a file with one slash after the
 * location, whether or not the location ends in one.
 */
class RestRemovalProbeTest {
    @TempDir
    Path dir;

    private static ServerOptions options(Path root, boolean appendOnly) {
        return new ServerOptions(root, "127.0.0.1", 0, null, true, false, appendOnly, null, null, 0, false, false, true);
    }

    private Map<String, Long> files(Path root) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(root.relativize(p).toString(), Files.size(p));
        }
        return out;
    }

    @Test
    void appendOnlyRefusesEveryTypeButLocksAndNothingChanges() throws Exception {
        Path root = Files.createDirectories(dir.resolve("srv"));
        try (RestServer normal = new RestServer(options(root, false)); RestServer appendOnly = new RestServer(options(root, true))) {
            String normalUrl = normal.start();
            String appendUrl = appendOnly.start();
            try (Backend b = Backends.open("rest:" + normalUrl + "repo/", BackendOptions.parse(List.of()));
                 Backend a = Backends.open("rest:" + appendUrl + "repo", BackendOptions.parse(List.of()))) {
                b.create();
                String id = "ab".repeat(32);
                for (FileType t : List.of(FileType.SNAPSHOT, FileType.INDEX, FileType.DATA, FileType.KEY, FileType.LOCK)) {
                    b.save(new Handle(t, id), new byte[] {1, 2, 3});
                }
                Map<String, Long> before = files(root);
                for (FileType t : List.of(FileType.SNAPSHOT, FileType.INDEX, FileType.DATA, FileType.KEY, FileType.LOCK)) {
                    b.checkRemovals(t);
                }
                a.checkRemovals(FileType.LOCK);
                for (FileType t : List.of(FileType.SNAPSHOT, FileType.INDEX, FileType.DATA, FileType.KEY)) {
                    assertThatThrownBy(() -> a.checkRemovals(t)).isInstanceOf(StorageError.Denied.class)
                            .hasMessage("rest:" + appendUrl + "repo/" + t.folder() + "/: 403 Forbidden: an append-only server deletes"
                                    + " only locks");
                }
                assertThat(files(root)).isEqualTo(before);

                String missing = "cd".repeat(32);
                assertThatThrownBy(() -> a.stat(new Handle(FileType.INDEX, missing))).isInstanceOf(NoSuchFileException.class)
                        .hasMessageContaining("rest:" + appendUrl + "repo/index/" + missing);
                assertThatThrownBy(() -> b.stat(new Handle(FileType.INDEX, missing))).isInstanceOf(NoSuchFileException.class)
                        .hasMessageContaining("rest:" + normalUrl + "repo/index/" + missing);
                assertThatThrownBy(() -> a.remove(new Handle(FileType.INDEX, id))).isInstanceOf(StorageError.Denied.class)
                        .hasMessageStartingWith("rest:" + appendUrl + "repo/index/" + id + ": ");
            }
        }
    }
}
