package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * Following exactly the advice Lifeboat prints: for each kind of damage, {@code check --read-data}
 * names one next step, the test runs it, and checks again, at most five steps. At the end restic
 * 0.14's {@code check --read-data} finds the repository clean and every snapshot whose data was
 * intact is still there, restoring byte for byte.
 */
@Tag("restic")
class RepairAdviceTest {
    /** The kinds of damage, each done to the second snapshot's data (or its index file). */
    enum Damage { LOST_INDEX_FILE, MISSING_PACK, TRUNCATED_PACK, BAD_PACK_HEADER, ONE_CORRUPTED_BLOB }

    private static final Pattern NEXT = Pattern.compile("next step: run '(lifeboat [^']+)', then check again");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Damage.class)
    void followingTheAdviceEndsCleanWithoutLosingAnIntactSnapshot(Damage damage) throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = Cli.passwordFile(dir);
        Cli cli = Failures.init(repo, pw);
        Restic restic = new Restic(repo, dir.resolve("restic-cache"));
        Path srcA = Files.createDirectories(dir.resolve("a"));
        Path srcB = Files.createDirectories(dir.resolve("b"));
        byte[] a = TestTrees.random(11, 400_000);
        Files.write(srcA.resolve("a.bin"), a);
        String first = Failures.snapshotId(cli.run("backup", srcA.toString()).ok());
        List<String> indexA = Failures.ids(repo, "index");
        Set<Id> packsA = packs(repo);
        // several blobs in one pack: a truncated or corrupted pack loses some, not all
        for (int i = 0; i < 4; i++) Files.write(srcB.resolve("b" + i + ".bin"), TestTrees.random(20 + i, 300_000));
        String second = Failures.snapshotId(cli.run("backup", srcB.toString()).ok());
        List<String> indexB = new ArrayList<>(Failures.ids(repo, "index"));
        indexB.removeAll(indexA);
        Id packB = dataPackOf(repo, packsA);
        Path fileB = repo.resolve("data").resolve(packB.hex().substring(0, 2)).resolve(packB.hex());
        String firstFull = fullId(restic, first);
        String secondFull = fullId(restic, second);

        switch (damage) {
            case LOST_INDEX_FILE -> {
                assertThat(indexB).hasSize(1);
                Files.delete(repo.resolve("index").resolve(indexB.getFirst()));
            }
            case MISSING_PACK -> Files.delete(fileB);
            case TRUNCATED_PACK -> Failures.truncate(fileB, Files.size(fileB) / 2);
            case BAD_PACK_HEADER -> Failures.flipByte(fileB, Files.size(fileB) - 20);
            case ONE_CORRUPTED_BLOB -> Failures.flipByte(fileB, 100);
        }

        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> steps = new ArrayList<>();
        boolean clean = false;
        for (int step = 0; step < 5 && !clean; step++) {
            Run check = cli.run("check", "--read-data");
            if (check.exit() == 0) {
                clean = true;
                break;
            }
            Matcher m = NEXT.matcher(check.err());
            assertThat(m.find()).as("%s: check names a next step after %s:\n%s", damage, steps, check).isTrue();
            String advised = m.group(1);
            steps.add(advised);
            List<String> args = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString()));
            args.addAll(List.of(advised.substring("lifeboat ".length()).split(" ")));
            Run r = Proc.run(Cli.command(args.toArray(String[]::new)), Map.of(), work, null, 300);
            assertThat(r.exit()).as("%s: '%s' after %s:\n%s", damage, advised, steps, r).isZero();
        }
        assertThat(clean).as("%s: clean after following %s", damage, steps).isTrue();
        switch (damage) {
            case LOST_INDEX_FILE -> assertThat(steps).containsExactly("lifeboat repair index");
            case MISSING_PACK -> assertThat(steps).containsExactly("lifeboat repair index", "lifeboat repair snapshots --forget");
            case TRUNCATED_PACK, ONE_CORRUPTED_BLOB -> assertThat(steps)
                    .containsExactly("lifeboat repair packs " + packB.hex(), "lifeboat repair snapshots --forget");
            case BAD_PACK_HEADER -> assertThat(steps).containsExactly("lifeboat repair packs " + packB.hex());
        }

        Run judge = restic.run("check", "--read-data");
        assertThat(judge.exit()).as("%s: restic check --read-data after %s:\n%s", damage, steps, judge).isZero();
        List<String> ids = restic.snapshotIds();
        assertThat(ids).as("%s: the intact snapshot stays", damage).contains(firstFull);
        Path restored = dir.resolve("restored");
        restic.run("restore", firstFull, "--target", restored.toString()).ok();
        assertThat(Files.readAllBytes(restored.resolve(srcA.toString().substring(1)).resolve("a.bin"))).isEqualTo(a);
        if (damage == Damage.LOST_INDEX_FILE || damage == Damage.BAD_PACK_HEADER) {
            // its data was all there: it is kept as it was
            assertThat(ids).as("%s: the second snapshot's data was intact", damage).contains(secondFull).hasSize(2);
            Path r2 = dir.resolve("restored2");
            restic.run("restore", secondFull, "--target", r2.toString()).ok();
            for (int i = 0; i < 4; i++) {
                assertThat(Files.readAllBytes(r2.resolve(srcB.toString().substring(1)).resolve("b" + i + ".bin")))
                        .isEqualTo(TestTrees.random(20 + i, 300_000));
            }
        } else {
            assertThat(ids).as("%s: the damaged snapshot is replaced by its repaired copy", damage).hasSize(2)
                    .doesNotContain(secondFull);
        }
    }

    static String fullId(Restic restic, String shortId) {
        for (String id : restic.snapshotIds()) if (id.startsWith(shortId)) return id;
        throw new AssertionError("restic lists no snapshot " + shortId);
    }

    static Set<Id> packs(Path repo) throws Exception {
        Set<Id> out = new HashSet<>();
        for (Path p : Failures.packs(repo)) out.add(Id.parse(p.getFileName().toString()));
        return out;
    }

    /** The one pack holding only data blobs that is not among {@code before}. */
    static Id dataPackOf(Path repo, Set<Id> before) throws Exception {
        List<Id> found = new ArrayList<>();
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            for (Map.Entry<Id, List<PackedBlob>> e : r.blobsByPack().entrySet()) {
                if (before.contains(e.getKey())) continue;
                if (e.getValue().stream().allMatch(b -> b.type() == BlobType.DATA)) found.add(e.getKey());
            }
        }
        assertThat(found).as("the second backup's data has one pack").hasSize(1);
        return found.getFirst();
    }
}
