package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * {@code lifeboat tag} on snapshots restic wrote, judged by restic 0.14: the changed snapshots
 * carry the new tags and name their original (kept over repeated changes), the old files are
 * gone, the count is printed, and the repository checks clean.
 */
@Tag("restic")
@Tag("slow")
class TagResticTest {
    @TempDir
    Path dir;

    private static JsonNode byId(Restic restic, String id) {
        for (JsonNode s : restic.json("snapshots", "--json")) if (s.get("id").asText().equals(id)) return s;
        return null;
    }

    private static List<String> tags(JsonNode s) {
        List<String> out = new ArrayList<>();
        if (s.has("tags")) s.get("tags").forEach(t -> out.add(t.asText()));
        return out;
    }

    @Test
    void addRemoveAndSetWriteNewSnapshotsThatNameTheOriginal() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString(), "--host", "web1", "--tag", "daily").ok();
        restic.run("backup", src.toString(), "--host", "web2", "--tag", "daily,old").ok();
        List<String> ids = restic.snapshotIds();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));

        // --add with a host filter: only web1's snapshot changes
        Run add = lifeboat.run("tag", "--add", "keep, audit", "--add", "daily", "--host", "web1", "-v");
        assertThat(add.exit()).as(add.toString()).isZero();
        assertThat(add.out()).contains("old snapshot ID: " + ids.get(0) + " -> new snapshot ID: ").contains("modified 1 snapshot");
        List<String> now = restic.snapshotIds();
        assertThat(now).hasSize(2).doesNotContain(ids.get(0)).contains(ids.get(1));
        String web1 = now.stream().filter(id -> !id.equals(ids.get(1))).findFirst().orElseThrow();
        JsonNode s = byId(restic, web1);
        assertThat(tags(s)).containsExactly("daily", "keep", "audit");
        assertThat(s.get("original").asText()).isEqualTo(ids.get(0));
        assertThat(s.get("hostname").asText()).isEqualTo("web1");

        // --remove by ID, then --set: the original stays the first snapshot's
        Run remove = lifeboat.run("--json", "tag", "--remove", "keep", web1.substring(0, 8));
        assertThat(remove.exit()).as(remove.toString()).isZero();
        String[] lines = remove.out().strip().split("\n");
        assertThat(lines[0]).contains("\"message_type\":\"changed\"").contains("\"old_snapshot_id\":\"" + web1 + "\"");
        assertThat(lines[1]).isEqualTo("{\"message_type\":\"summary\",\"changed_snapshots\":1}");
        String second = lines[0].replaceAll(".*\"new_snapshot_id\":\"([0-9a-f]{64})\".*", "$1");
        assertThat(tags(byId(restic, second))).containsExactly("daily", "audit");
        assertThat(byId(restic, second).get("original").asText()).isEqualTo(ids.get(0));

        Run set = lifeboat.run("tag", "--set", "", "--tag", "old");
        assertThat(set.exit()).as(set.toString()).isZero();
        assertThat(set.out()).contains("modified 1 snapshot");
        assertThat(restic.snapshotIds()).doesNotContain(ids.get(1)).hasSize(2);
        for (JsonNode x : restic.json("snapshots", "--json")) {
            if (x.get("hostname").asText().equals("web2")) {
                assertThat(x.has("tags")).as("--set '' removes all tags").isFalse();
                assertThat(x.get("original").asText()).isEqualTo(ids.get(1));
            }
        }

        // nothing to change: no snapshot is written
        List<String> unchanged = restic.snapshotIds();
        Run noop = lifeboat.run("tag", "--remove", "nope");
        assertThat(noop.out()).contains("no snapshots were modified");
        assertThat(restic.snapshotIds()).isEqualTo(unchanged);

        Run check = restic.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        // restic tags what Lifeboat wrote
        restic.run("tag", "--add", "restic-too", unchanged.getFirst()).ok();
    }

    @Test
    void badInputIsOneSentenceAndChangesNothing() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString()).ok();
        List<String> ids = restic.snapshotIds();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));

        Run nothing = lifeboat.run("tag", ids.getFirst());
        assertThat(nothing.exit()).isEqualTo(1);
        assertThat(nothing.err().strip()).isEqualTo("Fatal: nothing to do: give --add, --remove or --set");
        Run both = lifeboat.run("tag", "--set", "a", "--add", "b");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err().strip()).isEqualTo("Fatal: --set and --add/--remove cannot be given at the same time");
        // an unknown ID among good ones: nothing is changed, not even the good one
        Run unknown = lifeboat.run("tag", "--add", "x", ids.getFirst(), "deadbeef");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("Fatal: no snapshot with ID 'deadbeef'");
        Run noLock = lifeboat.run("--no-lock", "tag", "--add", "x");
        assertThat(noLock.exit()).isEqualTo(1);
        assertThat(noLock.err()).contains("--no-lock is only for commands that only read the repository; 'tag'");
        assertThat(restic.snapshotIds()).isEqualTo(ids);
        Run noRepo = new Cli(dir.resolve("nothing-here"), Cli.passwordFile(dir)).run("tag", "--add", "x");
        assertThat(noRepo.exit()).isEqualTo(10);
    }

    @Test
    void tagAndRewriteForgetNeedTheExclusiveLockRewriteAlone() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        Files.writeString(src.resolve("secret.txt"), "s\n");
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.run("backup", src.toString()).ok();
        List<String> ids = restic.snapshotIds();
        Cli lifeboat = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        // another live process's shared lock (a backup running)
        try (org.lifeboat.testutil.RawRepo other = org.lifeboat.testutil.RawRepo.open(dir.resolve("repo"), Restic.PASSWORD);
             var held = other.repository().lock(false)) {
            Run tag = lifeboat.run("tag", "--add", "x");
            assertThat(tag.exit()).as(tag.toString()).isEqualTo(11);
            Run forget = lifeboat.run("rewrite", "--exclude", "secret.txt", "--forget");
            assertThat(forget.exit()).as(forget.toString()).isEqualTo(11);
            assertThat(restic.snapshotIds()).isEqualTo(ids);
            // without --forget rewrite only adds a snapshot: a shared lock, as restic
            Run rewrite = lifeboat.run("rewrite", "--exclude", "secret.txt");
            assertThat(rewrite.exit()).as(rewrite.toString()).isZero();
        }
        assertThat(restic.snapshotIds()).hasSize(2).contains(ids.getFirst());
    }
}
