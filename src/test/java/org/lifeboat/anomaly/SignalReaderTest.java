package org.lifeboat.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OfficeTree;
import org.lifeboat.testutil.Restic;

/** Signals read from real snapshots written by the backup engine. */
class SignalReaderTest {
    @TempDir
    Path dir;

    private Cli cli;
    private Path src;

    private Signals backupAndRead() throws Exception {
        cli.run("backup", src.toString()).ok();
        try (Repository repo = Repository.open(new LocalBackend(cli.repo()), Restic.PASSWORD)) {
            repo.loadIndex();
            List<Snapshot> s = repo.listSnapshots(w -> {}).stream().sorted(Comparator.comparing(Snapshot::time)).toList();
            Snapshot now = s.getLast();
            Snapshot before = s.size() > 1 ? s.get(s.size() - 2) : null;
            return SignalReader.read(repo, before == null ? null : before.tree(), now.tree(),
                    now.summary() == null ? -1 : now.summary().totalFilesProcessed(),
                    now.summary() == null ? -1 : now.summary().totalBytesProcessed());
        }
    }

    private void setUp() throws Exception {
        src = dir.resolve("src");
        Files.createDirectories(src);
        cli = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        cli.run("init").ok();
    }

    @Test
    void changesAreCountedByKind() throws Exception {
        setUp();
        String text = "quarterly report revenue budget meeting notes\n".repeat(200);
        for (int i = 0; i < 10; i++) Files.writeString(src.resolve("doc" + i + ".txt"), text + i);
        Files.createDirectories(src.resolve("sub/deep"));
        Files.writeString(src.resolve("sub/deep/a.txt"), text);
        Signals first = backupAndRead();
        assertThat(first.filesBefore()).isZero();
        assertThat(first.filesAfter()).isEqualTo(11);
        assertThat(first.added()).isEqualTo(11);

        Files.writeString(src.resolve("doc0.txt"), text + "edited");                          // modified
        Files.delete(src.resolve("doc1.txt"));                                               // deleted
        Files.move(src.resolve("doc2.txt"), src.resolve("doc2.txt.locked"));                 // renamed, extension appended
        Files.move(src.resolve("doc3.txt"), src.resolve("doc3.md"));                          // renamed, extension replaced
        Files.writeString(src.resolve("new.txt"), "hello\n");                                 // added
        Files.writeString(src.resolve("HOW_TO_DECRYPT.txt"), "pay\n");                        // added, a note
        Files.createDirectories(src.resolve("copied"));
        Files.writeString(src.resolve("copied/b.txt"), text);                                 // added in a new folder
        deleteTree(src.resolve("sub"));                                                       // a folder deleted whole
        Signals s = backupAndRead();
        assertThat(s.filesBefore()).isEqualTo(11);
        assertThat(s.filesAfter()).isEqualTo(12);
        assertThat(s.modified()).isEqualTo(1);
        assertThat(s.deleted()).as("doc1 and sub/deep/a.txt").isEqualTo(2);
        assertThat(s.renamed()).isEqualTo(2);
        assertThat(s.extensionChanged()).isEqualTo(2);
        assertThat(s.added()).as("new.txt, the note, copied/b.txt").isEqualTo(3);
        assertThat(s.ransomNotes()).isEqualTo(1);
        assertThat(s.ransomExtensions()).isEqualTo(1);
        assertThat(s.lostCompression()).as("nothing was encrypted").isZero();
        assertThat(s.rewritten()).as("doc0 compressed before and after").isEqualTo(1);
        assertThat(s.examples()).contains(src + "/HOW_TO_DECRYPT.txt");
        assertThat(s.examples().stream().anyMatch(p -> p.endsWith("/doc2.txt.locked"))).isTrue();
    }

    @Test
    void encryptedFilesLoseTheirCompressionAndNothingOfThemIsDeduplicated() throws Exception {
        setUp();
        OfficeTree tree = new OfficeTree(src, 3).create(200);
        backupAndRead();
        int encrypted = tree.attack(0.3, 0.5, true);
        Signals s = backupAndRead();
        // photos (random data) never compressed, so they are not "rewritten"
        // and files under 512 bytes are too small to judge
        assertThat(s.lostCompression()).isGreaterThan(encrypted * 7L / 10).isLessThanOrEqualTo(encrypted);
        assertThat(s.lostCompression()).isEqualTo(s.rewritten());
        assertThat(s.modified() + s.renamed()).isEqualTo(encrypted);
        assertThat(s.ransomNotes()).isEqualTo(1);
        assertThat(s.deleted()).as("renames are paired, not deleted").isZero();
        assertThat(Scorer.score(s, List.of(), 50).suspicious()).isTrue();
    }

