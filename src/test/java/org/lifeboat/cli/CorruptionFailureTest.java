package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * One damaged repository file at a time. The command that reads it fails with exit code 1, names the
 * damaged file, prints no stack trace, and changes nothing in the repository (every file's content
 * and mode is compared before and after).
 */
class CorruptionFailureTest {
    private static final String A_CONTENT = "the content of a, damaged in one test\n";

    @TempDir
    Path dir;

    Cli cli;
    Path repo;
    Path src;
    String first;
    String second;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), A_CONTENT);
        Files.writeString(src.resolve("b.txt"), "b\n");
        Files.write(src.resolve("big.bin"), TestTrees.random(3, 3 * 1024 * 1024 + 17));
        TestTrees.setTimes(src);
        first = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        Files.writeString(src.resolve("c.txt"), "c\n");
        second = Failures.snapshotId(cli.run("backup", src.toString()).ok());
    }

    /** Runs a command and checks the repository is byte-for-byte (and mode-for-mode) unchanged. */
    private Run runUnchanged(String... args) throws Exception {
        Map<String, String> before = Failures.fingerprint(repo);
        Run r = cli.run(args);
        assertThat(Failures.fingerprint(repo)).as("repository unchanged by %s", List.of(args)).isEqualTo(before);
        return r;
    }

    private Path file(String folder, String shortId) throws Exception {
        List<String> m = Failures.ids(repo, folder).stream().filter(n -> n.startsWith(shortId)).toList();
        assertThat(m).hasSize(1);
        return repo.resolve(folder).resolve(m.getFirst());
    }

    /** Where a.txt's (single) data blob is stored. */
    private PackedBlob blobOfA() throws Exception {
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            r.loadIndex();
            PackedBlob pb = r.index().lookup(BlobType.DATA, Id.hash(A_CONTENT.getBytes(StandardCharsets.UTF_8)));
            assertThat(pb).isNotNull();
            return pb;
        }
    }

    private static Path packPath(Path repo, Id pack) {
        return repo.resolve("data").resolve(pack.hex().substring(0, 2)).resolve(pack.hex());
    }

    @Test
    void damagedSnapshotFile() throws Exception {
        Failures.flipByte(file("snapshots", first), 40);

        Run list = runUnchanged("snapshots");
        // as restic: the listed snapshots are whole, the damaged one is a warning (exit 0)
        assertThat(list.exit()).as("%s", list).isZero();
        assertThat(list.err()).as("names the damaged snapshot").contains(first).contains("the list is incomplete");
        assertThat(list.out()).as("still lists the intact snapshot").contains(second).doesNotContain(first);

        Run check = runUnchanged("check");
        fatal(check, 1);
        assertThat(check.err()).contains(first).contains("damaged");

        Run restore = runUnchanged("restore", first, "--target", dir.resolve("restored").toString());
        fatal(restore, 1);
        assertThat(restore.err()).contains(first).contains("damaged");
    }

    @Test
    void damagedIndexFile() throws Exception {
        List<String> indexes = Failures.ids(repo, "index");
        assertThat(indexes).hasSize(2);
        Failures.flipByte(repo.resolve("index").resolve(indexes.getFirst()), 40);
        String shortId = indexes.getFirst().substring(0, 8);

        Run check = runUnchanged("check");
        fatal(check, 1);
        assertThat(check.err()).contains("index " + shortId).contains("damaged");

        // The other index file still counts: restore goes on, names the damaged index, and fails.
        Run restore = runUnchanged("restore", "latest", "--target", dir.resolve("restored").toString());
        fatal(restore, 1);
        assertThat(restore.err()).contains("index " + shortId).contains("damaged");
    }

    @Test
    void damagedPack() throws Exception {
        PackedBlob a = blobOfA();
        Failures.flipByte(packPath(repo, a.pack()), a.offset() + 20);
        String pack = a.pack().shortHex();
        Path target = dir.resolve("restored");

        Run restore = runUnchanged("restore", first + ":" + src, "--target", target.toString());
        fatal(restore, 1);
        assertThat(restore.err()).as("names the damaged file and pack")
                .containsPattern("damaged.*/a\\.txt.*pack " + pack);
        // Everything that does not need the damaged blob is restored intact.
        assertThat(target.resolve("b.txt")).hasContent("b");
        assertThat(TestTrees.sha256(target.resolve("big.bin"))).isEqualTo(TestTrees.sha256(src.resolve("big.bin")));

        Run readData = runUnchanged("check", "--read-data");
        fatal(readData, 1);
        assertThat(readData.err()).contains("pack " + pack).contains("a.txt");
    }

    @Test
    void damagedConfig() throws Exception {
        Failures.flipByte(repo.resolve("config"), 20);
        for (String cmd : new String[] {"snapshots", "check"}) {
            Run r = runUnchanged(cmd);
            assertThat(fatal(r, 1)).as(cmd).contains("config").contains("damaged");
        }
    }

    @Test
    void truncatedPack() throws Exception {
        PackedBlob a = blobOfA();
        Path pack = packPath(repo, a.pack());
        Failures.truncate(pack, Files.size(pack) / 2);

        Run r = runUnchanged("check", "--read-data");
        fatal(r, 1);
        assertThat(r.err()).contains("pack " + a.pack().shortHex());
    }

    @Test
    void truncatedPackIsFoundWithoutReadingDataAsResticDoes() throws Exception {
        // restic's check compares each pack's size with what the index implies, without --read-data.
        PackedBlob a = blobOfA();
        Path pack = packPath(repo, a.pack());
        Failures.truncate(pack, Files.size(pack) - 1);
        Run restic = new Restic(repo, dir.resolve("restic-cache")).run("check");
        assertThat(restic.exit()).as("restic finds it: %s", restic).isNotZero();
        assertThat(restic.err()).contains(a.pack().shortHex());

        Run r = runUnchanged("check");
        fatal(r, 1);
        assertThat(r.err()).contains("pack " + a.pack().shortHex()).contains("size");
    }
}
