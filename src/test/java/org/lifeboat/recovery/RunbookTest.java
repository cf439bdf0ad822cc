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

    @Test
    void theRansomwareSectionSaysHowToRecoverTheCleanPointAndFromWhere() throws Exception {
        Path file = dir.resolve("lifeboat.yaml");
        String systems = """
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { path: /srv/share } ] }
                    restore: [ { path: { from: /srv/share, to: /srv/share } } ]
                """;
        Files.writeString(file, "repositories: { local: { url: repo, password-file: password } }\n" + systems);
        String md = Runbook.markdown(PlanLoader.load(file, null, PlanLoader.Generators.placeholders()), Map.of(), Instant.now());
        assertThat(md).contains("## 5. Ransomware", "recover --clean --dry-run", "drill --clean", "recover --clean --yes",
                "anomalies", "lifeboat tag --remove suspicious ID", "This plan has no off-site or immutable copy");
        Files.writeString(file, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [vault] }
                  vault: { url: "s3:http://127.0.0.1:9000/b", password-file: password, offsite: true, retention: { mode: compliance, period: 30d } }
                """ + systems);
        String safe = Runbook.markdown(PlanLoader.load(file, null, PlanLoader.Generators.placeholders()), Map.of(), Instant.now());
        assertThat(safe).contains("a copy the attacker could not change (immutable: vault)", "recover --clean --from vault --yes`")
                .doesNotContain("no off-site or immutable copy");
        assertThat(Runbook.html(PlanLoader.load(file, null, PlanLoader.Generators.placeholders()), Map.of(), Instant.now()))
                .contains("5. Ransomware");
    }
}
