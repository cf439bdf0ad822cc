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
 * forget on a repository whose files the storage keeps under S3 Object Lock (a real Ceph RADOS
 * Gateway, compliance retention of a day): the snapshot the policy removes is left, reported with
 * the end of its retention (also in the JSON), and the run still succeeds (exit 0): the storage
 * doing what it was asked to do is no failure.
 */
@Tag("slow")
class ForgetRetentionRgwTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();

    private Run lifeboat(Path pw, String location, String... args) {
        return rgw.lifeboat(pw, location, args);
    }

    @Test
    void aSnapshotUnderObjectLockIsSkippedAndReportedWithItsLockDate() throws Exception {
        Path pw = Cli.passwordFile(dir);
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        String location = rgw.location(rgw.createObjectLockBucket("forget"), "repo");
        lifeboat(pw, location, "init", "--retention-mode", "compliance", "--retention-period", "1d").ok();
        lifeboat(pw, location, "backup", src.toString()).ok();
        lifeboat(pw, location, "backup", src.toString()).ok();

        Run r = lifeboat(pw, location, "forget", "--keep-last", "1", "--json");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.err()).as("%s", r).containsPattern("snapshot [0-9a-f]{8} \\(.*\\) is kept by the storage's retention \\(S3 Object Lock\\) until \\d{4}-\\d\\d-\\d\\dT")
                .contains("1 snapshot is kept by the storage's retention");
        assertThat(r.out()).contains("\"retained\":[{\"id\":\"").contains("\"until\":\"");
        assertThat(lifeboat(pw, location, "snapshots", "--json").ok().out().split("\"short_id\"", -1)).hasSize(3);
    }
}
