package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * repair index, repair snapshots, repair packs and rebuild-index on damaged repositories (a
 * missing pack, a corrupted pack, a deleted index, a missing tree), each judged by restic 0.14:
 * its {@code check --read-data} finds the repaired repository clean, and it restores the
 * repaired snapshots, with exactly the reported files short of their lost data.
 */
@Tag("restic")
class RepairCommandTest {
    @TempDir
    Path dir;

    Path repo;
    Path pw;
    Path src;
    Cli cli;
    Restic restic;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        pw = Cli.passwordFile(dir);
        cli = Failures.init(repo, pw);
        restic = new Restic(repo, dir.resolve("restic-cache"));
        src = Files.createDirectories(dir.resolve("src"));
    }

    /** Pack → the types of blob the index places in it. */
    private Map<Id, Set<BlobType>> packTypes() throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            Map<Id, Set<BlobType>> out = new java.util.HashMap<>();
            for (Map.Entry<Id, List<PackedBlob>> e : r.blobsByPack().entrySet()) {
                Set<BlobType> t = new HashSet<>();
                e.getValue().forEach(b -> t.add(b.type()));
                out.put(e.getKey(), t);
            }
            return out;
        }
    }

    /** How many blobs the index places in a pack. */
    private int blobsIn(Id pack) throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            return r.blobsByPack().get(pack).size();
        }
    }

    private List<Id> dataPacks() throws Exception {
        List<Id> out = new ArrayList<>();
        packTypes().forEach((p, t) -> {
            if (t.equals(Set.of(BlobType.DATA))) out.add(p);
        });
        return out;
    }

    private Path packFile(Id pack) {
        return repo.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
    }

    /** restic check --read-data: the judge. */
    private void resticFindsItClean() {
        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as("restic check --read-data after the repair:\n%s", check).isZero();
        assertThat(check.out()).contains("no errors were found");
    }

    /** Restores a snapshot with restic; returns the restored copy of {@link #src}. */
    private Path resticRestores(String snapshot) {
        Path target = dir.resolve("restored-" + snapshot);
        restic.run("restore", snapshot, "--target", target.toString()).ok();
        return target.resolve(src.toString().substring(1));
    }

    private static String fullId(Restic restic, String shortId) {
        for (JsonNode s : restic.json("snapshots", "--json")) if (s.get("id").asText().startsWith(shortId)) return s.get("id").asText();
        throw new AssertionError("restic lists no snapshot " + shortId);
    }

    // ------------------------------------------------------------------ a missing pack

    @Test
    void aMissingPackIsDroppedFromTheIndexAndTheSnapshotLosesOnlyThatFile() throws Exception {
        byte[] keep = TestTrees.random(1, 200_000);
        Files.write(src.resolve("keep.bin"), keep);
        Failures.snapshotId(cli.run("backup", src.toString()).ok());
        List<Id> before = dataPacks();
        Files.write(src.resolve("lost.bin"), TestTrees.random(2, 300_000));
        String second = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        List<Id> added = new ArrayList<>(dataPacks());
        added.removeAll(before);
        assertThat(added).as("lost.bin's data has a pack of its own").hasSize(1);
        Id gone = added.getFirst();
        Files.delete(packFile(gone));
        String secondFull = fullId(restic, second);

        Run index = cli.run("repair", "index");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).contains("pack " + gone.hex() + " is missing").contains("saved new index");

        Run snaps = cli.run("repair", "snapshots", "--forget");
        assertThat(snaps.exit()).as("%s", snaps).isZero();
        assertThat(snaps.out()).as("the loss is named per file")
                .contains("file \"" + src.resolve("lost.bin") + "\": removed missing content (1 of 1 blob, 300000 of 300000 bytes lost)")
                .doesNotContain("keep.bin").contains("removed old snapshot " + second).contains("modified 1 snapshot");

        resticFindsItClean();
        List<String> ids = restic.snapshotIds();
        assertThat(ids).hasSize(2).doesNotContain(secondFull);
        JsonNode repaired = null;
        for (JsonNode s : restic.json("snapshots", "--json")) if (s.has("original")) repaired = s;
        assertThat(repaired).as("the repaired snapshot records its original").isNotNull();
        assertThat(repaired.get("original").asText()).isEqualTo(secondFull);
        assertThat(repaired.has("tags")).as("--forget: no 'repaired' tag").isFalse();
        Path restored = resticRestores(repaired.get("id").asText());
        assertThat(Files.readAllBytes(restored.resolve("keep.bin"))).isEqualTo(keep);
        assertThat(Files.size(restored.resolve("lost.bin"))).as("the file stays, without its lost data").isZero();
    }

    // ------------------------------------------------------------------ a corrupted pack

    @Test
    void aCorruptedPackIsSalvagedBlobByBlobAndTheLossIsReported() throws Exception {
        byte[] big = TestTrees.random(3, 4 * 1024 * 1024);
        byte[] small = TestTrees.random(4, 50_000);
        Files.write(src.resolve("big.bin"), big);
        Files.write(src.resolve("small.bin"), small);
        String snap = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        List<Id> data = dataPacks();
        assertThat(data).hasSize(1);
        Id damaged = data.getFirst();
        byte[] original = Files.readAllBytes(packFile(damaged));
        int blobs = blobsIn(damaged);
        Failures.flipByte(packFile(damaged), 100); // inside the pack's first blob
        byte[] corrupted = Files.readAllBytes(packFile(damaged));
        assertThat(restic.run("check", "--read-data").exit()).as("restic sees the damage first").isNotZero();

        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> cmd = Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", damaged.hex());
        Run r = Proc.run(cmd, Map.of(), work, null, 300);
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("salvaging intact data").contains("failed to load data blob");
        assertThat(r.err()).contains("1 blob was lost: run 'lifeboat repair snapshots --forget'");
        assertThat(Files.readAllBytes(work.resolve("pack-" + damaged.hex()))).as("restic's backup copy, as it was")
                .isEqualTo(corrupted).isNotEqualTo(original);
        // the counts: every other blob of the pack stored again, the one index file the backup wrote
        // replaced (the salvage's own index is not counted as old)
        assertThat(r.out().lines()).contains("salvaged " + (blobs - 1) + " blobs, 1 could not be read", "removed 1 old index file");
        assertThat(packFile(damaged)).as("removed, as restic 0.17 does: the backup copy keeps its damaged bytes").doesNotExist();
        assertThat(r.out()).doesNotContain("was kept").doesNotContain("all blobs of the damaged packs were salvaged");
        assertThat(packTypes()).doesNotContainKey(damaged);
        // a second repair index finds nothing to re-index: the damaged blob does not come back
        Run index = cli.run("repair", "index", "--read-all-packs");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).contains("0 damaged, 0 unreadable");

        Run snaps = cli.run("repair", "snapshots", "--forget");
        assertThat(snaps.exit()).as("%s", snaps).isZero();
        List<String> files = snaps.out().lines().filter(l -> l.contains("removed missing content")).toList();
        assertThat(files).as("exactly one file lost one blob:\n%s", snaps).hasSize(1);
        assertThat(files.getFirst()).contains("(1 of ");
        resticFindsItClean();
        String repaired = restic.snapshotIds().getFirst();
        assertThat(repaired).doesNotStartWith(snap);
        Path restored = resticRestores(repaired);
        // the damaged file is shorter by exactly its lost blob; the other is whole
        boolean bigHurt = files.getFirst().contains("big.bin");
        Path hurt = restored.resolve(bigHurt ? "big.bin" : "small.bin");
        Path whole = restored.resolve(bigHurt ? "small.bin" : "big.bin");
        assertThat(Files.readAllBytes(whole)).isEqualTo(bigHurt ? small : big);
        assertThat(Files.size(hurt)).isLessThan(bigHurt ? big.length : small.length);
        String lost = files.getFirst().replaceAll(".*blobs?, (\\d+) of.*", "$1");
        assertThat(Files.size(hurt) + Long.parseLong(lost)).isEqualTo(bigHurt ? big.length : small.length);
    }

    // ------------------------------------------------------------------ a damaged pack header

    @Test
    void aPackWhoseHeaderIsUnreadableKeepsItsIndexEntriesAndRepairPacksSalvagesEveryBlob() throws Exception {
        byte[] content = TestTrees.random(5, 300_000);
        Files.write(src.resolve("a.bin"), content);
        String snap = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        Id damaged = dataPacks().getFirst();
        int blobs = blobsIn(damaged);
        Path file = packFile(damaged);
        Failures.flipByte(file, Files.size(file) - 20); // inside the encrypted header: the blobs are intact

        Run index = cli.run("repair", "index", "--read-all-packs");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).as("the old entries are the only description of its blobs:\n%s", index)
                .contains("pack " + damaged.hex() + " is damaged").contains("its " + blobs + (blobs == 1 ? " index entry is kept" : " index entries are kept"))
                .contains("next step: run 'lifeboat repair packs " + damaged.hex() + "'").doesNotContain("--forget");
        assertThat(packTypes()).containsKey(damaged);

        Path work = Files.createDirectories(dir.resolve("work"));
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", damaged.hex()),
                Map.of(), work, null, 300);
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out().lines()).contains("salvaged " + blobs + (blobs == 1 ? " blob" : " blobs") + ", 0 could not be read",
                "all blobs of the damaged packs were salvaged");
        assertThat(file).doesNotExist();
        resticFindsItClean();
        assertThat(restic.snapshotIds()).as("nothing was lost: the snapshot is unchanged").containsExactly(fullId(restic, snap));
        assertThat(Files.readAllBytes(resticRestores(snap).resolve("a.bin"))).isEqualTo(content);
    }

    @Test
    void aPackNeitherIndexNorHeaderDescribesIsCountedAsUnreadNotAsZeroLost() throws Exception {
        Files.write(src.resolve("a.bin"), TestTrees.random(5, 300_000));
        cli.run("backup", src.toString()).ok();
        Id damaged = dataPacks().getFirst();
        Path file = packFile(damaged);
        Failures.flipByte(file, Files.size(file) - 20);
        for (String i : Failures.ids(repo, "index")) Files.delete(repo.resolve("index").resolve(i));

        Run index = cli.run("repair", "index");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).contains("skipped incomplete pack file " + damaged.hex())
                .contains("next step: run 'lifeboat repair packs " + damaged.hex() + "'");

        Path work = Files.createDirectories(dir.resolve("work"));
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", damaged.hex()),
                Map.of(), work, null, 300);
        assertThat(r.exit()).as("%s", r).isZero();
        Failures.assertNoStackTrace(r);
        assertThat(r.out().lines()).contains("salvaged 0 blobs; 1 pack could not be read at all (how many blobs it holds is unknown)");
        assertThat(r.out()).doesNotContain("0 could not be read");
        assertThat(r.out().lines()).as("the index repair index wrote; not the salvage's own").contains("removed 1 old index file");
        assertThat(r.err()).contains("nothing was salvaged from 1 pack whose header cannot be read");
        assertThat(work.resolve("pack-" + damaged.hex())).as("its bytes are kept outside the repository").exists();
        assertThat(file).doesNotExist();
    }

    // ------------------------------------------------------------------ the README's order

    /**
     * A truncated pack has lost its header: repair index first (the README's order) keeps the old
     * index entries, so repair packs then salvages the blobs before the cut.
     */
    @Test
    void repairIndexBeforeRepairPacksKeepsWhatATruncatedPackStillHolds() throws Exception {
        for (int i = 0; i < 4; i++) Files.write(src.resolve("f" + i + ".bin"), TestTrees.random(40 + i, 300_000));
        cli.run("backup", src.toString()).ok();
        Id damaged = dataPacks().getFirst();
        int blobs = blobsIn(damaged);
        Path file = packFile(damaged);
        Failures.truncate(file, Files.size(file) / 2);

        Run index = cli.run("repair", "index");
        assertThat(index.exit()).as("%s", index).isZero();
        assertThat(index.out()).contains("its " + blobs + (blobs == 1 ? " index entry is kept" : " index entries are kept"))
                .contains("next step: run 'lifeboat repair packs " + damaged.hex() + "'");

        Path work = Files.createDirectories(dir.resolve("work"));
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", damaged.hex()),
                Map.of(), work, null, 300);
        assertThat(r.exit()).as("%s", r).isZero();
        String line = r.out().lines().filter(l -> l.startsWith("salvaged ")).findFirst().orElseThrow();
        int salvaged = Integer.parseInt(line.replaceAll("salvaged (\\d+) blobs?, (\\d+) could not be read", "$1"));
        int lost = Integer.parseInt(line.replaceAll("salvaged (\\d+) blobs?, (\\d+) could not be read", "$2"));
        assertThat(salvaged).as("the blobs before the cut: %s", r).isPositive();
        assertThat(salvaged + lost).isEqualTo(blobs);
        Run snaps = cli.run("repair", "snapshots", "--forget");
        assertThat(snaps.exit()).as("%s", snaps).isZero();
        resticFindsItClean();
    }

    // ------------------------------------------------------------------ a lost index file

    @Test
    void aLostIndexFileIsRepairIndexNotPruneAndRepairSnapshotsRefuses() throws Exception {
        Files.write(src.resolve("one.bin"), TestTrees.random(8, 200_000));
        cli.run("backup", src.toString()).ok();
        List<String> first = Failures.ids(repo, "index");
        Files.write(src.resolve("two.bin"), TestTrees.random(9, 200_000));
        cli.run("backup", src.toString()).ok();
        List<String> second = new ArrayList<>(Failures.ids(repo, "index"));
        second.removeAll(first);
        Files.delete(repo.resolve("index").resolve(second.getFirst()));

        Run check = cli.run("check");
        assertThat(check.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(check.err()).contains("next step: run 'lifeboat repair index', then check again")
                .doesNotContain("prune removes it").doesNotContain("lifeboat prune");

        Map<String, String> before = Failures.fingerprint(repo);
        Run snaps = cli.run("repair", "snapshots", "--forget");
        String fatal = Failures.fatal(snaps, ExitCodes.FATAL);
        assertThat(fatal).contains("2 packs hold blobs the index does not list") // the second backup's data and tree packs
                .contains("run 'lifeboat repair index' first (nothing was changed)");
        Map<String, String> after = Failures.fingerprint(repo);
        after.keySet().removeIf(k -> k.startsWith("locks"));
        before.keySet().removeIf(k -> k.startsWith("locks"));
        assertThat(after).as("nothing was changed").isEqualTo(before);

        cli.run("repair", "index").ok();
        Run clean = cli.run("check");
        assertThat(clean.exit()).as("%s", clean).isZero();
        assertThat(clean.err()).doesNotContain("next step");
        resticFindsItClean();
        assertThat(restic.snapshotIds()).hasSize(2);
    }

    @Test
    void aPackIdThatNamesNoPackChangesNothing() throws Exception {
        Files.write(src.resolve("a.bin"), TestTrees.random(6, 1000));
        cli.run("backup", src.toString()).ok();
        Map<String, String> before = Failures.fingerprint(repo);
        String noPack = "ab".repeat(32);
        Path work = Files.createDirectories(dir.resolve("work"));
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", noPack),
                Map.of(), work, null, 300);
        String fatal = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(fatal).contains("there is no pack " + noPack).contains("nothing was changed");
        Map<String, String> after = Failures.fingerprint(repo);
        after.keySet().removeIf(k -> k.startsWith("locks"));
        before.keySet().removeIf(k -> k.startsWith("locks"));
        assertThat(after).as("the index was not rewritten").isEqualTo(before);
        assertThat(r.out()).doesNotContain("salvaged");
    }

    @Test
    void aBackupCopyThatCannotBeWrittenIsOneSentenceAndChangesNothing() throws Exception {
        Files.write(src.resolve("a.bin"), TestTrees.random(7, 1000));
        cli.run("backup", src.toString()).ok();
        Id pack = dataPacks().getFirst();
        Map<String, String> before = Failures.fingerprint(repo);
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", pack.hex()),
                Map.of(), Path.of("/proc"), null, 300);
        String fatal = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(fatal).contains("the backup copy of pack " + pack.hex() + " could not be written to /proc")
                .contains("nothing was changed").doesNotContain("does not exist");
        Map<String, String> after = Failures.fingerprint(repo);
        after.keySet().removeIf(k -> k.startsWith("locks"));
        before.keySet().removeIf(k -> k.startsWith("locks"));
        assertThat(after).isEqualTo(before);
    }

    @Test
    void aDanglingSymlinkWhereTheBackupCopyGoesIsAnExistingCopyAndNothingIsChanged() throws Exception {
        // brk3 M1: the pre-check followed the link, found nothing, and the run then failed half-way
        Files.write(src.resolve("a.bin"), TestTrees.random(8, 1000));
        cli.run("backup", src.toString()).ok();
        Id pack = dataPacks().getFirst();
        Path work = Files.createDirectories(dir.resolve("work-link"));
        Path victim = dir.resolve("victim");
        Files.createSymbolicLink(work.resolve("pack-" + pack.hex()), victim);
        Map<String, String> before = Failures.fingerprint(repo);
        Run r = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "repair", "packs", pack.hex()),
                Map.of(), work, null, 300);
        assertThat(Failures.fatal(r, ExitCodes.FATAL)).contains("exists already (a symbolic link); move it away first (nothing was changed)");
        assertThat(victim).doesNotExist();
        Map<String, String> after = Failures.fingerprint(repo);
        after.keySet().removeIf(k -> k.startsWith("locks"));
        before.keySet().removeIf(k -> k.startsWith("locks"));
        assertThat(after).isEqualTo(before);
    }

    // ------------------------------------------------------------------ unreadable snapshot files

    /** Two snapshots of src: a.txt ("alpha"), then a.txt and b.txt ("beta"). */
    private void twoBackups() throws java.io.IOException {
        Files.write(src.resolve("a.txt"), "alpha\n".getBytes());
        cli.run("backup", src.toString()).ok();
        Files.write(src.resolve("b.txt"), "beta\n".getBytes());
        cli.run("backup", src.toString()).ok();
    }

    @Test
    void anUnreadableSnapshotFileIsAFailureUntilRepairSnapshotsForgetRemovesIt() throws Exception {
        twoBackups();
        String bad = Failures.ids(repo, "snapshots").getFirst();
        Path file = repo.resolve("snapshots").resolve(bad);
        Failures.flipByte(file, 40);
        Failures.flipByte(file, 41);

        // check's next step is the command that removes it (brk3 A1: it gave none)
        Run check = cli.run("check");
        assertThat(check.exit()).as("%s", check).isEqualTo(ExitCodes.FATAL);
        assertThat(check.out() + check.err()).contains("next step: run 'lifeboat repair snapshots --forget " + bad + "'");

        Run r = cli.run("repair", "snapshots", "--forget");
        String fatal = Failures.fatal(r, ExitCodes.FATAL);
        assertThat(fatal).contains("lifeboat repair snapshots --forget " + bad);
        assertThat(r.err()).contains("snapshot file snapshots/" + bad + " is unreadable");
        assertThat(file).as("not removed unless named").exists();

        Run named = cli.run("repair", "snapshots", bad.substring(0, 8));
        assertThat(Failures.fatal(named, ExitCodes.FATAL)).contains("snapshots/" + bad).contains("--forget " + bad);
        assertThat(file).exists();

        Run dry = cli.run("repair", "snapshots", "--forget", "--dry-run", bad);
        assertThat(dry.exit()).as("%s", dry).isZero();
        assertThat(dry.out()).contains("would remove unreadable snapshot file snapshots/" + bad);
        assertThat(file).exists();

        Run forget = cli.run("repair", "snapshots", "--forget", bad);
        assertThat(forget.exit()).as("%s", forget).isZero();
        assertThat(forget.out()).contains("removed unreadable snapshot file snapshots/" + bad);
        assertThat(file).doesNotExist();
        assertThat(Failures.ids(repo, "snapshots")).hasSize(1);
        resticFindsItClean();
    }

    @Test
    void aFolderInPlaceOfASnapshotFileIsSkippedNamedAndRemovedByRepairSnapshotsForget() throws Exception {
        twoBackups();
        List<String> ids = Failures.ids(repo, "snapshots");
        String bad = ids.get(0);
        String good = ids.get(1);
        Path folder = repo.resolve("snapshots").resolve(bad);
        Files.delete(folder);
        Files.createDirectory(folder);
        Files.writeString(folder.resolve("inside"), "not Lifeboat's");

        // brk3 H1: each command stopped on the folder; now it is one unreadable snapshot among readable ones
        Run check = cli.run("check");
        assertThat(check.exit()).as("%s", check).isEqualTo(ExitCodes.FATAL);
        assertThat(check.out() + check.err()).contains("is a folder, not a file (if it holds anything, move that out of the repository first)")
                .contains("next step: run 'lifeboat repair snapshots --forget " + bad + "'");
        Run list = cli.run("snapshots");
        assertThat(list.out()).contains(good.substring(0, 8)).doesNotContain(bad.substring(0, 8));
        Path target = dir.resolve("restored-h1");
        Run restore = cli.run("restore", good, "--target", target.toString());
        assertThat(restore.exit()).as("%s", restore).isZero();
        assertThat(target.resolve(src.toString().substring(1)).resolve("a.txt")).hasContent("alpha\n");
        // brk4 M6: a policy needs the whole list, an ID only its own file (unless it may name the folder)
        assertThat(Failures.fatal(cli.run("forget", "--keep-last", "5"), ExitCodes.FATAL)).contains("on an incomplete list");
        assertThat(Failures.fatal(cli.run("forget", "latest"), ExitCodes.FATAL)).contains("by 'latest', which may name it");
        assertThat(Failures.fatal(cli.run("forget", bad.substring(0, 8)), ExitCodes.FATAL)).contains("which may name it");
        Files.write(src.resolve("c.txt"), "gamma\n".getBytes());
        String third = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        Run byId = cli.run("forget", third);
        assertThat(byId.exit()).as("%s", byId).isZero();
        assertThat(Failures.ids(repo, "snapshots")).hasSize(2).doesNotContain(third);

        // what is inside the folder is not Lifeboat's to delete: said so, nothing removed
        Run full = cli.run("repair", "snapshots", "--forget", bad);
        assertThat(Failures.fatal(full, ExitCodes.FATAL)).contains("snapshots/" + bad).contains("remove it by hand");
        assertThat(folder.resolve("inside")).exists();

        Files.delete(folder.resolve("inside"));
        Run forget = cli.run("repair", "snapshots", "--forget", bad);
        assertThat(forget.exit()).as("%s", forget).isZero();
        assertThat(forget.out()).contains("removed unreadable snapshot file snapshots/" + bad);
        assertThat(folder).doesNotExist();
        assertThat(cli.run("check").exit()).isZero();
    }

    /**
     * brk4 H4: a FIFO in snapshots/ or index/ blocked every command that opened it until killed;
     * now each is a file that is not a file, named, and the advised repairs remove it.
     */
    @Test
    void aFifoInPlaceOfASnapshotOrIndexFileIsNamedNotWaitedFor() throws Exception {
        twoBackups();
        String bad = Failures.ids(repo, "snapshots").get(0);
        Path fifo = repo.resolve("snapshots").resolve(bad);
        Files.delete(fifo);
        mkfifo(fifo);
        Path indexFifo = repo.resolve("index").resolve("de".repeat(32));
        mkfifo(indexFifo);

        // a process with a time limit: a regression blocks in open(2), which no interrupt ends
        Run check = Proc.run(Cli.command("-r", repo.toString(), "--password-file", pw.toString(), "check"), Map.of(), null,
                null, 60);
        assertThat(check.exit()).as("%s", check).isEqualTo(ExitCodes.FATAL);
        assertThat(check.err()).contains("snapshots/" + bad + " is a FIFO, not a file").contains("index/" + "de".repeat(32)
                + " is a FIFO, not a file").contains("next step: run 'lifeboat repair index'");
        assertThat(cli.run("snapshots").out()).contains("1 snapshots");
        assertThat(cli.run("repair", "index").exit()).isZero();
        assertThat(indexFifo).doesNotExist();
        Run forget = cli.run("repair", "snapshots", "--forget", bad);
        assertThat(forget.exit()).as("%s", forget).isZero();
        assertThat(fifo).doesNotExist();
        assertThat(cli.run("check").exit()).isZero();

        // brk5 M4: a FIFO in keys/ is a key that cannot be read, not the end of the command
        mkfifo(repo.resolve("keys").resolve("ab".repeat(32)));
        Path wrong = Files.writeString(dir.resolve("wrong-pw"), "not the password\n");
        Run denied = new Cli(repo, wrong).run("snapshots");
        assertThat(denied.exit()).as("%s", denied).isEqualTo(ExitCodes.WRONG_PASSWORD);
        Run keys = cli.run("key", "list");
        assertThat(keys.exit()).as("%s", keys).isZero();
        assertThat(keys.err()).contains("keys/" + "ab".repeat(32)).contains("is a FIFO, not a file");
        assertThat(keys.out()).contains("*");
    }

    private static void mkfifo(Path p) throws Exception {
        Process m = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(m.waitFor()).isZero();
    }

    @Test
    void aMalformedTimeAndADataBlobAsTreeAreNamedAsSuch() throws Exception {
        Id dataBlob;
        Id timeless;
        try (RawRepo r = RawRepo.open(repo, Restic.PASSWORD)) {
            dataBlob = r.data("just file contents\n");
            Id tree = r.tree(RawRepo.file("f.txt", 5, r.data("hello")));
            r.snapshot(dataBlob, "/data");
            String json = "{\"time\":\"not a time\",\"tree\":\"" + tree.hex() + "\",\"paths\":[\"/x\"],"
                    + "\"hostname\":\"h\",\"username\":\"u\"}";
            timeless = r.rawUnpacked(org.lifeboat.backend.FileType.SNAPSHOT, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Run r = cli.run("repair", "snapshots", "--dry-run");
        Failures.fatal(r, ExitCodes.FATAL);
        assertThat(r.err()).contains("snapshot file snapshots/" + timeless.hex() + " is unreadable: its \"time\" field 'not a time' is not a time")
                .doesNotContain("could not be parsed");
        assertThat(r.out()).contains("tree " + dataBlob.shortHex() + " names a data blob, not a tree")
                .doesNotContain("is not in the index");
    }

    // ------------------------------------------------------------------ a deleted index

    @Test
    void rebuildIndexRebuildsADeletedIndexFromThePackHeaders() throws Exception {
        Files.createDirectories(src.resolve("docs/deeper"));
        Files.writeString(src.resolve("docs/hello.txt"), "hello\n");
        Files.writeString(src.resolve("docs/deeper/bottom.txt"), "deep\n");
        Files.write(src.resolve("data.bin"), TestTrees.random(5, 2_000_000));
        String snap = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        int packs = Failures.packs(repo).size();
        for (String i : Failures.ids(repo, "index")) Files.delete(repo.resolve("index").resolve(i));
        assertThat(restic.run("check").exit()).isNotZero();

        Run r = cli.run("rebuild-index");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("reading " + packs + " pack files").contains("index rebuilt: " + packs + " packs, 0 missing");
        resticFindsItClean();
        Path restored = resticRestores(snap);
        assertThat(Failures.fingerprint(restored)).isEqualTo(Failures.fingerprint(src));

        // --read-all-packs on a sound index reads every header and names the same blobs
        Map<Id, Set<BlobType>> typesBefore = packTypes();
        Run all = cli.run("repair", "index", "--read-all-packs");
        assertThat(all.exit()).as("%s", all).isZero();
        assertThat(all.out()).contains("reading " + packs + " pack files").contains("removed 1 old index file");
        assertThat(packTypes()).isEqualTo(typesBefore);
        assertThat(Failures.ids(repo, "index")).hasSize(1);
        resticFindsItClean();
    }

    // ------------------------------------------------------------------ a damaged index file

    @Test
    void aDamagedIndexFileIsReplacedAndItsPacksAreReadAgain() throws Exception {
        byte[] one = TestTrees.random(6, 150_000);
        Files.write(src.resolve("one.bin"), one);
        String first = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        List<String> firstIndex = Failures.ids(repo, "index");
        Files.write(src.resolve("two.bin"), TestTrees.random(7, 150_000));
        cli.run("backup", src.toString()).ok();
        assertThat(firstIndex).hasSize(1);
        Path damaged = repo.resolve("index").resolve(firstIndex.getFirst());
        Failures.flipByte(damaged, 40); // its MAC no longer verifies
        assertThat(restic.run("check").exit()).isNotZero();

        Run r = cli.run("repair", "index");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("removing invalid index: index " + firstIndex.getFirst().substring(0, 8))
                .contains("reading 2 pack files").contains("removed 2 old index files");
        assertThat(damaged).doesNotExist();
        resticFindsItClean();
        Path restored = resticRestores(fullId(restic, first));
        assertThat(Files.readAllBytes(restored.resolve("one.bin"))).isEqualTo(one);
    }

    // ------------------------------------------------------------------ a missing tree

    @Test
    void aMissingTreeBecomesAnEmptyFolderAndADryRunChangesNothing() throws Exception {
        Path raw = dir.resolve("raw");
        String snap;
        Id ghost = Id.hash("a tree that was never stored".getBytes());
        try (RawRepo rr = RawRepo.create(raw)) {
            Id a = rr.data("alpha\n");
            Id inner = rr.tree(RawRepo.file("b.txt", 5, rr.data("beta\n")));
            Id root = rr.tree(RawRepo.file("a.txt", 6, a), RawRepo.dir("gone", ghost), RawRepo.dir("kept", inner));
            snap = rr.snapshot(root, "/data").hex();
        }
        Path rawPw = dir.resolve("raw-password");
        Files.writeString(rawPw, RawRepo.PASSWORD + "\n");
        Cli rc = new Cli(raw, rawPw);
        Restic rr = new Restic(raw, dir.resolve("restic-cache-raw"), RawRepo.PASSWORD);
        List<Path> packsBefore = Failures.packs(raw);

        Run otherHost = rc.run("repair", "snapshots", "--host", "elsewhere");
        assertThat(otherHost.exit()).as("%s", otherHost).isZero();
        assertThat(otherHost.out()).as("--host chooses no snapshot").contains("no snapshots were modified").doesNotContain("gone");
        assertThat(rr.snapshotIds()).containsExactly(snap);

        Run dry = rc.run("repair", "snapshots", "--dry-run", "--host", "host", snap.substring(0, 8));
        assertThat(dry.exit()).as("%s", dry).isZero();
        assertThat(dry.out()).contains("dir \"/gone\": replaced with empty directory").contains("would save new snapshot")
                .contains("would modify 1 snapshot");
        assertThat(Failures.packs(raw)).as("a dry run stores nothing").isEqualTo(packsBefore);
        assertThat(rr.snapshotIds()).containsExactly(snap);

        Run r = rc.run("repair", "snapshots");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("dir \"/gone\": replaced with empty directory").contains("saved new snapshot")
                .contains("the originals are kept");
        List<String> ids = rr.snapshotIds();
        assertThat(ids).hasSize(2).contains(snap);
        JsonNode repaired = null;
        for (JsonNode s : rr.json("snapshots", "--json")) if (!s.get("id").asText().equals(snap)) repaired = s;
        assertThat(repaired.get("original").asText()).isEqualTo(snap);
        assertThat(repaired.get("tags").toString()).as("kept beside its original: tagged as restic tags it").contains("repaired");

        // the original still names the missing tree: --forget on it removes it, the repaired one is unchanged
        Run forget = rc.run("repair", "snapshots", "--forget");
        assertThat(forget.exit()).as("%s", forget).isZero();
        assertThat(forget.out()).contains("removed old snapshot " + snap.substring(0, 8));
        assertThat(rr.snapshotIds()).doesNotContain(snap);
        Run check = rr.run("check", "--read-data");
        assertThat(check.exit()).as("%s", check).isZero();
        for (String id : rr.snapshotIds()) {
            Path target = dir.resolve("restored-" + id);
            rr.run("restore", id, "--target", target.toString()).ok();
            assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("alpha\n");
            assertThat(Files.readString(target.resolve("kept/b.txt"))).isEqualTo("beta\n");
            try (var s = Files.list(target.resolve("gone"))) {
                assertThat(s.toList()).as("the lost folder is there, empty").isEmpty();
            }
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badArgumentsAreOneSentence() {
        String noSub = Failures.fatal(cli.run("repair"), 1);
        assertThat(noSub).contains("repair needs a subcommand: index, snapshots or packs");
        String badId = Failures.fatal(cli.run("repair", "packs", "xyz"), 1);
        assertThat(badId).contains("'xyz' is not a pack ID");
        String noIds = Failures.fatal(cli.run("repair", "packs"), 1);
        assertThat(noIds).contains("repair packs needs the IDs of the damaged packs");
        String noSnap = Failures.fatal(cli.run("repair", "snapshots", "deadbeef"), 1);
        assertThat(noSnap).contains("no snapshot with ID 'deadbeef'");
    }
}