    @Test
    void ordinaryWorkIsNotSuspicious() throws Exception {
        setUp();
        OfficeTree tree = new OfficeTree(src, 5).create(300);
        backupAndRead();
        for (int day = 0; day < 5; day++) {
            tree.workDay(0.05);
            Signals s = backupAndRead();
            assertThat(s.lostCompression()).isZero();
            assertThat(Scorer.score(s, List.of(), 50).score()).as("day %d: %s", day, s).isLessThan(50);
        }
    }

    @Test
    void aLargeFileAppendedToIsMostlyDeduplicatedAndOneEncryptedIsAllNew() throws Exception {
        setUp();
        java.util.Random rnd = new java.util.Random(9);
        StringBuilder b = new StringBuilder();
        // 24 MiB: an append changes at most the last chunk (8 MiB at most), whatever the repository's chunker
        while (b.length() < 24 << 20) b.append("row ").append(rnd.nextInt(1_000_000)).append(" ok\n");
        Path db = src.resolve("mailbox.pst");
        Files.writeString(db, b);
        Files.writeString(src.resolve("small.txt"), "a note\n".repeat(100));
        backupAndRead();
        Files.writeString(db, "row appended\n".repeat(1000), java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(src.resolve("small.txt"), "another note\n".repeat(100)); // small: not counted
        Signals appended = backupAndRead();
        assertThat(appended.modified()).isEqualTo(2);
        assertThat(appended.modifiedBytes()).isEqualTo(Files.size(db));
        assertThat(appended.newDataShare()).as("%s", appended).isLessThan(0.4);
        byte[] key = new byte[8 << 20];
        rnd.nextBytes(key);
        byte[] plain = Files.readAllBytes(db);
        for (int i = 0; i < plain.length; i++) plain[i] ^= key[i % key.length];
        Files.write(db, plain);
        Signals encrypted = backupAndRead();
        assertThat(encrypted.newDataShare()).isGreaterThan(0.99);
        assertThat(encrypted.lostCompression()).isEqualTo(1);
    }

    @Test
    void filesCompressedUnderACompressionFormatsNameAreOrdinary() throws Exception {
        setUp();
        String log = "2026-12-01 INFO request served in 12 ms\n".repeat(400);
        for (int i = 1; i <= 10; i++) Files.writeString(src.resolve("app.log." + i), log + i);
        backupAndRead();
        // logrotate: the rotated logs compressed in place under .gz names
        for (int i = 1; i <= 10; i++) {
            Path p = src.resolve("app.log." + i);
            try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(src.resolve("app.log." + i + ".gz")))) {
                out.write(Files.readAllBytes(p));
            }
            Files.delete(p);
        }
        Signals s = backupAndRead();
        assertThat(s.renamed()).isEqualTo(10);
        assertThat(s.extensionChanged()).isZero();
        assertThat(s.lostCompression()).isZero();
        // what is left is the size: the logs shrank to a few percent
        Scorer.Score score = Scorer.score(s, List.of(), 50);
        assertThat(score.score()).isEqualTo((int) Math.round(score.parts().get("size_change").points()));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aHostileTreeThatSharesItsSubtreesIsCountedOnceEach() throws Exception {
        // 70 levels, each folder holding the one below twice: 2^70 paths (more than a long counts), 71 distinct trees.
        setUp();
        try (Repository repo = Repository.open(new LocalBackend(cli.repo()), Restic.PASSWORD)) {
            repo.loadIndex();
            byte[] leaf = org.lifeboat.repository.tree.TreeCodec.encode(new org.lifeboat.repository.tree.Tree(List.of(
                    org.lifeboat.repository.tree.Node.builder("HOW_TO_DECRYPT.txt", org.lifeboat.repository.tree.NodeType.FILE)
                            .mode(0644).size(10).content(List.of()).build())));
            org.lifeboat.repository.Id id = org.lifeboat.repository.Id.hash(leaf);
            repo.saveBlob(org.lifeboat.repository.BlobType.TREE, id, leaf, 0, leaf.length);
            for (int level = 0; level < 70; level++) {
                List<org.lifeboat.repository.tree.Node> two = new java.util.ArrayList<>();
                for (String n : List.of("a", "b")) {
                    two.add(org.lifeboat.repository.tree.Node.builder(n, org.lifeboat.repository.tree.NodeType.DIR).mode(0755)
                            .subtree(id).build());
                }
                byte[] t = org.lifeboat.repository.tree.TreeCodec.encode(new org.lifeboat.repository.tree.Tree(two));
                id = org.lifeboat.repository.Id.hash(t);
                repo.saveBlob(org.lifeboat.repository.BlobType.TREE, id, t, 0, t.length);
            }
            repo.flush();
            Signals s = SignalReader.read(repo, null, id, -1, -1);
            assertThat(s.added()).as("held at the limit, never wrapped").isEqualTo(Long.MAX_VALUE);
            assertThat(s.ransomNotes()).isEqualTo(Long.MAX_VALUE);
            assertThat(Scorer.score(s, List.of(), 50).score()).isEqualTo(45);
            assertThat(s.examples()).hasSize(1);
        }
    }

