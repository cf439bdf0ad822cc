package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Outside;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * {@code recover} path steps and {@code drill} (run as root) restore a system's latest snapshot:
 * when a compromised client saved one whose folder holds a folder and a symlink of the same name
 * pointing outside, nothing outside the site or sandbox is written; the system fails naming the
 * damaged folder.
 */
class HostileSnapshotRecoveryTest {
    @TempDir
    Path dir;

    Path plan;
    Outside outside;
    Map<String, String> before;

    @BeforeEach
    void setUp() throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "hello\n");
        plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod }
                  dr: { root: dr }
                  sandbox: { root: "${temp-dir}", pg_port: "${free-port}" }
                state-dir: state
                systems:
                  docs:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/docs } ] }
                    restore:
                      - path: { from: prod/docs, to: "${root}/docs" }
                """);
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
        outside = Outside.create(dir.resolve("outside"));
        try (RawRepo r = RawRepo.open(dir.resolve("repo"), Restic.PASSWORD)) {
            Id x = r.data("pwned\n");
            Id sub = r.tree(RawRepo.file("x", 6, x).put("mode", (1L << 23) | 0755).put("uid", 0));
            Id docs = r.tree(RawRepo.dir("a", sub), RawRepo.symlink("a", outside.path().toString()),
                    RawRepo.file("index.txt", 6, r.data("hello\n")));
            String from = dir.resolve("prod/docs").toAbsolutePath().toString();
            r.snapshot(r.nest(from, docs), List.of("system=docs"), from);
        }
        before = outside.fingerprint();
    }

    @Test
    void recoverWritesNothingOutsideAndNamesTheDamagedFolder() throws Exception {
        Run r = PlanRuns.lifeboat(plan, "recover", "--site", "dr", "--yes");
        assertThat(outside.fingerprint()).isEqualTo(before);
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("prod/docs (folder not restored").contains("damaged");
    }

    @Test
    void drillStaysInItsSandbox() throws Exception {
        Run r = PlanRuns.lifeboat(plan, "drill");
        assertThat(outside.fingerprint()).as("drill output: %s", r).isEqualTo(before);
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.out() + r.err()).doesNotContain("Exception");
    }
}
