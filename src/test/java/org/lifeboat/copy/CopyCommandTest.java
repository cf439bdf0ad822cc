package org.lifeboat.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** {@code lifeboat copy} and {@code init --copy-chunker-params} on the command line: sources, passwords, locks, exit codes. */
class CopyCommandTest {
    @TempDir
    Path dir;

    private Path pa;
    private Path pb;
    private Cli a;
    private Cli b;

    @BeforeEach
    void repos() throws Exception {
        pa = dir.resolve("pa");
        pb = dir.resolve("pb");
        Files.writeString(pa, "pa\n");
        Files.writeString(pb, "pb\n");
        a = new Cli(dir.resolve("A"), pa);
        b = new Cli(dir.resolve("B"), pb);
        a.run("init").ok();
        b.run("init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.write(dir.resolve("src/f.bin"), TestTrees.random(1, 50_000));
        a.run("backup", dir.resolve("src").toString(), "--host", "web1").ok();
    }

    private Run copy(Cli target, String... more) {
        String[] args = new String[more.length + 1];
        args[0] = "copy";
        System.arraycopy(more, 0, args, 1, more.length);
        return target.run(args);
    }

    @Test
    void aMissingSourceOrTargetIsExit10NamingWhich() {
        Run noSource = copy(b, "--from-repo", dir.resolve("nothing").toString(), "--from-password-file", pa.toString());
        assertThat(noSource.exit()).isEqualTo(10);
        assertThat(noSource.err()).contains("Fatal: source repository: ").contains(dir.resolve("nothing").toString());
        Run noTarget = copy(new Cli(dir.resolve("none"), pb), "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
        assertThat(noTarget.exit()).isEqualTo(10);
        assertThat(noTarget.err()).contains("Fatal: target repository: ").contains(dir.resolve("none").toString());
    }

    @Test
    void aWrongPasswordIsExit12NamingWhichRepository() throws Exception {
        Run wrongSource = copy(b, "--from-repo", a.repo().toString(), "--from-password-file", pb.toString());
        assertThat(wrongSource.exit()).isEqualTo(12);
        assertThat(wrongSource.err()).contains("wrong password for the source repository " + a.repo());
        Run wrongTarget = copy(new Cli(b.repo(), pa), "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
        assertThat(wrongTarget.exit()).isEqualTo(12);
        assertThat(wrongTarget.err()).contains("wrong password for the target repository " + b.repo());
        assertThat(wrongTarget.err().lines().count()).isEqualTo(1);
    }

    @Test
    void theSameRepositoryTwiceIsOneSentence() {
        Run same = copy(a, "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
        assertThat(same.exit()).isEqualTo(1);
        assertThat(same.err().strip()).startsWith("Fatal: the source and the target are the same repository").doesNotContain("\n");
    }

    /** A tree blob whose only index entry was refused (impossible length) is said as check says it, not "not in the index". */
    @Test
    void aRefusedIndexEntryIsNamedAsCheckNamesIt() throws Exception {
        Path src = dir.resolve("forged");
        Cli cli;
        org.lifeboat.repository.Id tree;
        try (org.lifeboat.testutil.RawRepo raw = org.lifeboat.testutil.RawRepo.create(src)) {
            tree = raw.tree(org.lifeboat.testutil.RawRepo.file("a.txt", 2, raw.data("a\n")));
            raw.snapshot(tree);
            cli = raw.cli(dir);
        }
        // the real index goes; a forged one names the tree with a length of 1e12 bytes
        Path pack;
        try (var walk = Files.walk(src.resolve("data"))) {
            pack = walk.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        try (var idx = Files.list(src.resolve("index"))) {
            for (Path p : idx.toList()) Files.delete(p);
        }
        try (org.lifeboat.testutil.RawRepo raw = org.lifeboat.testutil.RawRepo.open(src, org.lifeboat.testutil.RawRepo.PASSWORD)) {
            raw.rawUnpacked(org.lifeboat.backend.FileType.INDEX, ("{\"packs\":[{\"id\":\"" + pack.getFileName() + "\",\"blobs\":[{\"id\":\""
                    + tree.hex() + "\",\"type\":\"tree\",\"offset\":0,\"length\":1000000000000}]}]}").getBytes());
        }
        Path pw = dir.resolve("rawrepo-password");
        Run r = copy(b, "--from-repo", src.toString(), "--from-password-file", pw.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).containsPattern("index [0-9a-f]{8}: tree blob " + tree.shortHex() + " in pack [0-9a-f]{8} claims a length of 1000000000000 bytes")
                .doesNotContain("is not in the index");
    }

    /** restic: an argument naming no snapshot is ignored with a warning, the others are copied (exit 0). */
    @Test
    void anUnknownIdAmongSeveralIsIgnoredAndTheRestCopied() {
        Run r = copy(b, "--from-repo", a.repo().toString(), "--from-password-file", pa.toString(), "deadbeef", "latest");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("Ignoring \"deadbeef\": no matching ID found for prefix \"deadbeef\"");
        assertThat(r.out()).contains("saved");
        assertThat(b.run("snapshots", "--json").out()).contains("\"original\"");
    }

    /** Sameness is by place: one folder however written is refused; a clone (cp -a, rsync: same config ID) is a target. */
    @Test
    void onePlaceIsRefusedAndAClonedRepositoryIsATarget() throws Exception {
        Files.createSymbolicLink(dir.resolve("linkA"), dir.resolve("A"));
        for (String same : new String[] {"local:" + a.repo() + "/", dir.resolve("linkA").toString(), a.repo() + "/./"}) {
            Run r = copy(a, "--from-repo", same, "--from-password-file", pa.toString());
            assertThat(r.exit()).as(same + ": " + r).isEqualTo(1);
            assertThat(r.err().strip()).startsWith("Fatal: the source and the target are the same repository").doesNotContain("\n");
        }
        Path clone = dir.resolve("A2");
        Process cp = new ProcessBuilder("cp", "-a", a.repo().toString(), clone.toString()).inheritIO().start();
        assertThat(cp.waitFor()).isZero();
        Files.writeString(dir.resolve("src/new.txt"), "after the clone\n");
        a.run("backup", dir.resolve("src").toString(), "--host", "web1").ok();
        Run r = copy(new Cli(clone, pa), "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("skipping source snapshot").contains("saved");
        org.lifeboat.testutil.Restic restic = new org.lifeboat.testutil.Restic(clone, dir.resolve("cache"), "pa");
        assertThat(restic.snapshotIds()).hasSize(2);
        assertThat(restic.run("check").exit()).isZero();
    }

    @Test
    void aMissingOrStraySourceIsSaidAndInitTakesTheSourcesPolynomial() throws Exception {
        Run none = copy(b);
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("please specify a source repository location (--from-repo or --from-repository-file)");
        Run init = new Cli(dir.resolve("C"), pb).run("init", "--copy-chunker-params");
        assertThat(init.exit()).isEqualTo(1);
        assertThat(init.err()).contains("please specify a source repository location");
        assertThat(dir.resolve("C")).doesNotExist();
        Run stray = new Cli(dir.resolve("C"), pb).run("init", "--from-repo", a.repo().toString());
        assertThat(stray.exit()).isEqualTo(1);
        assertThat(stray.err()).contains("only used with --copy-chunker-params");
        Run wrong = new Cli(dir.resolve("C"), pb).run("init", "--from-repo", a.repo().toString(), "--from-password-file",
                pb.toString(), "--copy-chunker-params");
        assertThat(wrong.exit()).isEqualTo(12);
        assertThat(wrong.err()).contains("wrong password for the source repository " + a.repo());
        assertThat(dir.resolve("C")).doesNotExist();
        Run ok = new Cli(dir.resolve("C"), pb).run("init", "--from-repo", a.repo().toString(), "--from-password-file",
                pa.toString(), "--copy-chunker-params");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readTree(new Cli(dir.resolve("C"), pb).run("cat", "config").ok().out()).get("chunker_polynomial"))
                .isEqualTo(json.readTree(a.run("cat", "config").ok().out()).get("chunker_polynomial"));
    }

    @Test
    void filtersPickTheSnapshotsAndTheSourceIsOnlyRead() throws Exception {
        a.run("backup", dir.resolve("src").toString(), "--host", "db2").ok();
        Map<String, Long> before = CopyResticTest.files(a.repo());
        Run r = copy(b, "--from-repo", a.repo().toString(), "--from-password-command", "cat " + pa, "--host", "db2");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsOnlyOnce("copy started").contains("by ").contains("@db2)");
        assertThat(b.run("snapshots", "--json").ok().out()).contains("\"hostname\":\"db2\"").doesNotContain("web1");
        Map<String, Long> after = CopyResticTest.files(a.repo());
        assertThat(after).isEqualTo(before); // its lock came and went; nothing else was written
        // a snapshot named by ID prefix, and a key hint that names the source's key
        String key = a.run("key", "list", "--json").ok().out().replaceAll("(?s).*\"id\":\"([0-9a-f]{64})\".*", "$1");
        Run byId = copy(b, "--from-repo", a.repo().toString(), "--from-password-file", pa.toString(), "--from-key-hint",
                key.substring(0, 8), "latest", "--host", "web1");
        assertThat(byId.exit()).as(byId.toString()).isZero();
        assertThat(byId.out()).containsOnlyOnce("copy started").contains("@web1)");
    }

    @Test
    void theSourceIsLockedSharedAndTheTargetNormally() throws Exception {
        // An exclusive lock (as prune holds) on either side stops the copy with restic's exit code 11.
        try (Repository held = Repository.open(Backends.open(a.repo().toString(), BackendOptions.DEFAULT), "pa");
             RepositoryLock lock = RepositoryLock.acquire(held, true, w -> {}, Cancel.NEVER)) {
            Run r = Cli.process(b.env(), null, "copy", "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
            assertThat(r.exit()).as(r.toString()).isEqualTo(11);
            // which side is locked, and how to unlock that one (not the target)
            assertThat(r.err()).startsWith("Fatal: source repository " + a.repo() + ": repository is already locked")
                    .contains("'lifeboat unlock --remove-all -r " + a.repo() + "'");
        }
        try (Repository held = Repository.open(Backends.open(b.repo().toString(), BackendOptions.DEFAULT), "pb");
             RepositoryLock lock = RepositoryLock.acquire(held, true, w -> {}, Cancel.NEVER)) {
            Run r = Cli.process(b.env(), null, "copy", "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
            assertThat(r.exit()).as(r.toString()).isEqualTo(11);
            assertThat(r.err()).startsWith("Fatal: target repository " + b.repo() + ": repository is already locked");
        }
        // A shared lock on the source (a backup running there) does not stop it.
        try (Repository held = Repository.open(Backends.open(a.repo().toString(), BackendOptions.DEFAULT), "pa");
             RepositoryLock lock = RepositoryLock.acquire(held, false, w -> {}, Cancel.NEVER)) {
            Run r = Cli.process(b.env(), null, "copy", "--from-repo", a.repo().toString(), "--from-password-file", pa.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
        }
    }

    @Test
    void theSourcePasswordComesFromResticsVariables() {
        Map<String, String> env = b.env();
        env.put("RESTIC_FROM_REPOSITORY", a.repo().toString());
        env.put("RESTIC_FROM_PASSWORD", "pa");
        Run r = Cli.process(env, null, "copy");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("copy started");
    }
}
