package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * On a real Ceph RADOS Gateway enforcing S3 Object Lock: a version 1 repository whose config file
 * is under compliance retention cannot be upgraded in place; migrate says so in one sentence and
 * the repository stays version 1 and usable.
 */
@Tag("slow")
class MigrateObjectLockTest {
    @TempDir
    Path dir;

    private final CephRgw rgw = CephRgw.shared();

    private Run lifeboat(Path pw, String location, String... args) {
        return rgw.lifeboat(pw, location, args);
    }

    @Test
    void aConfigUnderObjectLockIsNotReplaced() throws Exception {
        Path pw = Cli.passwordFile(dir);
        String location = rgw.location(rgw.createObjectLockBucket("migrate"), "repo");
        lifeboat(pw, location, "init", "--repository-version", "1", "--retention-mode", "compliance",
                "--retention-period", "1d").ok();

        Run r = lifeboat(pw, location, "migrate", "upgrade_repo_v2");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("Fatal: cannot upgrade the repository at ")
                .contains(" in place: its config file is kept under S3 Object Lock retention until ")
                .endsWith("so the config file cannot be replaced; nothing was changed (create a version 2 repository"
                        + " with 'lifeboat init' and copy the snapshots into it with 'lifeboat copy')");
        Run list = lifeboat(pw, location, "migrate");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).isEqualTo("available migrations:\n  upgrade_repo_v2\tupgrade a repository to version 2\n");
    }
}
