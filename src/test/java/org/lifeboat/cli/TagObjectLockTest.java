package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * On a real Ceph RADOS Gateway enforcing S3 Object Lock: tag cannot remove a retained snapshot
 * file, so the new snapshot is saved beside it; both are named, nothing is lost, exit 1.
 */
@Tag("slow")
class TagObjectLockTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();

    private Run lifeboat(Path pw, String location, String... args) {
        return rgw.lifeboat(pw, location, args);
    }

    @Test
    void aRetainedSnapshotIsKeptBesideItsRetaggedCopyAndBothAreNamed() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        String location = rgw.location(rgw.createObjectLockBucket("tag"), "repo");
        lifeboat(pw, location, "init", "--retention-mode", "compliance", "--retention-period", "1d").ok();
        lifeboat(pw, location, "backup", src.toString()).ok();
        String id = lifeboat(pw, location, "snapshots", "--json").ok().out().replaceAll("(?s).*\"id\":\"([0-9a-f]{64})\".*", "$1");

        Run r = lifeboat(pw, location, "tag", "--add", "keep");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("error: unable to modify the tags of snapshot " + id.substring(0, 8)
                        + ": the new tags were saved as snapshot ")
                .contains(", but the old snapshot file could not be removed (both are there now): ")
                .contains("Fatal: the tags of 1 snapshot could not be changed (see above)").doesNotContain("\tat ");
        String after = lifeboat(pw, location, "snapshots", "--json").ok().out();
        assertThat(after).contains("\"id\":\"" + id + "\"").contains("\"original\":\"" + id + "\"").contains("\"keep\"");
    }
}
