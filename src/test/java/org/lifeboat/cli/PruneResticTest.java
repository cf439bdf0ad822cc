package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Lifeboat's prune on a repository restic wrote (format 1 and 2), after {@code restic forget}:
 * a dry run changes no file and reports the figures the real run then reports; the real run leaves a
 * repository that {@code restic check --read-data} finds clean, whose every remaining snapshot
 * restic restores identically, and whose size is within 5 % of what restic's own prune leaves on an
 * identical copy; restic's prune afterwards finds nothing wrong, and Lifeboat's second prune has
 * nothing to remove.
 */
@Tag("restic")
class PruneResticTest {
    @TempDir
    Path work;

    @ParameterizedTest(name = "repository version {0}")
    @ValueSource(ints = {1, 2})
    void pruneAfterResticForgetIsCleanRestorableAndAsSmallAsRestics(int version) throws Exception {
        PruneFixture fx = new PruneFixture(work, "repo", version);
        Path twin = fx.copyTo(work.resolve("twin"));
        Path pw = Cli.passwordFile(work);
        Cli cli = new Cli(fx.repo, pw);

        // (c) the dry run changes nothing, and its figures are the real run's
        Map<String, Long> before = PruneFixture.files(fx.repo);
        Run dry = cli.run("--json", "prune", "--dry-run").ok();
        assertThat(PruneFixture.files(fx.repo)).as("files after prune --dry-run").isEqualTo(before);
        JsonNode dryStats = summary(dry);
        assertThat(dryStats.at("/packfiles/remove").asLong() + dryStats.at("/packfiles/repack").asLong())
                .as("the forgotten snapshots left packs to remove or repack: %s", dryStats).isPositive();
        Run text = cli.run("prune", "-n").ok();
        assertThat(text.out()).contains("Would have made the following changes:").contains("total prune:")
                .contains("remaining:").contains("unused size after prune:").contains("to repack:").contains("to delete:");

        long t0 = System.nanoTime();
        Run real = cli.run("--json", "prune").ok();
        long lifeboatMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(summary(real)).as("the real run's figures").isEqualTo(dryStats);

        Restic twinRestic = new Restic(twin, work.resolve("cache-twin"));
        long t1 = System.nanoTime();
        twinRestic.run("prune").ok();
        long resticMs = (System.nanoTime() - t1) / 1_000_000;
        System.out.printf("prune wall time, repository version %d: lifeboat %d ms, restic %d ms%n", version, lifeboatMs, resticMs);

        PruneFixture.assertResticCheckClean(fx.restic, true, false, "after Lifeboat's prune");
        fx.assertRestores(fx.restic, work, "after Lifeboat's prune");
        long ours = PruneFixture.size(fx.repo);
        long theirs = PruneFixture.size(twin);
        assertThat((double) ours).as("repository size after Lifeboat's prune (%d) against restic's (%d)", ours, theirs)
                .isBetween(theirs * 0.95, theirs * 1.05);
        assertThat(ours).as("prune removed data").isLessThan(PruneFixture.size(work.resolve("twin")) * 2);

        // a second prune finds nothing to remove; restic's prune afterwards is happy too
        JsonNode again = summary(cli.run("--json", "prune").ok());
        assertThat(again.at("/packfiles/remove_total").asLong()).as("second prune: %s", again).isZero();
        assertThat(again.at("/packfiles/repack").asLong()).as("second prune: %s", again).isZero();
        fx.restic.run("prune").ok();
        PruneFixture.assertResticCheckClean(fx.restic, true, false, "after restic's prune following Lifeboat's");
        fx.assertRestores(fx.restic, work, "after restic's prune following Lifeboat's");
        cli.run("check", "--read-data").ok();
    }

    static JsonNode summary(Run r) throws Exception {
        String last = r.out().strip().lines().filter(l -> l.contains("\"message_type\":\"summary\"")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary:\n" + r));
        return Json.MAPPER.readTree(last);
    }
}
