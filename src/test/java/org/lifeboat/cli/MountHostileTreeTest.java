package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.RawRepo;

/**
 * A hostile snapshot mounted: a tree with the names "..", ".", "a/b", an empty name, one name
 * twice and one that is not UTF-8, a file whose data blob is not in the repository and a folder whose tree is missing. The
 * mount hides the unsafe and repeated entries (saying so on standard error), serves the sound
 * ones, fails only the broken file and folder with an I/O error, and keeps serving; SIGTERM
 * unmounts it.
 */
@Tag("slow")
class MountHostileTreeTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture("mount-hostile");

    private static com.fasterxml.jackson.databind.node.ObjectNode huge(Id content) {
        com.fasterxml.jackson.databind.node.ObjectNode n = RawRepo.file("huge", 0, content);
        n.put("size", new java.math.BigInteger("18446744073709551615"));
        return n;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode nosub() {
        com.fasterxml.jackson.databind.node.ObjectNode n = RawRepo.dir("nosub", Id.hash(new byte[0]));
        n.remove("subtree");
        return n;
    }

    @Test
    void unsafeAndRepeatedNamesAreHiddenBrokenEntriesFailAloneAndTheMountKeepsServing() throws Exception {
        Path mp = fx.mp;
        Path repoDir = fx.work.resolve("repo");
        Path pw = fx.work.resolve("pw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        String shortId;
        Id fine;
        try (RawRepo raw = RawRepo.create(repoDir)) {
            fine = raw.data("fine\n");
            Id first = raw.data("first\n");
            Id second = raw.data("second\n");
            com.fasterxml.jackson.databind.node.ObjectNode t = org.lifeboat.repository.Json.MAPPER.createObjectNode();
            t.putArray("nodes").addAll(List.of(
                    RawRepo.file("", 5, fine),
                    RawRepo.file(".", 5, fine),
                    RawRepo.file("..", 5, fine),
                    RawRepo.file("a/b", 5, fine),
                    RawRepo.dir("broken", Id.hash("no such tree".getBytes(StandardCharsets.UTF_8))),
                    RawRepo.file("dup", 6, first),
                    RawRepo.file("dup", 7, second),
                    RawRepo.file("good.txt", 5, fine),
                    RawRepo.file("missing.bin", 12, Id.hash("never stored".getBytes(StandardCharsets.UTF_8))),
                    RawRepo.file("RAWNAME", 5, fine),
                    RawRepo.dir("treeasdata", fine),
                    RawRepo.file("dataastree", 5, raw.tree(RawRepo.file("x", 5, fine))),
                    nosub(),
                    huge(fine)));
            // a name holding the byte 0xff (not UTF-8), as a Linux file system allows: restic stores
            // such a byte as a Go escape inside the JSON string, here raw\xff
            String json = org.lifeboat.repository.Json.MAPPER.writeValueAsString(t) + "\n";
            String text = json.replace("\"RAWNAME\"", "\"raw\\\\xff\"");
            Id root = raw.rawTree(text.getBytes(StandardCharsets.UTF_8));
            shortId = raw.snapshot(root).hex().substring(0, 8);
        }

        MountProcess mount = fx.start(repoDir, pw);
        Path snap = mp.resolve("ids").resolve(shortId);
        assertThat(MountFixture.names(snap)).containsExactly("broken", "dataastree", "dup", "good.txt", "huge", "missing.bin", "nosub",
                "treeasdata");
        // a uint64 size above 2^63-1 (valid in restic's JSON): the largest st_size, and its content reads
        assertThat(Files.size(snap.resolve("huge"))).isEqualTo(Long.MAX_VALUE);
        try (java.io.InputStream in = Files.newInputStream(snap.resolve("huge"))) {
            // (not readAllBytes: the JDK sizes its array from the file's size)
            assertThat(new String(in.readNBytes(100), StandardCharsets.UTF_8)).isEqualTo("fine\n");
        }
        assertThat(MountFixture.names(snap.resolve("nosub"))).as("a folder entry without a tree: shown empty").isEmpty();
        assertThatThrownBy(() -> MountFixture.names(snap.resolve("treeasdata"))).hasMessageContaining("Input/output error");
        assertThatThrownBy(() -> Files.readAllBytes(snap.resolve("dataastree"))).isInstanceOf(IOException.class);
        assertThat(Files.readString(snap.resolve("good.txt"))).isEqualTo("fine\n");
        assertThat(Files.readString(snap.resolve("dup"))).as("the first of two entries named dup").isEqualTo("first\n");
        assertThat(Files.exists(snap.resolve("a"))).isFalse();
        assertThatThrownBy(() -> Files.readAllBytes(snap.resolve("missing.bin"))).isInstanceOf(IOException.class)
                .hasMessageContaining("Input/output error");
        // opendir succeeds, readdir fails: Files.list reports it from its iterator (unchecked)
        assertThatThrownBy(() -> MountFixture.names(snap.resolve("broken"))).hasMessageContaining("Input/output error");

        // still serving after all that
        assertThat(mount.process.isAlive()).as("stderr:\n%s", mount.stderr()).isTrue();
        assertThat(MountProcess.mounted(mp)).isTrue();
        assertThat(Files.readString(mp.resolve("snapshots/latest/good.txt"))).isEqualTo("fine\n");
        String err = mount.stderr();
        assertThat(err).contains("hidden in ", "\"..\"", "\"a/b\" contains '/'", "empty name", "\"dup\" appears more than once",
                "missing.bin: its data blob", "is not UTF-8, which the mount cannot show", "cannot list /ids/" + shortId + "/broken",
                // the ID is in the index, as the other type: "not in the index" alone would be false
                "tree blob " + fine.shortHex() + " is not in the index as a tree: that ID names a data blob",
                "dataastree: its data blob", "that ID names a tree blob",
                "folder /ids/" + shortId + "/nosub (snapshot " + shortId + ") names no tree: shown empty");
        assertThat(err).doesNotContain("Exception", "\tat ");

        mount.signal("TERM");
        assertThat(mount.awaitExit()).as("exit code after SIGTERM; stderr:\n%s", mount.stderr()).isEqualTo(143);
        assertThat(MountProcess.mounted(mp)).as("unmounted after SIGTERM").isFalse();
    }
}
