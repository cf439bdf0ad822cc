package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Damaged lock files (not decryptable, not JSON, wrong fields, a zstd bomb, a name that does not
 * match the content) are warnings that name the file and the way out ('unlock --remove-all'); they
 * stop no command: readers, writers, the exclusive check and plain 'unlock' (which leaves them,
 * as restic does) all run; 'unlock --remove-all' removes them, and restic then checks clean.
 */
@Tag("restic")
class DamagedLockTest {
    @TempDir
    Path dir;

    Path repo;
    Path src;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        cli.run("backup", src.toString()).ok();
    }

    /** Each kind of damage, written as a lock file; returns kind → the file's 64-hex name. */
    private Map<String, String> writeDamagedLocks() throws Exception {
        Map<String, String> locks = new LinkedHashMap<>();
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            byte[] noise = new byte[200];
            new SplittableRandom(3).nextBytes(noise);
            locks.put("not decryptable", save(r, noise));
            locks.put("not JSON", r.saveUnpacked(FileType.LOCK, "this is no lock".getBytes(StandardCharsets.UTF_8)).hex());
            locks.put("wrong fields", r.saveUnpacked(FileType.LOCK,
                    "{\"time\":17,\"exclusive\":\"yes\",\"pid\":\"one\"}".getBytes(StandardCharsets.UTF_8)).hex());
            locks.put("not an object", r.saveUnpacked(FileType.LOCK, "[1,2,3]".getBytes(StandardCharsets.UTF_8)).hex());
            // 512 MiB of zeros in a few KiB: a reader that decompresses it whole runs out of memory.
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            z.write(2);
            try (OutputStream out = new ZstdOutputStream(z)) {
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < 512; i++) out.write(zeros);
            }
            locks.put("zstd bomb", save(r, r.crypto().encrypt(z.toByteArray())));
            // A well-formed, exclusive, live-looking lock under a name that is not its hash.
            byte[] good = r.crypto().encrypt(("{\"time\":\"2099-01-01T00:00:00Z\",\"exclusive\":true,\"hostname\":\""
                    + Repository.hostname() + "\",\"pid\":1}").getBytes(StandardCharsets.UTF_8));
            String wrongName = "ab".repeat(32);
            r.backend().save(new Handle(FileType.LOCK, wrongName), good);
            locks.put("wrong name", wrongName);
        }
        return locks;
    }

    private static String save(Repository r, byte[] stored) throws IOException {
        Id id = Id.hash(stored);
        r.backend().save(new Handle(FileType.LOCK, id.hex()), stored);
        return id.hex();
    }

    private static void assertWarnsAbout(Run r, Map<String, String> locks) {
        for (Map.Entry<String, String> e : locks.entrySet()) {
            assertThat(r.err()).as("warning about the %s lock in:\n%s", e.getKey(), r)
                    .containsPattern("warning: lock file locks/" + e.getValue() + " .*is ignored.*unlock --remove-all");
        }
        Failures.assertNoStackTrace(r);
    }

    @Test
    void damagedLocksAreWarningsThatStopNoCommand() throws Exception {
        Map<String, String> locks = writeDamagedLocks();
        assertThat(Failures.ids(repo, "locks")).containsExactlyInAnyOrderElementsOf(locks.values());

        Run snapshots = cli.run("snapshots");
        assertThat(snapshots.exit()).as("%s", snapshots).isZero();
        assertThat(snapshots.out()).contains("1 snapshots");
        assertWarnsAbout(snapshots, locks);
        assertThat(snapshots.err().lines().filter(l -> l.contains("locks/" + locks.get("not JSON"))).count())
                .as("each damaged lock is reported once, though the locks are read twice while locking").isEqualTo(1);

        Files.writeString(src.resolve("b.txt"), "b\n");
        Run backup = cli.run("backup", src.toString());
        assertThat(backup.exit()).as("a writer is not stopped: %s", backup).isZero();
        assertWarnsAbout(backup, locks);

        Run check = cli.run("check");
        assertThat(check.exit()).as("an exclusive lock is not stopped: %s", check).isZero();

        Path target = dir.resolve("target");
        Run restore = cli.run("restore", "latest", "--target", target.toString());
        assertThat(restore.exit()).as("%s", restore).isZero();
        assertThat(target.resolve(src.toString().substring(1)).resolve("b.txt")).hasContent("b\n");

        Run unlock = cli.run("unlock");
        assertThat(unlock.exit()).as("%s", unlock).isZero();
        assertWarnsAbout(unlock, locks);
        assertThat(Failures.ids(repo, "locks")).as("plain unlock leaves damaged locks, as restic")
                .containsExactlyInAnyOrderElementsOf(locks.values());

        Run all = cli.run("unlock", "--remove-all");
        assertThat(all.exit()).as("%s", all).isZero();
        assertThat(all.out()).contains("removed " + locks.size() + " locks");
        assertThat(Failures.ids(repo, "locks")).as("--remove-all removes every lock file").isEmpty();

        Run again = cli.run("snapshots");
        assertThat(again.err()).as("no more warnings").doesNotContain("warning");
        Run resticCheck = new Restic(repo, dir.resolve("cache")).run("check");
        assertThat(resticCheck.exit()).as("%s", resticCheck).isZero();
    }

    @Test
    void aDamagedLockDoesNotHideALiveExclusiveOne() throws Exception {
        writeDamagedLocks();
        try (Repository holder = Repository.open(new LocalBackend(repo), Restic.PASSWORD);
                var _ = holder.lock(true, w -> {})) {
            Run r = cli.run("backup", src.toString());
            assertThat(Failures.fatal(r, ExitCodes.LOCKED)).contains("exclusive lock")
                    .contains("PID " + ProcessHandle.current().pid());
        }
        assertThat(List.of(cli.run("snapshots").exit())).containsExactly(0);
    }
}
