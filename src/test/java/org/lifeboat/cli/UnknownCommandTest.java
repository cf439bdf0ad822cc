package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lifeboat.cli.Failures.usageError;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/** A mistyped command or option is named, with the near ones, as restic (cobra) does; exit code 1. */
class UnknownCommandTest {
    @Test
    void anUnknownCommandListsTheNearOnes() {
        Run r = Cli.raw(null, "snapshot");
        assertThat(usageError(r)).isEqualTo("error: unknown command \"snapshot\" for \"lifeboat\"; did you mean: snapshots?");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownSubcommandNamesItsParent() {
        Run r = Cli.raw(null, "drill", "reprt");
        assertThat(usageError(r)).isEqualTo("error: unknown command \"reprt\" for \"lifeboat drill\"; did you mean: report?");
    }

    @Test
    void aPrefixIsNearToo() {
        Run r = Cli.raw(null, "rest");
        assertThat(usageError(r)).isEqualTo("error: unknown command \"rest\" for \"lifeboat\"; did you mean: restore?");
    }

    @Test
    void nothingNearSaysJustThat() {
        Run r = Cli.raw(null, "frobnicate");
        assertThat(usageError(r)).isEqualTo("error: unknown command \"frobnicate\" for \"lifeboat\"");
    }

    @Test
    void anUnknownOptionListsTheNearOptions() {
        Run r = Cli.raw(null, "backup", "--exclde=*.tmp", "/nonexistent");
        assertThat(usageError(r)).isEqualTo(
                "error: unknown option \"--exclde\" for \"lifeboat backup\"; did you mean: --exclude, --iexclude?");
    }

    @Test
    void anUnknownGlobalOption() {
        Run r = Cli.raw(null, "--passwort-file", "x", "snapshots");
        assertThat(usageError(r)).isEqualTo(
                "error: unknown option \"--passwort-file\" for \"lifeboat\"; did you mean: --password-file?");
    }

    @Test
    void nearNamesIgnoreCaseAndOneLetterNamesSuggestNothing() {
        assertThat(Main.near("SNAPSHOT", List.of("snapshots", "stats"))).containsExactly("snapshots");
        assertThat(Main.near("-z", List.of("-x", "-H", "-e"))).isEmpty();
        assertThat(Main.near("--excl", List.of("--exclude", "--exclude-file", "--exclude-caches", "--iexclude")))
                .containsExactly("--exclude", "--exclude-caches", "--exclude-file");
        assertThat(Main.near("lss", List.of("ls", "dump", "diff"))).containsExactly("ls");
    }
}
