package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * {@code backup --all}: the systems share one repository object, but each snapshot's summary (what
 * is printed and what is stored) counts only that system's own backup.
 */
class BackupAllSummaryTest {
    @TempDir
    Path dir;

    @Test
    void eachSystemsSummaryCountsOnlyItsOwnData() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("src/big"));
        Files.createDirectories(dir.resolve("src/small"));
        Files.write(dir.resolve("src/big/data.bin"), TestTrees.random(5, 3 * 1024 * 1024));
        Files.write(dir.resolve("src/small/note.txt"), new byte[309]);
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { primary: { root: src } }
                systems:
                  big:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/big } ] }
                  small:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/small } ] }
                """);
        Run r = PlanRuns.lifeboat(plan, "--json", "backup", "--all").ok();
        ObjectMapper m = new ObjectMapper();
        Map<String, JsonNode> summaries = new HashMap<>();
        for (String l : r.out().split("\n")) {
            if (!l.startsWith("{")) continue;
            JsonNode n = m.readTree(l);
            if ("summary".equals(n.path("message_type").asText())) summaries.put(n.get("system").asText(), n);
        }
        assertThat(summaries.get("big").get("data_added").asLong()).isGreaterThan(3L * 1024 * 1024);
        JsonNode small = summaries.get("small");
        assertThat(small.get("data_blobs").asLong()).isEqualTo(1);
        assertThat(small.get("data_added").asLong()).as("309 bytes and a few trees, not 3 MiB").isBetween(309L, 16L * 1024);
        assertThat(small.get("data_added_packed").asLong()).isLessThan(16L * 1024);

        // What the snapshot stores says the same.
        Cli cli = new Cli(dir.resolve("repo"), pw);
        JsonNode stored = m.readTree(cli.run("cat", "snapshot", small.get("snapshot_id").asText()).ok().out());
        assertThat(stored.path("summary").path("data_added").asLong()).isEqualTo(small.get("data_added").asLong());
        assertThat(stored.path("summary").path("data_blobs").asLong()).isEqualTo(1);
    }
}
