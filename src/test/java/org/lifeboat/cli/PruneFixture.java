package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * A repository restic wrote for prune tests: five backups of a folder whose files change between
 * them (random, incompressible data and compressible text), then {@code restic forget} of the
 * second and fourth, so packs become partly used and unused. Remembers each remaining snapshot's
 * expected content.
 */
final class PruneFixture {
    final Path repo;
    final Restic restic;
    /** Remaining snapshot ID → the folder's description when it was backed up. */
    final Map<String, Map<String, String>> expected = new LinkedHashMap<>();
    final Path src;

    PruneFixture(Path work, String name, int version) throws IOException {
        repo = work.resolve(name);
        src = work.resolve("src-" + name);
        restic = new Restic(repo, work.resolve("cache-" + name));
        restic.run("init", "--repository-version", Integer.toString(version)).ok();
        Files.createDirectories(src);
        List<String> ids = new ArrayList<>();
        List<Map<String, String>> states = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int f = 0; f < 4; f++) {
                // each round replaces two of the four random files and rewrites the text
                if (round == 0 || (f + round) % 2 == 0) {
                    Files.write(src.resolve("random-" + f + ".bin"), TestTrees.random(round * 10L + f, 3 * 1024 * 1024 + f * 4099));
                }
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 60_000; i++) text.append("round ").append(round).append(" line ").append(i).append('\n');
            Files.writeString(src.resolve("notes-" + round + ".txt"), text);
            if (round >= 2) Files.deleteIfExists(src.resolve("notes-" + (round - 2) + ".txt"));
            Files.createDirectories(src.resolve("sub/r" + round));
            Files.writeString(src.resolve("sub/r" + round + "/small.txt"), "small " + round + "\n");
            Run b = restic.run("backup", "--json", src.toString()).ok();
            String id = null;
            for (String l : b.out().lines().toList()) {
                if (l.contains("\"message_type\":\"summary\"")) id = l.replaceAll(".*\"snapshot_id\":\"([0-9a-f]+)\".*", "$1");
            }
            assertThat(id).as("%s", b).isNotNull();
            ids.add(id);
            states.add(TestTrees.describe(src, false));
        }
        restic.run("forget", ids.get(1), ids.get(3)).ok();
        for (int i : new int[] {0, 2, 4}) expected.put(ids.get(i), states.get(i));
    }

    /** A copy of the repository, file by file, at {@code to}. */
    Path copyTo(Path to) throws IOException {
        TestTrees.exec("cp", "-a", repo.toString(), to.toString());
        return to;
    }

    /** The bytes of data/ and index/ (what prune changes). */
    static long size(Path repo) throws IOException {
        long n = 0;
        for (String d : List.of("data", "index")) {
            try (Stream<Path> s = Files.walk(repo.resolve(d))) {
                for (Path p : s.filter(Files::isRegularFile).toList()) n += Files.size(p);
            }
        }
        return n;
    }

    /** Every file of the repository but locks with its size, for "nothing changed". */
    static Map<String, Long> files(Path repo) throws IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(repo)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = repo.relativize(p).toString();
                if (!rel.startsWith("locks/")) out.put(rel, Files.size(p));
            }
        }
        return out;
    }

    /** Restores every remaining snapshot of {@code repoPath} with restic and compares it with what was backed up. */
    void assertRestores(Restic with, Path work, String when) throws IOException {
        for (Map.Entry<String, Map<String, String>> e : expected.entrySet()) {
            Path target = work.resolve("restore-" + System.nanoTime());
            with.run("restore", e.getKey(), "--target", target.toString()).ok();
            assertThat(TestTrees.describe(target.resolve(src.toString().substring(1)), false))
                    .as("snapshot %s restored by restic %s", e.getKey(), when).isEqualTo(e.getValue());
            TestTrees.exec("rm", "-rf", target.toString());
        }
    }

    /** restic check (with --read-data when asked): exit 0 and no error lines. */
    static void assertResticCheckClean(Restic with, boolean readData, boolean allowUnreferenced, String when) {
        Run c = readData ? with.run("check", "--read-data") : with.run("check");
        assertThat(c.exit()).as("restic check %s:\n%s", when, c).isZero();
        assertThat((c.out() + c.err()).replace("no errors were found", "")).as("restic check %s", when)
                .doesNotContainIgnoringCase("error");
        assertThat(c.out()).as("restic check %s", when).contains("no errors were found");
        if (!allowUnreferenced) assertThat(c.out() + c.err()).as("restic check %s", when).doesNotContain("not referenced in any index");
    }
}
