package org.lifeboat.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Run;

/**
 * Trees rewrite cannot write back faithfully, or that break the tree rules, stop the rewrite of
 * their snapshot with one sentence naming the snapshot and the path; nothing of it is saved.
 */
class RewriteHostileTest {
    @TempDir
    Path dir;

    @Test
    void aTreeWithAFieldLifeboatDoesNotKnowIsNotWrittenBackWithoutIt() throws Exception {
        Cli cli;
        Id snap;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id secret = raw.data("secret\n");
            var node = RawRepo.file("secret.txt", 7, secret);
            node.put("fancy_new_field", "from a newer restic"); // dropped by a re-encode
            Id tree = raw.tree(node, RawRepo.file("z.txt", 7, secret));
            snap = raw.snapshot(raw.nest("/data", tree));
            cli = raw.cli(dir);
        }
        Map<String, Long> files = RewriteResticTest.files(dir.resolve("repo"));

        Run r = cli.run("rewrite", "--exclude", "secret.txt");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("Fatal: snapshot " + snap.shortHex() + " cannot be rewritten: the tree at /data (")
                .endsWith("cannot be written back without losing information (a field a newer restic writes?); it was left as it is");
        files.keySet().removeIf(k -> k.startsWith("locks/"));
        assertThat(RewriteResticTest.files(dir.resolve("repo"))).isEqualTo(files);
    }

    @Test
    void aTreeThatBreaksTheTreeRulesIsNamed() throws Exception {
        Cli cli;
        Id snap;
        try (RawRepo raw = RawRepo.create(dir.resolve("repo"))) {
            Id secret = raw.data("secret\n");
            Id tree = raw.tree(RawRepo.file("b.txt", 7, secret), RawRepo.file("a.txt", 7, secret)); // unsorted
            snap = raw.snapshot(raw.nest("/srv/x", tree));
            cli = raw.cli(dir);
        }

        Run r = cli.run("rewrite", "--exclude", "a.txt");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("Fatal: snapshot " + snap.shortHex() + " cannot be rewritten: tree ")
                .contains(" at /srv/x breaks the tree rules: names are not sorted (\"b.txt\" before \"a.txt\")")
                .doesNotContain("\n");
        assertThat(cli.run("snapshots", "--json").out()).doesNotContain("\"original\"");
    }
}
