package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * `forecast` sizes each system by what its restore steps restore from the latest snapshot, not by
 * the whole snapshot: a system backing up a big and a small folder but restoring only the small
 * one is forecast for the small one's bytes; a step naming a folder the snapshot lacks falls back
 * to the whole snapshot and says so.
 */
class ForecastCommandTest {
    @TempDir
    Path dir;

    @Test
    void forecastCountsTheBytesTheRestoreStepsRestore() throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/data/big"));
        Files.createDirectories(dir.resolve("prod/data/small"));
        byte[] big = new byte[3 << 20];
        new java.util.Random(7).nextBytes(big);
        Files.write(dir.resolve("prod/data/big/blob.bin"), big);
        Files.writeString(dir.resolve("prod/data/small/a.txt"), "a".repeat(1000));
        Files.writeString(dir.resolve("prod/data/small/b.txt"), "b".repeat(234));
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod }
                state-dir: state
                systems:
                  part:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/data } ] }
                    restore: [ { path: { from: prod/data/small, to: "${root}/small" } } ]
                  gone:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/data } ] }
                    restore: [ { path: { from: prod/data/not-there, to: "${root}/x" } } ]
                """);
        PlanRuns.lifeboat(plan, "backup", "--all").ok();

        Run json = PlanRuns.lifeboat(plan, "--json", "forecast");
        json.ok();
        Map<String, JsonNode> systems = new HashMap<>();
        for (JsonNode s : PlanRuns.json(json).get("systems")) systems.put(s.get("name").asText(), s);
        assertThat(systems.get("part").get("restore_bytes").asLong()).isEqualTo(1234);
        assertThat(systems.get("part").get("restore_bytes_from").asText()).isEqualTo("steps");
        assertThat(systems.get("gone").get("restore_bytes").asLong()).isEqualTo((3 << 20) + 1234);
        assertThat(systems.get("gone").get("restore_bytes_from").asText()).isEqualTo("snapshot");

        Run text = PlanRuns.lifeboat(plan, "forecast");
        text.ok();
        assertThat(text.out()).contains("TO RESTORE").contains("(whole snapshot)");
        String part = text.out().lines().filter(l -> l.startsWith("part ")).findFirst().orElseThrow();
        assertThat(part.split(" {2,}")[1]).isEqualTo(ProgressLine.bytes(1234));
    }
}
