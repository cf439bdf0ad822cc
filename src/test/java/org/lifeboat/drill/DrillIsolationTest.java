package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/** What a drill may not do: use a running database server, another host, or leave commands behind. */
class DrillIsolationTest {
    @TempDir
    Path dir;

    private Path plan(String restore) throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("prod/docs"));
        Files.writeString(dir.resolve("prod/docs/index.txt"), "hello\n");
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary: { root: prod, pg_port: 5999 }
                  sandbox: { root: "${temp-dir}", pg_port: "${free-port}" }
                state-dir: state
                systems:
                  docs:
                    rpo: 1d
                    rto: 1h
                    backup: { sources: [ { path: prod/docs } ] }
                    restore:
                      - path: { from: prod/docs, to: "${root}/docs" }
                %s
                """.formatted(restore));
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        return p;
    }

    @Test
    void aDatabaseStepWithoutItsOwnServerIsRefused() throws Exception {
        Path p = plan("      - postgres: { host: 127.0.0.1, port: \"${pg_port}\", databases: [shop] }\n"
                + "      - mysql: { host: db.example.com, port: 3306, create-server: \"${root}/my\" }");
        Run r = PlanRuns.lifeboat(p, "drill");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("the drill is refused").contains("into a server that is already running")
                .contains("would connect to db.example.com");
    }

    @Test
    void whatCommandsLeaveRunningIsStoppedAtTeardown() throws Exception {
        Path p = plan("      - command: \"sleep 3131 >/dev/null 2>&1 &\"\n"
                + "      - command: { run: \"sh -c 'sleep 3132 >/dev/null 2>&1 &'; sleep 3133\", background: true }");
        Run r = PlanRuns.lifeboat(p, "--json", "drill");
        JsonNode rep = PlanRuns.json(r);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(rep.get("leftovers")).isEmpty();
        assertThat(commandLines()).noneMatch(c -> c.contains("sleep 313"));
    }

    private static Stream<String> commandLines() throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    byte[] b = Files.readAllBytes(p.resolve("cmdline"));
                    String state = Files.readString(p.resolve("stat"));
                    if (state.charAt(state.lastIndexOf(')') + 2) == 'Z') continue;
                    out.add(new String(b, StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException e) {
                    // ended while we looked
                }
            }
        }
        return out.stream();
    }
}
