package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Times;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/** {@code unlock --json} prints what it removed and what it kept, and why, as one JSON object. */
class UnlockJsonTest {
    @TempDir
    Path dir;

    Path repo;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
    }

    private String writeLock(String host, long pid, OffsetDateTime time) throws Exception {
        String json = "{\"time\":\"" + Times.format(time) + "\",\"exclusive\":true,\"hostname\":\"" + host
                + "\",\"username\":\"ann\",\"pid\":" + pid + ",\"uid\":0,\"gid\":0}";
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            return r.saveUnpacked(FileType.LOCK, json.getBytes(StandardCharsets.UTF_8)).hex();
        }
    }

    @Test
    void removedAndKeptLocksAreListedWithTheirGrounds() throws Exception {
        String stale = writeLock("far-away-host", 4242, OffsetDateTime.now().minus(Duration.ofHours(2)));
        String live = writeLock("other-host", 77, OffsetDateTime.now().minus(Duration.ofMinutes(3)));

        Run r = cli.run("--json", "unlock");
        assertThat(r.exit()).as("%s", r).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out().strip());
        assertThat(o.path("message_type").asText()).isEqualTo("summary");

        assertThat(o.path("removed")).hasSize(1);
        JsonNode removed = o.path("removed").get(0);
        assertThat(removed.path("id").asText()).isEqualTo(stale);
        assertThat(removed.path("host").asText()).isEqualTo("far-away-host");
        assertThat(removed.path("pid").asLong()).isEqualTo(4242);
        assertThat(removed.path("age_seconds").asLong()).isBetween(7200L, 7200L + 600);
        assertThat(removed.path("reason").asText()).contains("2h 0m ago");

        assertThat(o.path("kept")).hasSize(1);
        JsonNode kept = o.path("kept").get(0);
        assertThat(kept.path("id").asText()).isEqualTo(live);
        assertThat(kept.path("host").asText()).isEqualTo("other-host");
        assertThat(kept.path("pid").asLong()).isEqualTo(77);
        assertThat(kept.path("reason").asText()).contains("in use");
    }

    @Test
    void removeAllListsEveryLockItRemoved() throws Exception {
        String live = writeLock("other-host", 77, OffsetDateTime.now());
        Run r = cli.run("--json", "unlock", "--remove-all");
        assertThat(r.exit()).as("%s", r).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out().strip());
        assertThat(o.path("removed")).hasSize(1);
        assertThat(o.path("removed").get(0).path("id").asText()).isEqualTo(live);
        assertThat(o.path("kept")).isEmpty();
    }
}
