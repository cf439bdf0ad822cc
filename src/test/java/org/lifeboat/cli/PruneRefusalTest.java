package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * prune's refusals, each one sentence with exit 1 and nothing removed: a snapshot whose tree is
 * missing (as restic: run repair snapshots), and an append-only REST server that refuses removals.
 * Both repositories also hold a pack no snapshot uses, so prune would otherwise remove something.
 */
class PruneRefusalTest {
    @TempDir
    Path dir;

    /** A repository with one good snapshot, one whose folder "gone" names a tree never stored, and an unused pack. */
    private static Id[] build(Path repoDir, boolean withMissingTree) throws Exception {
        try (RawRepo raw = RawRepo.create(repoDir)) {
            Id used = raw.data("kept content\n");
            Id good = raw.snapshot(raw.nest("/data", raw.tree(RawRepo.file("a.txt", 13, used))));
            raw.repository().flush();
            raw.data("nobody uses this\n"); // its own pack after the flush above
            raw.repository().flush();
            Id bad = null;
            if (withMissingTree) {
                Id missing = Id.hash("a tree that was never stored".getBytes());
                bad = raw.snapshot(raw.nest("/data", raw.tree(RawRepo.dir("gone", missing))));
            }
            return new Id[] {good, bad, null};
        }
    }

