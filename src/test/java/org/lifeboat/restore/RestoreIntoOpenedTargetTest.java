package org.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.fs.Dir;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Restic;

/**
 * A restore into a folder opened before it starts (brk13f F1, brk13g F1, High): a symbolic link
 * put at the target's path, or at a parent's, between the service's look and the writes must not
 * send them elsewhere (the service's state, a repository, /dev/shm). The folder is opened from /
 * without following a link ({@link Dir#openResolved}), missing folders made private (0700, as
 * restic), and the restore writes through it.
 */
class RestoreIntoOpenedTargetTest {
    @TempDir
    Path dir;

    @Test
    void aLinkSwappedInAfterTheTargetWasOpenedDoesNotRedirectTheWrites() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "restored\n");
        Restic restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        restic.run("init").ok();
        restic.runIn(src, "backup", ".").ok();

        Path target = dir.resolve("new/parent/target");
        Dir opened = Dir.openResolved(target, 0700);
        // every folder made on the way is private, as restic makes them
        for (Path p : List.of(dir.resolve("new"), dir.resolve("new/parent"), target)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rwx------");
        }
        // the race: the parent is moved away and a link to the "state" put in its place
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.move(dir.resolve("new/parent"), dir.resolve("new/moved"));
        Files.createSymbolicLink(dir.resolve("new/parent"), state);
        Files.createDirectories(state.resolve("target"));

        try (Repository repo = Repository.open(new LocalBackend(dir.resolve("repo")), Restic.PASSWORD)) {
            repo.loadIndex();
            var snap = repo.listSnapshots(w -> {}).getFirst();
            new Restorer(repo, new RestoreOptions(target, List.of(), List.of(), RestoreOptions.Overwrite.NEVER, false, 0),
                    "snapshot", org.lifeboat.backend.Cancel.NEVER).into(opened).run(snap.tree(), "");
        }
        assertThat(dir.resolve("new/moved/target/a.txt")).hasContent("restored");
        try (var in = Files.list(state.resolve("target"))) {
            assertThat(in).as("nothing written through the link").isEmpty();
        }
        // opened anew, a path through a link is refused: it changed since it was resolved
        assertThatThrownBy(() -> Dir.openResolved(target, 0700)).isInstanceOf(java.io.IOException.class);
    }
}
