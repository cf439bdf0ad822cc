package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/**
 * How a mount starts and ends, on a repository Lifeboat made: an {@code umount} from outside ends
 * the command with exit 0 and nothing mounted; --host and --time-template pick and name the
 * snapshots; a mountpoint that is missing, not a folder, not empty or inside the repository is
 * refused in one sentence (exit 1) before anything is mounted.
 */
@Tag("slow")
class MountLifecycleTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture("mount-life");
    Path work;
    Path repo;
    Path pw;
    Path mp;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        work = fx.work;
        mp = fx.mp;
        repo = work.resolve("repo");
        pw = Cli.passwordFile(work);
        cli = new Cli(repo, pw);
        cli.run("init").ok();
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("notes.txt"), "keep me\n");
        cli.run("backup", "--host", "alpha", data.toString()).ok();
        Files.writeString(data.resolve("notes.txt"), "changed\n");
        cli.run("backup", "--host", "beta", data.toString()).ok();
    }

    @Test
    void anUmountFromOutsideEndsTheCommandCleanlyAndFiltersAndTemplatesApply() throws Exception {
        MountProcess mount = fx.start(repo, pw, "--host", "alpha", "--time-template", "2006-01-02_15-04-05");
        assertThat(MountFixture.names(mp.resolve("hosts"))).as("--host alpha").containsExactly("alpha");
        Set<String> times = MountFixture.names(mp.resolve("snapshots"));
        assertThat(times).hasSize(2).contains("latest");
        String time = Files.readSymbolicLink(mp.resolve("snapshots/latest")).toString();
        assertThat(time).matches("\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d");
        Path notes = mp.resolve("snapshots").resolve(time).resolve(work.resolve("data/notes.txt").toString().substring(1));
        assertThat(Files.readString(notes)).as("the alpha snapshot, not the later beta one").isEqualTo("keep me\n");

        Process umount = new ProcessBuilder("umount", mp.toString()).inheritIO().start();
        assertThat(umount.waitFor()).isZero();
        assertThat(mount.awaitExit()).as("exit code after umount; stderr:\n%s", mount.stderr()).isZero();
        assertThat(MountProcess.mounted(mp)).isFalse();
        assertThat(mount.stderr()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void anUnfitMountpointIsRefusedInOneSentence() throws Exception {
        assertRefused(work.resolve("nowhere"), "Fatal: mountpoint " + work.resolve("nowhere") + " does not exist");
        Path file = Files.writeString(work.resolve("a-file"), "x");
        assertRefused(file, "Fatal: mountpoint " + file + " is not a folder");
        Files.writeString(mp.resolve("something"), "x");
        assertRefused(mp, "Fatal: mountpoint " + mp + " is not empty (mount onto an empty folder)");
        Path inside = Files.createDirectories(repo.resolve("mnt"));
        assertRefused(inside, "Fatal: mountpoint " + inside + " overlaps the repository " + repo + " (use a folder outside it)");
    }

    /** A mount whose process was killed stays in the kernel, answering ENOTCONN: said so, with the fix. */
    @Test
    void aStaleMountLeftByAKilledMountIsNamedWithItsFixAndAnEmptyNameIsRefused() throws Exception {
        MountProcess mount = fx.start(repo, pw);
        mount.signal("KILL");
        mount.awaitExit();
        assertThat(MountProcess.mounted(mp)).as("kill -9 leaves the kernel's mount").isTrue();
        Run stale = cli.run("mount", mp.toString());
        assertThat(stale.exit()).as("%s", stale).isEqualTo(1);
        assertThat(stale.err()).isEqualTo("Fatal: mountpoint " + mp + " is a stale mount whose file system process has ended"
                + " (Transport endpoint is not connected): unmount it first with 'umount -l " + mp + "' or 'fusermount3 -u "
                + mp + "'\n");
        MountProcess.detach(mp);
        Run empty = cli.run("mount", "");
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(empty.err()).isEqualTo("Fatal: no mountpoint given (name an empty folder)\n");
    }

    private void assertRefused(Path where, String line) {
        Run r = cli.run("mount", where.toString());
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        assertThat(r.err()).isEqualTo(line + "\n");
        assertThat(MountProcess.mounted(where)).isFalse();
    }
}