    @Test
    void aMissingTreeStopsPruneBeforeAnythingIsRemoved() throws Exception {
        Path repo = dir.resolve("repo");
        Id[] ids = build(repo, true);
        Map<String, Long> before = PruneFixture.files(repo);
        Cli cli = new Cli(repo, Files.writeString(dir.resolve("pw"), RawRepo.PASSWORD + "\n"));
        Run r = cli.run("prune");
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err().strip().lines().toList()).as("%s", r).hasSize(1);
        assertThat(r.err()).startsWith("Fatal: snapshot " + ids[1].shortHex() + ": tree ").contains("(folder /data/gone/)")
                .contains("is not in the index").doesNotContain("repair index")
                .contains("no pack outside the index holds it, so the data is gone: run 'lifeboat repair snapshots --forget'");
        Failures.assertNoStackTrace(r);
        assertThat(PruneFixture.files(repo)).as("nothing was changed").isEqualTo(before);
        // the dry run refuses the same way
        assertThat(cli.run("prune", "--dry-run").exit()).isEqualTo(ExitCodes.FATAL);
    }

    /** Index files gone, packs whole: the advice is repair index (repair snapshots would drop every snapshot). */
    @Test
    void aLostIndexAdvisesRepairIndexAndAfterItPruneRuns() throws Exception {
        Path repo = dir.resolve("repo");
        build(repo, false);
        try (var files = Files.list(repo.resolve("index"))) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Map<String, Long> before = PruneFixture.files(repo);
        Cli cli = new Cli(repo, Files.writeString(dir.resolve("pw"), RawRepo.PASSWORD + "\n"));
        Run r = cli.run("prune");
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err()).contains("is not in the index").contains("run 'lifeboat repair index' first");
        assertThat(PruneFixture.files(repo)).as("nothing was changed").isEqualTo(before);
        assertThat(cli.run("repair", "index").exit()).isZero();
        Run again = cli.run("prune");
        assertThat(again.exit()).as("%s", again).isZero();
    }

    /**
     * A pack really gone, and only the original kept by repair snapshots (without --forget) uses
     * its data: repair index cannot help (every pack is indexed), so prune advises forgetting the
     * original, and following that advice lets prune run.
     */
    @Test
    void dataReallyGoneAdvisesRepairSnapshotsForgetNotALoopThroughRepairIndex() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("keep.bin"), org.lifeboat.testutil.TestTrees.random(1, 100_000));
        cli.run("backup", src.toString()).ok();
        java.util.List<Path> before = Failures.packs(repo);
        Files.write(src.resolve("lost.bin"), org.lifeboat.testutil.TestTrees.random(2, 300_000));
        cli.run("backup", src.toString()).ok();
        Path gone = null;
        for (Path p : Failures.packs(repo)) if (!before.contains(p) && Files.size(p) > 200_000) gone = p;
        Files.delete(gone);
        cli.run("repair", "index").ok();
        cli.run("repair", "snapshots").ok(); // the original is kept beside its repaired copy

        Map<String, Long> files = PruneFixture.files(repo);
        Run r = cli.run("prune");
        assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
        assertThat(r.err()).contains("not in the index").doesNotContain("repair index")
                .contains("run 'lifeboat repair snapshots --forget'");
        assertThat(PruneFixture.files(repo)).as("nothing was changed").isEqualTo(files);
        cli.run("repair", "snapshots", "--forget").ok();
        Run again = cli.run("prune");
        assertThat(again.exit()).as("%s", again).isZero();
    }

    @Test
    void anAppendOnlyServerIsSaidInOneSentenceAndTheRepositoryStaysWhole() throws Exception {
        Path root = Files.createDirectories(dir.resolve("srv"));
        build(root.resolve("repo"), false);
        try (RestServer server = new RestServer(new ServerOptions(root, "127.0.0.1", 0, null, true, false, true, null, null, 0,
                false, false, false))) {
            String location = "rest:" + server.start() + "repo";
            Path pw = Files.writeString(dir.resolve("pw"), RawRepo.PASSWORD + "\n");
            Run r = Cli.raw(null, "-r", location, "--password-file", pw.toString(), "prune");
            assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
            assertThat(r.err().strip().lines().filter(l -> l.startsWith("Fatal:")).toList()).as("%s", r).hasSize(1);
            assertThat(r.err()).contains("refuses to remove index/").contains("append-only").contains("run prune where the repository is writable");
            Failures.assertNoStackTrace(r);
            Run check = Cli.raw(null, "-r", location, "--password-file", pw.toString(), "check", "--read-data");
            assertThat(check.exit()).as("%s", check).isZero();
            Path target = dir.resolve("restored");
            Cli.raw(null, "-r", location, "--password-file", pw.toString(), "restore", "latest", "--target", target.toString()).ok();
            assertThat(Files.readString(target.resolve("data/a.txt"))).isEqualTo("kept content\n");
        }
    }

    @Test
    void malformedFlagsAreOneSentenceBeforeTheRepositoryIsOpened() throws Exception {
        Path repo = dir.resolve("repo");
        build(repo, false);
        Cli cli = new Cli(repo, Files.writeString(dir.resolve("pw"), RawRepo.PASSWORD + "\n"));
        Map<String[], String> cases = new java.util.LinkedHashMap<>();
        cases.put(new String[] {"prune", "--max-unused", "100%"}, "Fatal: percentage for --max-unused must be below 100%");
        cases.put(new String[] {"prune", "--max-unused", "lots"}, "Fatal: invalid number of bytes \"lots\" for --max-unused");
        cases.put(new String[] {"prune", "--max-repack-size", "1Q"}, "Fatal: invalid number of bytes \"1Q\" for --max-repack-size");
        cases.put(new String[] {"prune", "--repack-smaller-than", "0"}, "Fatal: --repack-smaller-than must be larger than zero");
        cases.put(new String[] {"--no-lock", "prune"}, "Fatal: --no-lock is only applicable in combination with --dry-run");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            Run r = cli.run(c.getKey());
            assertThat(r.exit()).as("%s: %s", String.join(" ", c.getKey()), r).isEqualTo(ExitCodes.FATAL);
            assertThat(r.err().strip().lines().toList()).as("%s", r).hasSize(1);
            assertThat(r.err()).as("%s", String.join(" ", c.getKey())).startsWith(c.getValue());
        }
        // --max-unused 1G and unlimited are taken; --no-lock with --dry-run too
        cli.run("prune", "--dry-run", "--max-unused", "1G").ok();
        cli.run("--no-lock", "prune", "--dry-run", "--max-unused", "unlimited").ok();
    }
}
