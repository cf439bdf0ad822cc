package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * check keys blobs by (type, ID), as restic's index does: a hostile snapshot that names an intact
 * snapshot's tree as a data blob, or its data blob as a tree, is reported alone, with its own paths;
 * the intact snapshot (which restic and Lifeboat restore, verified) is never named. And a lost data
 * blob does not damage the folder whose tree has the same ID.
 */
class CheckBlobTypeTest {
    private static final byte[] CONTENT = "hello, intact snapshot\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    Restic restic;
    Cli cli;
    /** The intact, restic-written snapshot S: its full ID and root tree. */
    Id intact;
    Id intactRoot;
    /** The data blob of S's only file (a small file is one chunk, named by its hash). */
    Id intactData;

    @BeforeEach
    void setUp() throws Exception {
        Path repo = dir.resolve("repo");
        restic = new Restic(repo, dir.resolve("cache"));
        restic.run("init", "--repository-version", "2").ok();
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("report.txt"), CONTENT);
        restic.run("backup", src.toString()).ok();
        JsonNode snap = restic.json("snapshots", "--json").get(0);
        intact = Id.parse(snap.get("id").asText());
        intactRoot = Id.parse(snap.get("tree").asText());
        intactData = Id.hash(CONTENT);
        cli = new Cli(repo, Cli.passwordFile(dir));
    }

    /** Adds a snapshot whose root tree holds {@code node}; returns its ID. */
    private Id craft(ObjectNode node) throws Exception {
        try (RawRepo r = RawRepo.open(dir.resolve("repo"), Restic.PASSWORD)) {
            return r.snapshot(r.tree(node));
        }
    }

    private List<String> errors(Run run) {
        return run.err().lines().filter(l -> l.startsWith("error: ")).toList();
    }

    /**
     * The intact snapshot restores with --verify (Lifeboat), and restic's check (the judge) reports
     * errors for {@code resticBlames} alone: never for the intact snapshot's trees.
     */
    private void intactSnapshotIsSound(Id resticBlames) {
        cli.run("restore", intact.hex(), "--target", dir.resolve("restored").toString(), "--verify").ok();
        Run rc = restic.run("check");
        assertThat(rc.exit()).as(rc.toString()).isNotZero();
        List<String> blamed = (rc.out() + rc.err()).lines().filter(l -> l.startsWith("error for tree ")).toList();
        assertThat(blamed).as(rc.toString()).containsExactly("error for tree " + resticBlames.hex().substring(0, 8) + ":");
    }

    @Test
    void aTreeIdUsedAsDataBlamesOnlyTheSnapshotThatMisusesIt() throws Exception {
        Id craftedSnap = craft(RawRepo.file("evil", 10, intactRoot));
        Run run = cli.run("check");
        fatal(run, ExitCodes.FATAL);
        List<String> errors = errors(run);
        assertThat(errors).as(run.toString())
                .anySatisfy(l -> assertThat(l).contains("file /evil needs data blob " + intactRoot.shortHex()
                        + ", which is not in the index"))
                .contains("error: snapshot " + craftedSnap.shortHex() + " (2024-01-02): /evil is damaged")
                .noneSatisfy(l -> assertThat(l).contains(intact.shortHex()))
                .noneSatisfy(l -> assertThat(l).contains("(folder listing)"));
        intactSnapshotIsSound(rootOf(craftedSnap));
    }

    @Test
    void aDataIdUsedAsTreeBlamesOnlyTheSnapshotThatMisusesIt() throws Exception {
        Id craftedSnap = craft(RawRepo.dir("evil", intactData));
        Run run = cli.run("check");
        fatal(run, ExitCodes.FATAL);
        List<String> errors = errors(run);
        assertThat(errors).as(run.toString())
                .contains("error: tree " + intactData.shortHex() + " (/evil in snapshot " + craftedSnap.shortHex()
                        + ") is not in the index")
                .contains("error: snapshot " + craftedSnap.shortHex() + " (2024-01-02): /evil (folder listing) is damaged")
                .noneSatisfy(l -> assertThat(l).contains(intact.shortHex()))
                .noneSatisfy(l -> assertThat(l).contains("report.txt"));
        intactSnapshotIsSound(intactData);
    }

    /**
     * Not hostile at all: a file whose bytes are a tree's JSON is a data blob with the tree's ID. A
     * lost data pack then costs that file only; the folder listed by the tree of the same ID is
     * intact and not named.
     */
    @Test
    void aLostDataBlobDoesNotDamageTheTreeOfTheSameId() throws Exception {
        Id treeSnap;
        Id fileSnap;
        Id pack;
        try (RawRepo r = RawRepo.open(dir.resolve("repo"), Restic.PASSWORD)) {
            ObjectNode t = Json.MAPPER.createObjectNode();
            t.putArray("nodes").add(RawRepo.symlink("link", "/target"));
            byte[] json = (Json.MAPPER.writeValueAsString(t) + "\n").getBytes(StandardCharsets.UTF_8);
            Id tree = r.rawTree(json);
            assertThat(r.data(json)).isEqualTo(tree);
            treeSnap = r.snapshot(r.tree(RawRepo.dir("sub", tree)));
            fileSnap = r.snapshot(r.tree(RawRepo.file("copy", json.length, tree)));
            pack = r.repository().index().lookup(BlobType.DATA, tree).pack();
            assertThat(r.repository().blobsByPack().get(pack)).as("the pack holds data blobs only")
                    .allMatch(b -> b.type() == BlobType.DATA);
        }
        Files.delete(dir.resolve("repo/data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex()));

        Run run = cli.run("check");
        fatal(run, ExitCodes.FATAL);
        assertThat(errors(run)).as(run.toString())
                .contains("error: snapshot " + fileSnap.shortHex() + " (2024-01-02): /copy is damaged")
                .noneSatisfy(l -> assertThat(l).contains(treeSnap.shortHex()))
                .noneSatisfy(l -> assertThat(l).contains(intact.shortHex()))
                .noneSatisfy(l -> assertThat(l).contains("(folder listing)"));
    }

    private Id rootOf(Id snapshot) {
        for (JsonNode s : restic.json("snapshots", "--json")) {
            if (s.get("id").asText().equals(snapshot.hex())) return Id.parse(s.get("tree").asText());
        }
        throw new AssertionError("no snapshot " + snapshot.hex());
    }
}
