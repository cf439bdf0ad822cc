package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * {@code backup --all/--system}: options the plan defines are refused before anything runs (no hook,
 * no snapshot), and a system named twice is backed up once.
 */
class BackupPlanOptionsTest {
    @TempDir
    Path dir;

    private Path plan() throws Exception {
        Files.createDirectories(dir.resolve("src/one"));
        Files.writeString(dir.resolve("src/one/a.txt"), "a");
        Files.writeString(dir.resolve("src/one/b.tmp"), "b");
        Path hookMark = dir.resolve("hook-ran");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { primary: { root: src } }
                systems:
                  one:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: src/one } ], before: [ "touch %s" ] }
                """.formatted(hookMark));
        return plan;
    }

    private int snapshots(Path pw) {
        String out = new Cli(dir.resolve("repo"), pw).run("--json", "snapshots").ok().out().strip();
        return out.equals("[]") ? 0 : out.split("\"id\"").length - 1;
    }

    @Test
    void dryRunOfPlanBackupIsRefusedBeforeAnyHookRuns() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Path plan = plan();
        for (String[] args : new String[][] {{"backup", "--all", "--dry-run"}, {"backup", "--system", "one", "-n"}}) {
            Run r = PlanRuns.lifeboat(plan, args);
            String fatal = Failures.fatal(r, ExitCodes.FATAL);
            assertThat(fatal).contains("--dry-run");
            assertThat(dir.resolve("hook-ran")).as("the before hook must not run").doesNotExist();
            assertThat(snapshots(pw)).as("nothing saved").isZero();
        }
    }

    @Test
    void selectionAndSnapshotOptionsAreRefusedNamingThem() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Path plan = plan();
        String[][] cases = {
                {"--exclude", "*.tmp"}, {"--exclude-larger-than", "1k"}, {"--tag", "x"}, {"--host", "h"},
                {"--time", "2024-01-02 03:04:05"}, {"--one-file-system"}, {"--files-from", "list"},
                {"--iexclude-file", "f"}, {"--exclude-caches"}, {"--force"}, {"--parent", "latest"},
                {"--compression", "max"}, {"--with-atime"}, {"--stdin-filename", "x"}};
        for (String[] opt : cases) {
            String[] args = new String[opt.length + 2];
            args[0] = "backup";
            args[1] = "--all";
            System.arraycopy(opt, 0, args, 2, opt.length);
            String fatal = Failures.fatal(PlanRuns.lifeboat(plan, args), ExitCodes.FATAL);
            assertThat(fatal).as("for %s", opt[0]).contains(opt[0]);
        }
        Run two = PlanRuns.lifeboat(plan, "backup", "--system", "one", "--tag", "a", "--host", "h");
        assertThat(Failures.fatal(two, ExitCodes.FATAL)).contains("--tag, --host are not allowed");
        assertThat(dir.resolve("hook-ran")).doesNotExist();
        assertThat(snapshots(pw)).isZero();
    }

    @Test
    void aSystemNamedTwiceIsBackedUpOnce() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Run r = PlanRuns.lifeboat(plan(), "--json", "backup", "--system", "one,one").ok();
        assertThat(r.out().split("\"message_type\":\"summary\"", -1)).hasSize(2);
        assertThat(snapshots(pw)).isEqualTo(1);
    }

    @Test
    void aRepositoryOrPasswordFlagIsRefusedWithAPlanInsteadOfIgnored() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Path plan = plan();
        Path other = dir.resolve("other");
        for (String[] args : new String[][] {{"-r", other.toString(), "backup", "--all"},
                {"-r", other.toString(), "recover", "--dry-run"}, {"--password-command", "echo x", "forecast"}}) {
            String fatal = Failures.fatal(PlanRuns.lifeboat(plan, args), ExitCodes.FATAL);
            assertThat(fatal).as(String.join(" ", args)).contains("cannot be used with the plan").contains("set in the plan");
        }
        assertThat(dir.resolve("hook-ran")).as("the before hook must not run").doesNotExist();
        assertThat(snapshots(pw)).isZero();
        assertThat(other).doesNotExist();
    }

    @Test
    void aMalformedPatternInThePlanIsRefusedByValidateAndBeforeAnyHook() throws Exception {
        Path pw = PlanRuns.initRepository(dir);
        Path plan = plan();
        Files.writeString(plan, Files.readString(plan).replace("{ path: src/one }", "{ path: src/one, exclude: [ \"[abc\" ] }"));
        Run v = PlanRuns.lifeboat(plan, "plan", "validate");
        assertThat(v.exit()).as(v.toString()).isNotZero();
        assertThat(v.out() + v.err()).contains("exclude: invalid pattern(s) provided: [abc");
        Run b = PlanRuns.lifeboat(plan, "backup", "--all");
        assertThat(b.exit()).as(b.toString()).isNotZero();
        assertThat(dir.resolve("hook-ran")).as("the before hook must not run").doesNotExist();
        assertThat(snapshots(pw)).isZero();
    }

    @Test
    void recoverRefusesAParallelismBelowOne() throws Exception {
        PlanRuns.initRepository(dir);
        String fatal = Failures.fatal(PlanRuns.lifeboat(plan(), "recover", "--parallel", "-1", "--yes"), ExitCodes.FATAL);
        assertThat(fatal).contains("--parallel -1 is not valid");
    }
}
