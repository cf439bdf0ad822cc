package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.CephRgw;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OpenSshServer;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * Issue 11's reliability promise, end to end against the real servers (Ceph RGW for s3:, OpenSSH
 * for sftp:, serve-repository for rest:): with the fault injector failing 5% of requests and adding
 * latency, real Lifeboat processes back up, copy a local repository's snapshots there, and restore
 * with correct results; restic 0.14 then checks every byte (--read-data) and restores the same
 * tree. And a backup whose storage vanishes midway (the injector's crash: nothing more reaches it,
 * not even the lock's removal, as after kill -9)
 * leaves the earlier snapshot restorable and the repository clean for restic.
 */
@Tag("slow")
@Tag("restic")
class RemoteFaultsTest {
    private static Path work;
    private static Path data;
    private static RestServer rest;
    private static String restUrl;
    private static int n;
    /** The copy's source: a local repository with one snapshot of {@link #other}, built once for every kind. */
    private static Path local;
    private static Path other;

    @BeforeAll
    static void setUp() throws IOException {
        work = TestDirs.create("remote-faults");
        data = Files.createDirectories(work.resolve("data"));
        Path small = Files.createDirectories(data.resolve("small"));
        for (int i = 0; i < 150; i++) Files.write(small.resolve("f" + i + ".bin"), TestTrees.random(i, 500 + (i * 53) % 7_000));
        for (int i = 0; i < 2; i++) Files.write(data.resolve("big" + i + ".bin"), TestTrees.random(900 + i, 5 << 20));
        Files.writeString(work.resolve("pw"), "remote faults password\n");
        rest = new RestServer(new ServerOptions(Files.createDirectories(work.resolve("served")), "127.0.0.1", 0, null, true,
                false, false, null, null, 0, false, false, false));
        restUrl = rest.start();
        // In this JVM: the source only has to exist; the copies through the faults run as processes.
        local = work.resolve("local");
        other = Files.createDirectories(work.resolve("other"));
        Files.write(other.resolve("x.bin"), TestTrees.random(4242, 3 << 20));
        Cli source = new Cli(local, work.resolve("pw"));
        assertThat(source.run("init").exit()).isZero();
        assertThat(source.run("backup", other.toString()).exit()).isZero();
    }

    @AfterAll
    static void tearDown() {
        if (rest != null) rest.close();
        TestDirs.delete(work);
    }

    /** A fresh location of that kind, with the environment its clients need. */
    private record Place(String location, Map<String, String> env, List<String> resticArgs) {}

    private static Place place(String kind) throws IOException {
        int i = n++;
        return switch (kind) {
            case "s3" -> {
                CephRgw rgw = CephRgw.shared();
                yield new Place(rgw.location(rgw.createBucket("faults"), "repo" + i), rgw.env(), List.of());
            }
            case "sftp" -> {
                OpenSshServer ssh = OpenSshServer.shared();
                Path dir = Files.createDirectories(ssh.dir().resolve("faults")).resolve("repo" + i);
                Map<String, String> env = new HashMap<>();
                yield new Place(ssh.location(dir), env, List.of("-o", "sftp.command=" + ssh.sshCommand()));
            }
            case "rest" -> new Place("rest:" + restUrl + "repo" + i + "/", Map.of(), List.of());
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static Run lifeboat(Place p, String faults, String... args) {
        Map<String, String> env = new HashMap<>(p.env());
        if (faults != null) env.put("LIFEBOAT_BACKEND_FAULTS", faults);
        List<String> all = new ArrayList<>(List.of("-r", p.location(), "--password-file", work.resolve("pw").toString()));
        if (p.location().startsWith("sftp:")) {
            all.addAll(List.of("-o", "sftp.args=" + OpenSshServer.shared().sftpArgs()));
        }
        all.addAll(List.of(args));
        Run r = Cli.process(env, null, all.toArray(String[]::new));
        Failures.assertNoStackTrace(r);
        return r;
    }

    private static Run restic(Place p, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", p.location(), "--no-cache"));
        cmd.addAll(p.resticArgs());
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(p.env());
        env.put("RESTIC_PASSWORD_FILE", work.resolve("pw").toString());
        return Proc.run(cmd, env, null, null, 600);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "sftp", "rest"})
    void backupCopyAndRestoreFinishCorrectlyAtFivePercentFaultsAndResticAgrees(String kind) throws Exception {
        Place p = place(kind);
        String faults = "transient=0.05,latency=2ms,seed=" + (7 + kind.length());
        assertThat(lifeboat(p, null, "init").exit()).isZero();
        Run b = lifeboat(p, faults, "backup", "--pack-size", "4", data.toString());
        assertThat(b.exit()).as("backup to %s through faults:\n%s", kind, b).isZero();

        // copy: a local repository's snapshot of other data goes to the remote one through the faults
        Run c = lifeboat(p, faults, "copy", "--from-repo", local.toString(), "--from-password-file", work.resolve("pw").toString());
        assertThat(c.exit()).as("copy to %s through faults:\n%s", kind, c).isZero();

        Path target = work.resolve("restore-" + kind);
        Run r = lifeboat(p, faults, "restore", "latest", "--path", data.toString(), "--target", target.toString());
        assertThat(r.exit()).as("restore from %s through faults:\n%s", kind, r).isZero();
        assertThat(TestTrees.describe(target.resolve(data.toString().substring(1)), false)).isEqualTo(TestTrees.describe(data, false));

        Run check = restic(p, "check", "--read-data");
        assertThat(check.exit()).as("restic check --read-data on %s:\n%s", kind, check).isZero();
        Path rt = work.resolve("restic-restore-" + kind);
        assertThat(restic(p, "restore", "latest", "--path", other.toString(), "--target", rt.toString()).exit()).isZero();
        assertThat(TestTrees.sha256(rt.resolve(other.toString().substring(1)).resolve("x.bin")))
                .as("restic restores the copied snapshot").isEqualTo(TestTrees.sha256(other.resolve("x.bin")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "sftp"})
    void aBackupThatDiesMidwayLeavesTheEarlierSnapshotRestorableAndResticClean(String kind) throws Exception {
        Place p = place(kind);
        assertThat(lifeboat(p, null, "init").exit()).isZero();
        Path first = Files.createDirectories(work.resolve("first-" + kind));
        Files.write(first.resolve("a.bin"), TestTrees.random(31, 2 << 20));
        assertThat(lifeboat(p, null, "backup", first.toString()).exit()).isZero();

        // The storage is gone after the third stored file (packs come first): no index, no snapshot,
        // and not even the lock's removal reaches it, as after kill -9.
        Run dead = lifeboat(p, "crash-after-save=3", "backup", "--pack-size", "4", data.toString());
        assertThat(dead.exit()).as("the crashed backup:\n%s", dead).isNotZero();

        assertThat(restic(p, "unlock").exit()).isZero(); // restic 0.14 wants the dead process's lock gone first
        Run check = restic(p, "check", "--read-data");
        assertThat(check.exit()).as("restic check --read-data after the crash on %s:\n%s", kind, check).isZero();
        Path t = work.resolve("after-crash-" + kind);
        Run r = lifeboat(p, null, "restore", "latest", "--target", t.toString());
        assertThat(r.exit()).as("restore after the crash:\n%s", r).isZero();
        assertThat(TestTrees.sha256(t.resolve(first.toString().substring(1)).resolve("a.bin")))
                .isEqualTo(TestTrees.sha256(first.resolve("a.bin")));
        // and the next backup completes
        assertThat(lifeboat(p, null, "backup", "--pack-size", "4", data.toString()).exit()).isZero();
        assertThat(restic(p, "check").exit()).isZero();
    }
}
