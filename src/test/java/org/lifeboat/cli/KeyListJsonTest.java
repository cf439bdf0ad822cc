package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;

/** key list --json matches restic's scripting output field for field, judged by the real restic. */
@Tag("restic")
class KeyListJsonTest {
    @TempDir
    Path dir;

    @Test
    void keyListJsonHasResticsFieldsInResticsOrderAndFormat() throws Exception {
        Path repo = dir.resolve("repo");
        Cli cli = Failures.init(repo, Cli.passwordFile(dir));
        ObjectMapper json = new ObjectMapper();
        JsonNode ours = json.readTree(cli.run("key", "list", "--json").ok().out());
        JsonNode theirs = new Restic(repo, dir.resolve("cache")).json("key", "list", "--json");
        assertThat(ours).hasSize(1);
        assertThat(theirs).hasSize(1);
        JsonNode o = ours.get(0);
        JsonNode t = theirs.get(0);
        List<String> ourFields = new ArrayList<>();
        o.fieldNames().forEachRemaining(ourFields::add);
        List<String> theirFields = new ArrayList<>();
        t.fieldNames().forEachRemaining(theirFields::add);
        assertThat(ourFields).isEqualTo(theirFields).containsExactly("current", "id", "userName", "hostName", "created");
        for (String f : List.of("current", "userName", "hostName", "created")) {
            assertThat(o.get(f)).as(f).isEqualTo(t.get(f));
        }
        // restic 0.14 prints the short ID; later restic (which Lifeboat follows) the full one.
        assertThat(o.get("id").asText()).hasSize(64).startsWith(t.get("id").asText());
    }
}
