package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Outside;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Hostile trees restored with {@code lifeboat restore} (run as root in CI): whatever the snapshot
 * holds, nothing outside the target is created, written, chmod/chown/utimes'd or removed; the
 * broken folder is reported as damaged by its snapshot path and the rest restores. restic 0.14,
 * on the same repositories, is the judge that this is possible.
 */
class HostileTreeRestoreTest {
    @TempDir
    Path dir;

    Path repo;
    Path pw;
    Path target;
    Outside outside;
    Map<String, String> before;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        pw = dir.resolve("pw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        target = dir.resolve("target");
        outside = Outside.create(dir.resolve("outside"));
        before = outside.fingerprint();
    }

    private Run restore(String snapshot, String... extra) {
        List<String> a = new ArrayList<>(List.of("restore", snapshot, "--target", target.toString()));
        a.addAll(List.of(extra));
        return new Cli(repo, pw).run(a.toArray(String[]::new));
    }

    private void assertOutsideUnchanged() throws Exception {
        assertThat(outside.fingerprint()).as("nothing outside the target changed").isEqualTo(before);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("nothing new beside the target").isSubsetOf("outside", "outside2", "pw", "repo", "target", "cache");
        }
    }

    /** The snapshot's payload: a setuid root file, as in the reported attack. */
    private static ObjectNode payload(RawRepo r, String name) throws Exception {
        Id x = r.data("pwned\n");
        return RawRepo.file(name, 6, x).put("mode", (1L << 23) | 04755 & 0777).put("uid", 0);
    }

    /** A snapshot whose "ok" folder is fine and whose "evil" folder holds {@code evil}. */
    private String snapshotWithEvil(ObjectNode... evil) throws Exception {
        try (RawRepo r = repo.toFile().exists() ? RawRepo.open(repo, RawRepo.PASSWORD) : RawRepo.create(repo)) {
            Id fine = r.tree(RawRepo.file("f.txt", 5, r.data("fine\n")));
            Id evilTree = r.tree(evil);
            return r.snapshot(r.tree(RawRepo.dir("evil", evilTree), RawRepo.dir("ok", fine))).hex();
        }
    }

    private void assertEvilReportedRestRestored(Run r) throws Exception {
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("damaged in the repository: /evil").doesNotContain("Exception");
        assertThat(r.err().lines().filter(l -> l.startsWith("Fatal: ")).count()).isEqualTo(1);
        assertThat(target.resolve("ok/f.txt")).hasContent("fine");
        assertOutsideUnchanged();
    }

    @Test
    void folderThenSymlinkOfTheSameName() throws Exception {
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id sub = r.tree(payload(r, "x"));
            Id fine = r.tree(RawRepo.file("f.txt", 5, r.data("fine\n")));
            Id evil = r.tree(RawRepo.dir("a", sub), RawRepo.symlink("a", outside.path().toString()));
            snap = r.snapshot(r.tree(RawRepo.dir("evil", evil), RawRepo.dir("ok", fine))).hex();
        }
        assertEvilReportedRestRestored(restore(snap));
        assertThat(target.resolve("evil")).isEmptyDirectory();
    }

    @ParameterizedTest
    @ValueSource(strings = {"always", "never", "if-changed"})
    void symlinkThenFolderOfTheSameNameOverAnEarlierRestore(String overwrite) throws Exception {
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id sub = r.tree(payload(r, "x"));
            Id fine = r.tree(RawRepo.file("f.txt", 5, r.data("fine\n")));
            Id evil = r.tree(RawRepo.symlink("a", outside.path().toString()), RawRepo.dir("a", sub));
            snap = r.snapshot(r.tree(RawRepo.dir("evil", evil), RawRepo.dir("ok", fine))).hex();
        }
        assertEvilReportedRestRestored(restore(snap));
        assertEvilReportedRestRestored(restore(snap, "--overwrite", overwrite));
    }

    /** A symlink restored earlier is a parent two levels up of a file of the next snapshot. */
    @ParameterizedTest
    @ValueSource(strings = {"always", "never", "if-changed"})
    void symlinkInTheTargetTwoLevelsUp(String overwrite) throws Exception {
        String first;
        String second;
        try (RawRepo r = RawRepo.create(repo)) {
            first = r.snapshot(r.tree(RawRepo.symlink("a", outside.path().toString()))).hex();
            Id d = r.tree(payload(r, "x"));
            second = r.snapshot(r.tree(RawRepo.dir("a", r.tree(RawRepo.dir("d", d))))).hex();
        }
        assertThat(restore(first).exit()).isZero();
        Run r = restore(second, "--overwrite", overwrite);
        assertOutsideUnchanged();
        if (overwrite.equals("never")) {
            assertThat(r.err()).contains("not restored, it exists and is not a folder");
            assertThat(Files.isSymbolicLink(target.resolve("a"))).isTrue();
        } else {
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(target.resolve("a/d/x")).hasContent("pwned");
        }
    }

    /** Hard links into a folder that is a symlink in the target, or to a first name that is one. */
    @ParameterizedTest
    @ValueSource(strings = {"always", "never", "if-changed"})
    void hardLinksWhoseNamesLeadOutside(String overwrite) throws Exception {
        String first;
        String second;
        try (RawRepo r = RawRepo.create(repo)) {
            first = r.snapshot(r.tree(RawRepo.symlink("d", outside.path().toString()),
                    RawRepo.symlink("h1", outside.path().resolve("x").toString()))).hex();
            Id x = r.data("pwned\n");
            Id d = r.tree(RawRepo.hardLink("h1", 7, 2, 6, x), RawRepo.hardLink("h2", 7, 2, 6, x));
            second = r.snapshot(r.tree(RawRepo.dir("d", d), RawRepo.hardLink("h1", 9, 2, 6, x),
                    RawRepo.hardLink("h2", 9, 2, 6, x))).hex();
        }
        assertThat(restore(first).exit()).isZero();
        Run r = restore(second, "--overwrite", overwrite);
        assertOutsideUnchanged();
        if (!overwrite.equals("never")) {
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(Files.getAttribute(target.resolve("d/h2"), "unix:nlink", LinkOption.NOFOLLOW_LINKS)).isEqualTo(2);
            assertThat(target.resolve("h2")).hasContent("pwned");
        } else {
            // h1 stays the symlink it was: h2 is not linked to it.
            assertThat(Files.isSymbolicLink(target.resolve("h1"))).isTrue();
            assertThat(r.err()).contains("/h2: hard link not made");
        }
    }

    /**
     * The target's h1 is a hard link to a file outside with the snapshot's size and mtime, so
     * if-changed and never keep it: h2 must not become a new link to that outside inode.
     */
    @ParameterizedTest
    @ValueSource(strings = {"never", "if-changed", "if-changed --verify", "never --verify"})
    void aKeptFirstNameLinkedOutsideIsNotLinkedTo(String options) throws Exception {
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id x = r.data("pwned\n");
            snap = r.snapshot(r.tree(RawRepo.hardLink("h1", 7, 2, 6, x), RawRepo.hardLink("h2", 7, 2, 6, x))).hex();
        }
        Path secret = Files.createDirectories(dir.resolve("outside2")).resolve("sec");
        Files.writeString(secret, "pwned\n"); // the snapshot's content too: --verify's comparison keeps it
        Files.setLastModifiedTime(secret, java.nio.file.attribute.FileTime.from(
                java.time.Instant.parse("2024-01-02T03:04:05.000000006Z")));
        Files.createDirectories(target);
        Files.createLink(target.resolve("h1"), secret);
        List<String> extra = new ArrayList<>(List.of("--overwrite"));
        extra.addAll(List.of(options.split(" ")));
        Run r = restore(snap, extra.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("/h2: hard link not made").contains("was kept from before this restore");
        assertThat(Files.getAttribute(secret, "unix:nlink")).as("no new name for the outside file").isEqualTo(2);
        assertThat(Files.exists(target.resolve("h2"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(secret).hasContent("pwned\n");
    }

    @Test
    void duplicateNames() throws Exception {
        String snap = snapshotWithEvil(RawRepo.file("f", 0), RawRepo.symlink("f", outside.path().resolve("x").toString()));
        assertEvilReportedRestRestored(restore(snap));
        assertThat(restore(snap, "--overwrite", "always").err()).contains("appears more than once");
    }

    @Test
    void unsortedNames() throws Exception {
        String snap = snapshotWithEvil(RawRepo.file("b", 0), RawRepo.file("a", 0));
        Run r = restore(snap);
        assertEvilReportedRestRestored(r);
        assertThat(r.err()).contains("not sorted");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "", "../outside/x", "a/b", "nul\u0000byte"})
    void unsafeNames(String name) throws Exception {
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            ObjectNode bad = payload(r, name);
            Id fine = r.tree(RawRepo.file("f.txt", 5, r.data("fine\n")));
            snap = r.snapshot(r.tree(RawRepo.dir("evil", r.tree(bad)), RawRepo.dir("ok", fine))).hex();
        }
        Run r = restore(snap);
        assertEvilReportedRestRestored(r);
        try (Stream<Path> s = Files.walk(target)) {
            assertThat(s.filter(p -> p.getFileName().toString().contains("nul") || p.endsWith("b")
                    || p.getFileName().toString().equals("x")).toList()).isEmpty();
        }
    }

    /** restic 0.14 restores the same hostile repositories and writes nothing outside either. */
    @Test
    void resticAsJudge() throws Exception {
        String snap;
        try (RawRepo r = RawRepo.create(repo)) {
            Id sub = r.tree(payload(r, "x"));
            Id fine = r.tree(RawRepo.file("f.txt", 5, r.data("fine\n")));
            Id evil = r.tree(RawRepo.dir("a", sub), RawRepo.symlink("a", outside.path().toString()));
            snap = r.snapshot(r.tree(RawRepo.dir("evil", evil), RawRepo.dir("ok", fine))).hex();
        }
        Run restic = new Restic(repo, dir.resolve("cache"), RawRepo.PASSWORD)
                .run("restore", snap, "--target", target.toString());
        assertOutsideUnchanged();
        deleteRecursively(target);
        assertEvilReportedRestRestored(restore(snap));
        assertThat(restic.exit()).as("restic ran: %s", restic).isIn(0, 1);
    }

    private static void deleteRecursively(Path p) throws Exception {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
