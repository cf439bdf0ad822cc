package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.KillAt;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * kill -9 of {@code lifeboat prune} (a separate JVM, uploads slowed with --limit-upload so the
 * moments can be caught) when its first new pack appears, when its first new index file appears,
 * after the first old index file is removed and after the first old pack is removed, each on a
 * fresh copy of one repository restic wrote and forgot snapshots in. After each kill every
 * remaining snapshot restores identically with restic and {@code restic check} is clean but for
 * unreferenced packs; a second prune then finishes the work: check clean with no unreferenced
 * pack, snapshots still restoring.
 */
@Tag("slow")
@Tag("restic")
class PruneCrashTest {
    private static final long DEADLINE_SECONDS = 120;

    enum KillPoint { FIRST_NEW_PACK, FIRST_NEW_INDEX, FIRST_OLD_INDEX_REMOVED, FIRST_OLD_PACK_REMOVED }

    @TempDir
    Path work;

    @Test
    void aKilledPruneLeavesEverySnapshotRestorableAndTheNextPruneFinishes() throws Exception {
        PruneFixture fx = new PruneFixture(work, "pristine", 2);
        Path pw = Cli.passwordFile(work);
        List<String> outcomes = new ArrayList<>();
        for (KillPoint point : KillPoint.values()) {
            Path repo = fx.copyTo(work.resolve("repo-" + point));
            Restic restic = new Restic(repo, work.resolve("cache-" + point));
            Cli cli = new Cli(repo, pw);
            String outcome = pruneAndKill(repo, pw, point);
            outcomes.add(point + ": " + outcome);

            cli.run("unlock").ok(); // the dead process's lock, as after any crash
            PruneFixture.assertResticCheckClean(restic, false, true, "after a kill at " + point);
            fx.assertRestores(restic, work, "after a kill at " + point);

            Run second = cli.run("prune");
            assertThat(second.exit()).as("second prune after a kill at %s:\n%s", point, second).isZero();
            PruneFixture.assertResticCheckClean(restic, true, false, "after the second prune (kill at " + point + ")");
            fx.assertRestores(restic, work, "after the second prune (kill at " + point + ")");
            assertThat(Failures.packs(repo).size()).as("packs after the second prune").isEqualTo(packsNamedByIndex(restic));
        }
        assertThat(outcomes).as("the uploads' moments were caught in a running prune")
                .filteredOn(o -> o.startsWith("FIRST_NEW")).allMatch(o -> o.endsWith("killed"));
    }

    /** The packs restic's index lists (restic list packs names the files; check has found none unreferenced). */
    private static int packsNamedByIndex(Restic restic) {
        return (int) restic.run("list", "packs").ok().out().lines().filter(l -> l.matches("[0-9a-f]{64}")).count();
    }

    private String pruneAndKill(Path repo, Path pw, KillPoint point) throws Exception {
        Set<String> packsBefore = names(Failures.packs(repo));
        Set<String> indexBefore = new HashSet<>(Failures.ids(repo, "index"));
        KillAt.Outcome o = KillAt.run(List.of("-r", repo.toString(), "--password-file", pw.toString(),
                "--limit-upload", "4096", "prune", "--max-unused", "0"), work.resolve("prune-" + point + ".log"),
                () -> reached(repo, point, packsBefore, indexBefore), DEADLINE_SECONDS, point.toString());
        if (o.killed()) return "killed";
        assertThat(o.exit()).as("prune ended by itself before %s:\n%s", point, o.output()).isZero();
        return "completed before the kill";
    }

    private static boolean reached(Path repo, KillPoint point, Set<String> packsBefore, Set<String> indexBefore) throws Exception {
        return switch (point) {
            case FIRST_NEW_PACK -> !packsBefore.containsAll(names(Failures.packs(repo)));
            case FIRST_NEW_INDEX -> !indexBefore.containsAll(Failures.ids(repo, "index"));
            case FIRST_OLD_INDEX_REMOVED -> !Failures.ids(repo, "index").containsAll(indexBefore);
            case FIRST_OLD_PACK_REMOVED -> !names(Failures.packs(repo)).containsAll(packsBefore);
        };
    }

    private static Set<String> names(List<Path> paths) {
        Set<String> out = new HashSet<>();
        for (Path p : paths) out.add(p.getFileName().toString());
        return out;
    }
}