    @Test
    void evasionsAreCaughtPartialEncryptionEncodedCiphertextAndNewRandomNames() throws Exception {
        // brk14a B1, B2, B3: half of each file encrypted; ciphertext written as base64; each file
        // encrypted into a new randomly named file and the original deleted.
        setUp();
        java.util.Random rnd = new java.util.Random(4);
        String text = "quarterly report revenue budget meeting notes invoice customer order\n";
        for (String d : List.of("half", "b64", "fresh")) {
            Files.createDirectories(src.resolve(d));
            for (int i = 0; i < 20; i++) Files.writeString(src.resolve(d + "/doc" + i + ".txt"), text.repeat(100 + i * 10));
        }
        backupAndRead();
        for (int i = 0; i < 20; i++) {
            Path p = src.resolve("half/doc" + i + ".txt");
            byte[] b = Files.readAllBytes(p);
            byte[] key = new byte[b.length / 2];
            rnd.nextBytes(key);
            for (int j = 0; j < key.length; j++) b[j] ^= key[j];
            Files.write(p, b);
            Path q = src.resolve("b64/doc" + i + ".txt");
            byte[] r = new byte[(int) Files.size(q)];
            rnd.nextBytes(r);
            Files.writeString(q, java.util.Base64.getEncoder().encodeToString(r));
            Path old = src.resolve("fresh/doc" + i + ".txt");
            byte[] f = new byte[(int) Files.size(old)];
            rnd.nextBytes(f);
            Files.write(src.resolve("fresh/" + Long.toHexString(rnd.nextLong())), f);
            Files.delete(old);
        }
        Signals s = backupAndRead();
        assertThat(s.modified()).isEqualTo(40);
        assertThat(s.lostCompression()).as("%s", s).isEqualTo(60);
        assertThat(s.deleted()).isEqualTo(20);
        assertThat(s.added()).isEqualTo(20);
        assertThat(Scorer.score(s, List.of(), 50).suspicious()).isTrue();
    }

    @Test
    void ciphertextWrittenIntoANewFolderUnderRandomNamesIsCaught() throws Exception {
        // brk14b C3: the originals deleted, their ciphertext in a new folder: 100% encrypted scored 30
        setUp();
        String text = "quarterly report revenue budget meeting notes invoice customer order\n";
        Files.createDirectories(src.resolve("docs"));
        for (int i = 0; i < 30; i++) Files.writeString(src.resolve("docs/doc" + i + ".txt"), text.repeat(50 + i));
        backupAndRead();
        java.util.Random rnd = new java.util.Random(5);
        Files.createDirectories(src.resolve("x9f3/a1"));
        for (int i = 0; i < 30; i++) {
            Path old = src.resolve("docs/doc" + i + ".txt");
            byte[] f = new byte[(int) Files.size(old)];
            rnd.nextBytes(f);
            Files.write(src.resolve("x9f3/a1/" + Long.toHexString(rnd.nextLong())), f);
            Files.delete(old);
        }
        Signals s = backupAndRead();
        assertThat(s.lostCompression()).as("%s", s).isEqualTo(30);
        assertThat(Scorer.score(s, List.of(), 50).suspicious()).isTrue();
    }

