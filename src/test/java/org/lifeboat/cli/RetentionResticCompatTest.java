package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backup.BackupOptions;
import org.lifeboat.backup.Excludes;
import org.lifeboat.backup.Progress;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Retention;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A repository whose config carries Lifeboat's retention field ({@code lifeboat_retention}) is an
 * ordinary repository to the real restic: its JSON decoding ignores the field, so {@code restic
 * snapshots}, {@code check} and {@code backup} work on it, and Lifeboat still reads the setting
 * afterwards. (The repository is made on the retention-keeping memory backend and copied file by
 * file into a folder, since a local folder keeps no retention and init refuses one there.)
 */
@Tag("restic")
class RetentionResticCompatTest {
    @TempDir
    Path dir;

    @Test
    void resticReadsChecksAndBacksUpIntoARepositoryWhoseConfigHasTheRetentionField() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Files.write(src.resolve("b.bin"), new byte[200_000]);
        MemoryBackend mem = new MemoryBackend("memory:compat");
        try (Repository repo = Repository.init(mem, Restic.PASSWORD, 2, 0x3DA3358B4DC173L, Retention.parse("compliance", "30d"))) {
            new org.lifeboat.backup.Archiver(repo, new BackupOptions(List.of(src.toString()), new Excludes(List.of(), List.of(), false),
                    false, List.of(), "host", null, false, false, null, 2), new Progress(), (p, m) -> {
                        throw new AssertionError(m);
                    }).run();
        }
        Path folder = dir.resolve("repo");
        LocalBackend local = new LocalBackend(folder);
        local.create();
        for (FileType t : FileType.values()) {
            for (FileInfo f : mem.list(t)) {
                Handle h = new Handle(t, f.name());
                local.save(h, mem.load(h));
            }
        }
        Restic restic = new Restic(folder, dir.resolve("cache"));
        assertThat(restic.snapshotIds()).hasSize(1);
        Run check = restic.run("check");
        assertThat(check.exit()).as("%s", check).isZero();
        Files.writeString(src.resolve("c.txt"), "gamma\n");
        Run backup = restic.run("backup", src.toString());
        assertThat(backup.exit()).as("%s", backup).isZero();
        assertThat(restic.snapshotIds()).hasSize(2);
        Run again = restic.run("check", "--read-data");
        assertThat(again.exit()).as("%s", again).isZero();

        // Lifeboat still finds its setting, lists restic's snapshot, and says why it cannot write
        // there: the config asks for compliance retention, which a folder cannot keep.
        Cli cli = new Cli(folder, Cli.passwordFile(dir));
        try (Repository repo = Repository.open(local, Restic.PASSWORD)) {
            assertThat(repo.retention()).isEqualTo(Retention.parse("compliance", "30d"));
        }
        assertThat(cli.run("snapshots", "--json").ok().out()).contains(restic.snapshotIds().get(1));
        Run lbBackup = cli.run("backup", src.toString());
        assertThat(lbBackup.exit()).as("%s", lbBackup).isEqualTo(ExitCodes.FATAL);
        assertThat(lbBackup.err()).contains("the repository's config asks for compliance retention of 30d and the storage refused it");
        // and check says the files of the copy are not locked
        Run lbCheck = cli.run("check");
        assertThat(lbCheck.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(lbCheck.err()).contains("retention: config is not locked (the config asks for compliance retention of 30d)");
    }
}
