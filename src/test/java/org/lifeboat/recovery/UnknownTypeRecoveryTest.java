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
 * "whiteout"): {@code restore} skips it with a warning, but a recovery must not leave it out
 * silently. The path step fails naming the entry and how to recover without it (the step's exclude),
 * and with that exclude the recovery succeeds.
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
            Id docs = r.tree(whiteout, RawRepo.file("index.txt", 6, r.data("hello\n")));
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
        assertThat(r.out() + r.err()).contains("1 entry of a type this version does not know could not be restored")
                .contains("gone: not restored: its type \"whiteout\"").contains("add its path to the step's exclude")
                .doesNotContain("Exception");

        writePlan(", exclude: [ gone ]");
        Run ok = PlanRuns.lifeboat(plan, "recover", "--site", "dr", "--yes");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(Files.readString(dir.resolve("dr/docs/index.txt"))).isEqualTo("hello\n");
        assertThat(dir.resolve("dr/docs/gone")).doesNotExist();
    }
}