    @Test
    void ordinaryConversionsAreNotLostCompression() throws Exception {
        // brk14b C1: photos replacing text in a folder, reports re-saved as PDF, a template filled in: ~90 each
        setUp();
        java.util.Random rnd = new java.util.Random(6);
        String text = "quarterly report revenue budget meeting notes invoice customer order\n";
        for (String d : List.of("album", "reports")) {
            Files.createDirectories(src.resolve(d));
            for (int i = 0; i < 20; i++) Files.writeString(src.resolve(d + "/doc" + i + ".txt"), text.repeat(40 + i));
        }
        Files.createDirectories(src.resolve("forms"));
        for (int i = 0; i < 20; i++) Files.writeString(src.resolve("forms/form" + i + ".csv"), ",,,,\n".repeat(2000));
        Files.createDirectories(src.resolve("archive")); // the rest of the tree, untouched
        for (int i = 0; i < 100; i++) Files.writeString(src.resolve("archive/old" + i + ".txt"), text.repeat(10 + i));
        backupAndRead();
        for (int i = 0; i < 20; i++) {
            Files.delete(src.resolve("album/doc" + i + ".txt"));
            byte[] photo = new byte[30_000];
            rnd.nextBytes(photo);
            Files.write(src.resolve("album/IMG_" + (1000 + i) + ".jpg"), photo);
            Path r = src.resolve("reports/doc" + i + ".txt");
            byte[] pdf = new byte[(int) Files.size(r) / 2];
            rnd.nextBytes(pdf);
            Files.write(src.resolve("reports/doc" + i + ".pdf"), pdf);
            Files.delete(r);
            StringBuilder rows = new StringBuilder();
            for (int k = 0; k < 2000; k++) rows.append(rnd.nextInt(100000)).append(",ok,").append(k).append(",x,\n");
            Files.writeString(src.resolve("forms/form" + i + ".csv"), rows);
        }
        Signals s = backupAndRead();
        assertThat(s.lostCompression()).as("%s", s).isZero();
        assertThat(Scorer.score(s, List.of(), 50).suspicious()).isFalse();
    }

    @Test
    void whatCountsAsLostCompression() {
        assertThat(SignalReader.lost(3.5, 1.0)).as("encrypted").isTrue();
        assertThat(SignalReader.lost(3.5, 1.55)).as("text, half encrypted").isTrue();
        assertThat(SignalReader.lost(50, 2.0)).as("a log compressing 50x, half encrypted").isTrue();
        assertThat(SignalReader.lost(3.5, 1.33)).as("ciphertext in base64").isTrue();
        assertThat(SignalReader.lost(50, 3)).as("a template of empty rows filled with real data").isFalse();
        assertThat(SignalReader.lost(3.5, 3.0)).as("an ordinary edit").isFalse();
        assertThat(SignalReader.lost(1.3, 1.2)).as("little to lose").isFalse();
    }

    @Test
    void foldersAndFilesMovedUnchangedAreMovesNotDeletions() throws Exception {
        // brk14a B18: an archive folder made of last year's folders was 49% "deleted"
        setUp();
        for (String d : List.of("dept0", "dept1", "dept2")) {
            Files.createDirectories(src.resolve(d));
            for (int i = 0; i < 10; i++) Files.writeString(src.resolve(d + "/f" + i + ".txt"), d + " file " + i + "\n".repeat(i + 1));
        }
        backupAndRead();
        Files.createDirectories(src.resolve("archive"));
        Files.move(src.resolve("dept0"), src.resolve("archive/dept0"));
        Files.move(src.resolve("dept1/f3.txt"), src.resolve("dept2/f3-from-dept1.txt"));
        Signals s = backupAndRead();
        assertThat(s.deleted()).isZero();
        assertThat(s.added()).isZero();
        assertThat(s.renamed()).isEqualTo(11);
        assertThat(s.filesBefore()).isEqualTo(30);
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
