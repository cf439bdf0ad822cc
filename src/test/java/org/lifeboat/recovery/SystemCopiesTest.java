package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backup.Progress;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.Cli;

/** Copies along a chain of copy-to: each from the repository that names it, once, and what a failure leaves out. */
class SystemCopiesTest {
    @TempDir
    Path dir;

    private Plan plan() throws Exception {
        Path pw = Cli.passwordFile(dir);
        for (String r : List.of("repo", "nas")) new Cli(dir.resolve(r), pw).run("init").ok();
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a\n");
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [nas] }
                  nas: { url: nas, password-file: password, copy-to: [offsite] }
                  offsite: { url: offsite, password-file: password }
                systems:
                  files: { rpo: 1h, rto: 1h, backup: { repository: local, sources: [ { path: src } ] } }
                """);
        return PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
    }

    @Test
    void aChainIsCopiedHopByHopKeepingTheFirstOriginal() throws Exception {
        Plan plan = plan();
        new Cli(dir.resolve("offsite"), dir.resolve("password")).run("init").ok();
        try (Repositories repos = new Repositories(plan, false)) {
            Snapshot s = SystemBackup.run(plan, plan.system("files"), repos, new Progress(), w -> {}).snapshot();
            List<SystemCopies.Copy> copies = SystemCopies.afterBackup(plan, plan.system("files"), repos, s, SystemCopies.DEFAULT,
                    Cancel.NEVER);
            assertThat(copies).extracting(SystemCopies.Copy::from, SystemCopies.Copy::to, SystemCopies.Copy::failed)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("local", "nas", false),
                            org.assertj.core.groups.Tuple.tuple("nas", "offsite", false));
            assertThat(copies.get(1).snapshot()).as("copied from nas's copy").isEqualTo(copies.get(0).copy());
            Snapshot far = repos.get("offsite").loadSnapshot(Id.parse(copies.get(1).copy()));
            assertThat(far.original()).as("a copy of a copy names the first snapshot").isEqualTo(s.id());
            assertThat(far.tree()).isEqualTo(s.tree());

            // The same snapshot again: already there, nothing written.
            SnapshotCopier.Copied again = SystemCopies.DEFAULT.copy(repos.get("local"), repos.get("offsite"), s.id(), Cancel.NEVER);
            assertThat(again).isEqualTo(new SnapshotCopier.Copied(far.id(), true));
            assertThat(repos.get("offsite").listSnapshots(w -> {})).hasSize(1);

            // A cancelled job copies nothing.
            Cancel c = new Cancel();
            c.cancel("test");
            assertThatThrownBy(() -> SystemCopies.afterBackup(plan, plan.system("files"), repos, s, SystemCopies.DEFAULT, c))
                    .isInstanceOf(Cancel.Cancelled.class);
        }
    }

    @Test
    void aFailedHopLeavesTheRepositoriesBehindItUncopied() throws Exception {
        Plan plan = plan();
        Files.delete(dir.resolve("nas/config")); // nas cannot be opened: no repository there any more
        try (Repositories repos = new Repositories(plan, false)) {
            Snapshot s = SystemBackup.run(plan, plan.system("files"), repos, new Progress(), w -> {}).snapshot();
            List<SystemCopies.Copy> copies = SystemCopies.afterBackup(plan, plan.system("files"), repos, s, SystemCopies.DEFAULT,
                    Cancel.NEVER);
            assertThat(copies).hasSize(2);
            assertThat(copies.get(0).error()).contains("there is no repository at").contains("nas");
            assertThat(copies.get(1).error()).isEqualTo("not copied: it goes through 'nas', and the copy to 'nas' failed");
            // the snapshot ID is local's: the message names local as where it is
            assertThat(copies.get(1).from()).isEqualTo("local");
            assertThat(copies.get(1).snapshot()).isEqualTo(s.id().hex());
            assertThat(repos.snapshots("local", w -> {})).extracting(Snapshot::id).containsExactly(s.id());
        }
    }
}
