package org.lifeboat.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;

/** Continuous backups follow a source folder that is replaced by a new one of the same name. */
class ContinuousWatcherTest {
    @TempDir
    Path dir;

    @Test
    void aSourceFolderMovedAwayAndMadeAgainIsWatchedAnew() throws Exception {
        Path src = Files.createDirectories(dir.resolve("site/src"));
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, """
                repositories:
                  main: { url: /srv/main, password-file: /etc/pw }
                systems:
                  docs:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: main, sources: [ { path: %s } ] }
                    schedule: { backup: continuous }
                """.formatted(src));
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        BlockingQueue<String> triggers = new LinkedBlockingQueue<>();
        List<String> said = new CopyOnWriteArrayList<>();
        try (ContinuousWatcher w = new ContinuousWatcher(plan, Duration.ofMillis(100), Duration.ofSeconds(5),
                (system, why) -> triggers.add(system), said::add)) {
            Files.writeString(src.resolve("a.txt"), "one");
            assertThat(triggers.poll(20, TimeUnit.SECONDS)).isEqualTo("docs");
            // a deploy: the folder moved aside, a new one made in its place
            Files.move(src, dir.resolve("site/src.old"));
            Files.createDirectories(src);
            assertThat(triggers.poll(20, TimeUnit.SECONDS)).as("the replacement is a change").isEqualTo("docs");
            assertThat(said).anyMatch(l -> l.contains(src + " was replaced by a new folder"));
            triggers.clear();
            Files.writeString(src.resolve("b.txt"), "two");
            assertThat(triggers.poll(20, TimeUnit.SECONDS)).as("a change in the new folder").isEqualTo("docs");
        }
    }
}
