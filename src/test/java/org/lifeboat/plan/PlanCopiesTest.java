package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** copy-to, retention and offsite of a plan's repositories: read, defaulted, and refused with their place. */
class PlanCopiesTest {
    @TempDir
    Path dir;

    private static final String SYSTEM = """
            systems:
              files:
                rpo: 1h
                rto: 1h
                backup: { repository: local, sources: [ { path: /srv } ] }
            """;

    private Path plan(String repositories) throws Exception {
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, "repositories:\n" + repositories + SYSTEM);
        return f;
    }

    private static List<String> errors(List<Problem> all) {
        return all.stream().filter(Problem::isError).map(p -> p.line() + ":" + p.column() + ": " + p.message()).toList();
    }

    @Test
    void copyToRetentionAndOffsiteAreRead() throws Exception {
        Path f = plan("""
                  local: { url: repo, password-file: pw, copy-to: [offsite, vault] }
                  offsite: { url: "sftp:backup@dr:/srv/repo" }
                  vault:
                    url: "s3:https://s3.example.com/vault"
                    retention: { mode: compliance, period: 30d }
                  nas: { url: "sftp:nas.lan:/repo", offsite: false }
                  bunker: { url: /mnt/bunker, offsite: true }
                """);
        assertThat(errors(PlanLoader.validate(f))).isEmpty();
        Plan p = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        Map<String, Plan.RepositorySpec> r = p.repositories();
        assertThat(r.get("local").copyTo()).containsExactly("offsite", "vault");
        assertThat(r.get("local").offsite()).as("a folder is on-site unless said").isFalse();
        assertThat(r.get("offsite").offsite()).as("a remote is off-site unless said").isTrue();
        assertThat(r.get("nas").offsite()).isFalse();
        assertThat(r.get("bunker").offsite()).isTrue();
        assertThat(r.get("vault").retention()).isEqualTo(new Plan.Retention("compliance", Duration.ofDays(30)));
        assertThat(r.get("offsite").retention()).isNull();
        assertThat(p.copyTargets("local")).containsExactly(Map.entry("offsite", "local"), Map.entry("vault", "local"));
    }

    @Test
    void copiesAreFollowedFromRepositoryToRepository() throws Exception {
        Path f = plan("""
                  local: { url: repo, copy-to: [nas] }
                  nas: { url: /mnt/nas, copy-to: [offsite] }
                  offsite: { url: "rest:https://dr.example.com/" }
                """);
        Plan p = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        assertThat(p.copyTargets("local")).containsExactly(Map.entry("nas", "local"), Map.entry("offsite", "nas"));
    }

    @Test
    void unknownSelfAndTwiceNamedTargetsAreErrorsAtTheirPlace() throws Exception {
        Path f = plan("""
                  local: { url: repo, copy-to: [ofsite, local, vault, vault] }
                  offsite: { url: "sftp:dr:/srv/repo" }
                  vault: { url: /mnt/vault }
                """);
        assertThat(errors(PlanLoader.validate(f))).containsExactly(
                "2:33: repository 'local' copies to 'ofsite', which is not a repository of the plan (did you mean 'offsite'?)"
                        + " (repositories: local, offsite, vault)",
                "2:41: repository 'local' copies to itself: name other repositories",
                "2:55: repository 'local' names 'vault' twice in copy-to");
    }

    @Test
    void aCopyCycleIsAnError() throws Exception {
        Path f = plan("""
                  local: { url: repo, copy-to: [offsite] }
                  offsite:
                    url: "sftp:dr:/srv/repo"
                    copy-to: [vault]
                  vault: { url: /mnt/vault, copy-to: local }
                """);
        List<String> e = errors(PlanLoader.validate(f));
        assertThat(e).containsExactly("2:32: copy cycle: local -> offsite -> vault -> local"
                + " (every snapshot would be copied back where it came from)");
    }

    @Test
    void retentionNeedsAnS3RepositoryAndAValidModeAndPeriod() throws Exception {
        Path f = plan("""
                  local: { url: repo, retention: { mode: compliance, period: 30d } }
                  vault: { url: "s3:https://s3.example.com/b", retention: { mode: forever, period: 0s } }
                  cold: { url: "s3:https://s3.example.com/c", retention: { mode: governance, perod: 7d } }
                  nas: { url: /mnt/nas, offsite: maybe }
                """);
        List<String> e = errors(PlanLoader.validate(f));
        assertThat(e).hasSize(6);
        assertThat(e.get(0)).startsWith("2:23: repository 'local' has a retention, but only an s3: repository can keep files"
                + " immutable (S3 Object Lock); its url is ");
        assertThat(e.get(1)).isEqualTo("3:67: retention mode must be compliance or governance, not 'forever'");
        assertThat(e.get(2)).isEqualTo("3:84: period must be longer than 0s: no backup or recovery takes no time");
        assertThat(e).contains("4:58: repository 'cold' retention needs period (how long each file stays immutable, e.g. 30d)",
                "4:78: unknown key 'perod' in repository 'cold' retention (did you mean 'period'?)",
                "5:34: offsite must be true or false, not 'maybe'");
    }

    /** One place named twice (however written) would copy onto itself and count as two places. */
    @Test
    void twoRepositoriesAtOnePlaceAreAnErrorAtTheSecondUrl() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("a"));
        Path f = plan("""
                  local: { url: ./a, copy-to: [b] }
                  b: { url: "local:./a/" }
                  c: { url: link }
                  d: { url: "s3:https://s3.example.com/bucket/repo/" }
                  e: { url: "s3:https://s3.example.com/bucket/repo" }
                  f: { url: ./a2 }
                """);
        List<String> errors = errors(PlanLoader.validate(f));
        String real = dir.resolve("a").toRealPath().toString();
        assertThat(errors).containsExactly(
                "3:13: repositories 'local' and 'b' are the same place (" + real + "); give each repository its own location",
                "4:13: repositories 'local' and 'c' are the same place (" + real + "); give each repository its own location",
                "6:13: repositories 'd' and 'e' are the same place; give each repository its own location");
        // local:REL is the plan's folder's, as a bare path
        Path other = plan("""
                  local: { url: "local:./x" }
                """);
        assertThat(PlanLoader.load(other, null, PlanLoader.Generators.placeholders()).repositories().get("local").url())
                .isEqualTo("local:" + dir.resolve("x"));
    }
}
