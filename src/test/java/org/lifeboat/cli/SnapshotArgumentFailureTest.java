package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/** Snapshot arguments that match nothing (or too much). */
class SnapshotArgumentFailureTest {
    @TempDir
    Path dir;

    Cli cli;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        cli = Failures.init(dir.resolve("repo"), Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
    }

    @Test
    void unknownSnapshotIdExits1ForEveryCommandThatTakesOne() throws Exception {
        String real = Failures.snapshotId(cli.run("backup", src.toString()).ok());
        // A prefix that no snapshot has: the real ID with its first hex digit changed.
        String unknown = (real.charAt(0) == '0' ? "1" : "0") + real.substring(1);
        List<List<String>> commands = List.of(
                List.of("snapshots", unknown),
                List.of("ls", unknown),
                List.of("restore", unknown, "--target", dir.resolve("restored").toString()),
                List.of("dump", unknown, src.resolve("a.txt").toString()),
                List.of("diff", real, unknown));
        for (List<String> c : commands) {
            Run r = cli.run(c.toArray(String[]::new));
            assertThat(fatal(r, 1)).as("%s", c).contains("no snapshot with ID '" + unknown + "'");
        }
        assertThat(dir.resolve("restored")).as("a failed restore creates no target").doesNotExist();
    }

    @Test
    void latestOnAnEmptyRepositoryIsAClearError() {
        for (List<String> c : List.of(List.of("ls", "latest"),
                List.of("restore", "latest", "--target", dir.resolve("restored").toString()),
                List.of("dump", "latest", "/a.txt"))) {
            Run r = cli.run(c.toArray(String[]::new));
            assertThat(fatal(r, 1)).as("%s", c).contains("no snapshot").contains("latest");
        }
        // Listing an empty repository is not an error.
        Run r = cli.run("snapshots").ok();
        assertThat(r.out()).contains("0 snapshots");
    }

    @Test
    void latestWithAFilterThatMatchesNothingNamesTheFilter() throws Exception {
        cli.run("backup", src.toString(), "--tag", "daily").ok();
        Run r = cli.run("restore", "latest", "--tag", "weekly", "--target", dir.resolve("restored").toString());
        assertThat(fatal(r, 1)).contains("latest").contains("weekly");
    }

    @Test
    void ambiguousIdPrefixIsAClearError() throws Exception {
        // With 17 snapshots two must share their first hex digit; stop as soon as two do.
        Map<Character, String> byFirst = new HashMap<>();
        String prefix = null;
        for (int i = 0; i < 17 && prefix == null; i++) {
            String id = Failures.snapshotId(cli.run("backup", src.toString(), "--force", "--tag", "n" + i).ok());
            if (byFirst.putIfAbsent(id.charAt(0), id) != null) prefix = id.substring(0, 1);
        }
        assertThat(prefix).isNotNull();
        Run r = cli.run("ls", prefix);
        assertThat(fatal(r, 1)).contains("ambiguous").contains("'" + prefix + "'");
    }
}
