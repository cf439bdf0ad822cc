package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * A system's latest snapshot holds an entry of a type this version does not know (a newer restic's
 * "whiteout", and its "irregular" for a file it could not read): {@code restore} skips them with a
 * warning and exit 3, but a recovery must not leave them out silently. The path step fails naming the
 * entries and the exclude list that recovers without them (paths inside the step's {@code from}, ready
 * to paste: brk2 found the snapshot paths it gave did not match), and with that list pasted the
 * recovery succeeds.
 */
class UnknownTypeRecoveryTest {
    @TempDir
    Path dir;

    Path plan;

    @BeforeEach
    void setUp() throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "hello\n");
        plan = dir.resolve("lifeboat.yaml");
        writePlan("");
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
        try (RawRepo r = RawRepo.open(dir.resolve("repo"), Restic.PASSWORD)) {
            ObjectNode whiteout = RawRepo.file("gone", 0);
            whiteout.put("type", "whiteout");
            whiteout.remove("size");
            whiteout.putNull("content");
            // restic 0.17+'s record of a file it could not read as a regular one: no content to restore
            ObjectNode irregular = RawRepo.file("odd*file", 12);
            irregular.put("type", "irregular");
            Id sub = r.tree(irregular);
            Id docs = r.tree(whiteout, RawRepo.file("index.txt", 6, r.data("hello\n")), RawRepo.dir("sub", sub));
            String from = dir.resolve("prod/docs").toAbsolutePath().toString();
            r.snapshot(r.nest(from, docs), List.of("system=docs"), from);
        }
    }

    private void writePlan(String exclude) throws Exception {
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod }
                  dr: { root: dr }
                state-dir: state
                systems:
                  docs:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/docs } ] }
                    restore:
                      - path: { from: prod/docs, to: "${root}/docs"%s }
                """.formatted(exclude));
    }

    @Test
    void recoveryFailsNamingTheEntryAndSucceedsWithItExcluded() throws Exception {
        Run r = PlanRuns.lifeboat(plan, "recover", "--site", "dr", "--yes");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        String all = r.out() + r.err();
        assertThat(all).contains("2 entries of a type this version cannot restore were not restored")
                .contains("gone: not restored: its type \"whiteout\"").contains("odd*file: not restored: its type \"irregular\"")
                .doesNotContain("Exception");
        // the advice is the exclude list to paste: paths inside `from`, a glob character escaped
        String advice = all.substring(all.indexOf("add to the step's exclude: [") + "add to the step's exclude: ".length());
        advice = advice.substring(0, advice.indexOf(']') + 1);
        assertThat(advice).isEqualTo("[\"/gone\", \"/sub/odd\\\\*file\"]");

        writePlan(", exclude: " + advice);
        Run ok = PlanRuns.lifeboat(plan, "recover", "--site", "dr", "--yes");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(Files.readString(dir.resolve("dr/docs/index.txt"))).isEqualTo("hello\n");
        assertThat(dir.resolve("dr/docs/gone")).doesNotExist();
        assertThat(dir.resolve("dr/docs/sub")).isDirectory();
    }
}
