package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * The forget command's text output (restic's header, the Reasons column, the removed list, the
 * count removed) and its refusals, each one sentence with exit 1 and nothing removed.
 */
class ForgetCommandTest {
    @TempDir
    Path dir;
    private Cli cli;
    private final List<Id> ids = new ArrayList<>();

    @BeforeEach
    void repo() throws Exception {
        cli = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        cli.run("init").ok();
        try (Repository r = Repository.open(new LocalBackend(dir.resolve("repo")), Restic.PASSWORD)) {
            OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC).minusDays(10).withHour(10).withMinute(0).withSecond(0).withNano(0);
            for (int i = 0; i < 6; i++) {
                String host = i < 4 ? "web1" : "db";
                List<String> tags = i == 0 ? List.of("important") : List.of();
                ids.add(r.saveSnapshot(new Snapshot(null, t.plusDays(i), null, Id.hash(new byte[] {9}), List.of("/srv"), host, "root",
                        0, 0, List.of(), tags, null, null, null)).id());
            }
        }
    }

    private List<String> left() throws Exception {
        List<String> out = new ArrayList<>();
        try (Repository r = Repository.open(new LocalBackend(dir.resolve("repo")), Restic.PASSWORD)) {
            for (Id id : r.listFiles(Repository.FileKind.SNAPSHOT)) out.add(id.hex());
        }
        return out;
    }

    @Test
    void textShowsEachGroupsKeptSnapshotsWithReasonsThenTheRemovedOnes() throws Exception {
        Run r = cli.run("forget", "--keep-last", "1", "--keep-tag", "important");
        assertThat(r.exit()).as("%s", r).isZero();
        String out = r.out();
        assertThat(out).startsWith("Applying Policy: keep 1 latest snapshots and all snapshots with tags [[important]]\n");
        assertThat(out).contains("snapshots for (host [db], paths [/srv]):\nkeep 1 snapshots:\n");
        assertThat(out).contains("snapshots for (host [web1], paths [/srv]):\nkeep 2 snapshots:\n");
        assertThat(out).contains("ID        Time                 Host  Tags       Reasons               Paths\n");
        assertThat(out).containsPattern(ids.get(0).shortHex() + "  \\S+ \\S+  web1  important  has tags \\[important\\]  /srv\n");
        assertThat(out).containsPattern(ids.get(3).shortHex() + "  \\S+ \\S+  web1             last snapshot         /srv\n");
        assertThat(out).contains("remove 2 snapshots:\nID        Time                 Host  Tags  Paths\n");
        assertThat(out).contains("remove 1 snapshots:\n");
        assertThat(out).endsWith("3 snapshots have been removed\n");
        assertThat(left()).containsExactlyInAnyOrder(ids.get(0).hex(), ids.get(3).hex(), ids.get(5).hex());

        Run dry = cli.run("forget", "--dry-run", "--keep-last", "1", "--group-by", "", "--compact");
        assertThat(dry.out()).doesNotContain("snapshots for").doesNotContain("Reasons").contains("keep 1 snapshots:")
                .contains("Would have removed the following snapshots:\n{");
        assertThat(left()).hasSize(3);
    }

    @Test
    void refusalsAreOneSentenceAndRemoveNothing() throws Exception {
        String[][] cases = {
                {"no policy was specified, no snapshots will be removed"},
                {"--keep-daily", "-3"},
                {"--keep-daily", "many"},
                {"--keep-within", "1w"},
                {"--keep-tag", "nosuchtag"},
                {"--unsafe-allow-remove-all"},
                {"--keep-last", "1", ids.get(0).hex()},
                {"--group-by", "host,time", "--keep-last", "1"},
        };
        String[] expect = {
                "Fatal: no policy was specified, no snapshots will be removed (give --keep-* options, or snapshot IDs)",
                "Fatal: --keep-daily: negative values not allowed, use 'unlimited' instead (not -3)",
                "Fatal: --keep-daily: 'many' is not a number of snapshots (a whole number, or unlimited)",
                "Fatal: --keep-within: '1w' is no duration: invalid unit 'w' after number 1 (y, m, d or h)",
                "Fatal: refusing to delete last snapshot of snapshot group \"host db, path [/srv]\" (no rule keeps any of its 2 snapshots); nothing was removed",
                "Fatal: --unsafe-allow-remove-all is not allowed unless a snapshot filter option (--host, --tag, --path) is specified",
                "Fatal: snapshot IDs and --keep-* options do not go together: give IDs to remove exactly those, or a policy",
                "Fatal: --group-by: unknown grouping option 'time' (use host, paths and/or tags, or '' for none)",
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("forget"));
            if (i > 0) args.addAll(List.of(cases[i]));
            Run r = cli.run(args.toArray(String[]::new));
            assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.FATAL);
            assertThat(r.err().strip()).as("%s", r).isEqualTo(expect[i]);
            assertThat(left()).hasSize(6);
        }
        Run noLock = Cli.raw(null, "--no-lock", "-r", dir.resolve("repo").toString(), "--password-file", dir.resolve("password").toString(),
                "forget", "--keep-last", "1");
        assertThat(noLock.exit()).isEqualTo(ExitCodes.FATAL);
        assertThat(noLock.err()).contains("--no-lock is only allowed with forget --dry-run");
        assertThat(left()).hasSize(6);
    }

    @Test
    void unlimitedAndTheUnsafeRemoveAllWithAFilter() throws Exception {
        Run r = cli.run("forget", "--dry-run", "--json", "--keep-daily", "unlimited");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("\"daily\":-1").doesNotContain("\"remove\":[");
        Run minus = cli.run("forget", "--dry-run", "--keep-last", "-1");
        assertThat(minus.out()).contains("Applying Policy: keep all latest snapshots");
        Run all = cli.run("forget", "--unsafe-allow-remove-all", "--host", "db");
        assertThat(all.exit()).as("%s", all).isZero();
        assertThat(all.out()).contains("2 snapshots have been removed");
        assertThat(left()).hasSize(4);
    }

    @org.junit.jupiter.api.Test
    void aCountAboveTheLargestIntIsAsManyAsThat() {
        // restic (64-bit counts) takes it; refusing it as "not a number" was false
        org.assertj.core.api.Assertions.assertThat(ForgetCommand.count("--keep-daily", "2147483648")).isEqualTo(Integer.MAX_VALUE);
        org.assertj.core.api.Assertions.assertThat(ForgetCommand.count("--keep-daily", "99999999999999999999")).isEqualTo(Integer.MAX_VALUE);
    }
}
