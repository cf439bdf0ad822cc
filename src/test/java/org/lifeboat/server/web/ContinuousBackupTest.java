package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code schedule: { backup: continuous }} (issue 13): a change in a watched folder, also in a
 * folder created after the service started, is backed up once the files are quiet, without
 * waiting for the half-RPO fallback (an hour here).
 */
class ContinuousBackupTest {
    @TempDir
    Path dir;

    private static List<String> triggers(ServeFixture s) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode j : s.json("/api/systems/docs/jobs")) {
            if (j.get("result").asText().equals("succeeded")) out.add(j.get("trigger").asText());
        }
        return out;
    }

    @Test
    void aChangeIsBackedUpOnceTheFilesAreQuiet() throws Exception {
        ServeFixture.repository(dir, "main");
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("a.txt"), "one");
        try (ServeFixture serve = new ServeFixture(dir, """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  docs:
                    rpo: 2h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                    schedule: { backup: continuous }
                """.formatted(ServeFixture.repositoryLine(dir, "main").stripTrailing()), null, "h")) {
            serve.await("the first backup", Duration.ofSeconds(60), () -> {
                try {
                    return triggers(serve).size() == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            Files.writeString(src.resolve("a.txt"), "two");
            serve.await("a backup after the change", Duration.ofSeconds(60), () -> {
                try {
                    return triggers(serve).size() == 2;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(triggers(serve).getFirst()).isEqualTo("continuous");
            // a folder made after the start is watched too
            Path sub = src.resolve("new/deeper");
            Files.createDirectories(sub);
            serve.await("the backup of the new folder", Duration.ofSeconds(60), () -> {
                try {
                    return triggers(serve).size() == 3;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            Files.writeString(sub.resolve("b.txt"), "three");
            serve.await("a backup of a file in the new folder", Duration.ofSeconds(60), () -> {
                try {
                    return triggers(serve).size() == 4;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            JsonNode newest = serve.json("/api/systems/docs/jobs").get(0).get("snapshot");
            JsonNode tree = serve.json("/api/snapshots/" + newest.asText() + "/tree?path=" + sub);
            assertThat(tree.get("entries").get(0).get("name").asText()).isEqualTo("b.txt");
            assertThat(serve.json("/api/systems/docs").get("schedule").get("backup").asText()).isEqualTo("continuous");
        }
    }
}
