package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;

/** The runbook's words for people: times to the second with their zone, never nanoseconds. */
class RunbookTest {
    @TempDir
    Path dir;

    @Test
    void timesAreForPeople() throws Exception {
        Path file = dir.resolve("lifeboat.yaml");
        Files.writeString(file, """
                repositories: { local: { url: repo, password-file: password } }
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { path: /srv/share } ] }
                    restore: [ { path: { from: /srv/share, to: /srv/share } } ]
                """);
        Plan plan = PlanLoader.load(file, null, PlanLoader.Generators.placeholders());
        Instant now = Instant.parse("2026-11-30T11:38:59.123456789Z");
        Instant backup = Instant.parse("2026-11-30T09:15:02.987654321Z");
        String md = Runbook.markdown(plan, Map.of("files", new Runbook.Status("4e5f6a7b".repeat(8), backup, null)), now);
        assertThat(md).doesNotContain("--site null", "site **null**").doesNotContainPattern("\\d:\\d\\d\\.\\d").doesNotContain("123456789", "987654", "T11:38");
        assertThat(md).contains(Runbook.when(now), "Last backup: " + Runbook.when(backup) + " (2h 23m before this runbook");
        assertThat(Runbook.when(now)).matches("2026-11-30 \\d\\d:\\d\\d:59 \\S+");
    }
}
