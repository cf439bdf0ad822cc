package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.plan.Plan;

/** A plan repository's password file, read as restic reads one: an empty one is refused as such, never tried. */
class RepositoryPasswordTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyPasswordFileIsRefusedNamingItAndTheRepository() throws Exception {
        Path empty = dir.resolve("empty");
        Files.writeString(empty, " \n");
        Plan.RepositorySpec spec = new Plan.RepositorySpec("main", "/srv/repo", empty.toString(), null, List.of(), null, false);
        assertThatThrownBy(() -> Repositories.password(spec)).isInstanceOf(RecoveryException.class)
                .hasMessage("an empty password is not a password (password file " + empty + " of repository 'main' gave none)");
        Path good = dir.resolve("good");
        Files.writeString(good, "secret\n");
        assertThat(Repositories.password(new Plan.RepositorySpec("main", "/srv/repo", good.toString(), null, List.of(), null, false)))
                .isEqualTo("secret");
    }
}
