package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Cancel;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.repository.LockException;
import org.lifeboat.testutil.Cli;

/** Waiting for a lock another holds (restic's --retry-lock), as the service's jobs do. */
class RepositoriesLockTest {
    @TempDir
    Path dir;

    private Plan plan() throws Exception {
        new Cli(dir.resolve("repo"), Cli.passwordFile(dir)).run("init").ok();
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  local: { url: repo, password-file: password }
                systems:
                  files: { rpo: 1h, rto: 1h, backup: { repository: local, sources: [ { path: src } ] } }
                """);
        return PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
    }

    @Test
    void anOpenWaitsForAConflictingLockAndSaysSo() throws Exception {
        Plan plan = plan();
        Repositories holder = new Repositories(plan, true);
        holder.get("local");
        // without a wait: refused at once
        try (Repositories at = new Repositories(plan, false)) {
            assertThatThrownBy(() -> at.get("local")).isInstanceOf(LockException.class);
        }
        // with one: the holder lets go when the waiter says it waits, and the waiter gets it
        List<String> waiting = new CopyOnWriteArrayList<>();
        try (Repositories waiter = new Repositories(plan, false).retryLock(Duration.ofSeconds(30), line -> {
            waiting.add(line);
            try {
                holder.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            assertThat(waiter.get("local")).isNotNull();
        }
        assertThat(waiting).isNotEmpty().allMatch(l -> l.startsWith("waiting for a lock on 'local': "));
    }

    @Test
    void aCancelEndsTheWait() throws Exception {
        Plan plan = plan();
        try (Repositories holder = new Repositories(plan, true)) {
            holder.get("local");
            Cancel cancel = new Cancel();
            try (Repositories waiter = new Repositories(plan, false, cancel).retryLock(Duration.ofMinutes(5),
                    line -> cancel.cancel("stopping"))) {
                assertThatThrownBy(() -> waiter.get("local")).isInstanceOf(Cancel.Cancelled.class);
            }
        }
    }
}
