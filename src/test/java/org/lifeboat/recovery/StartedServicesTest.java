package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * Services a recovery starts: one that dies is never reported as recovered (not even when something
 * else answers its check), a check port already taken is reported, and what was started is
 * recorded, listed and can be stopped.
 */
class StartedServicesTest {
    @TempDir
    Path dir;

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aSecondRecoveryIntoTheSameSiteIsNotAnsweredByTheFirstOnesService() throws Exception {
        PlanRuns.initRepository(dir);
        PlanRuns.webapp(dir.resolve("prod/app"));
        Files.writeString(dir.resolve("prod/app/data.txt"), "hello\n");
        int port = PlanRuns.freePort();
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { primary: { root: prod, web_port: 1 }, dr: { root: dr, web_port: %d } }
                state-dir: state
                systems:
                  web:
                    rpo: 1h
                    rto: 1h
                    backup: { sources: [ { path: prod/app } ] }
                    restore:
                      - path: { from: prod/app, to: "${root}/app" }
                      - command: { run: "${root}/app/start.sh --port ${web_port} ${root}/app/data.txt", background: true }
                    verify:
                      - http: { url: "http://127.0.0.1:${web_port}/health", status: 200, body: "ok hello", within: 60s }
                """.formatted(port));
        PlanRuns.lifeboat(p, "backup", "--all").ok();
        try {
            Run first = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--yes");
            assertThat(first.exit()).as(first.toString()).isZero();
            assertThat(first.out()).contains("Running on site dr").contains("--stop-started").contains("web step 2");

            // The first service still holds the port: the second start would die ("Address already
            // in use") and the check would be answered by the first one.
            Run second = PlanRuns.lifeboat(p, "--json", "recover", "--site", "dr", "--yes");
            assertThat(second.exit()).as(second.toString()).isEqualTo(1);
            JsonNode web = PlanRuns.system(PlanRuns.json(second), "web");
            assertThat(web.get("result").asText()).isEqualTo("failed");
            assertThat(web.get("reason").asText()).contains("port " + port).contains("system 'web'").contains("already in use");
            assertThat(web.get("steps").get(1).get("result").asText()).isEqualTo("failed");

            Run stop = PlanRuns.lifeboat(p, "recover", "--site", "dr", "--stop-started").ok();
            assertThat(stop.out()).contains("stopped web step 2");
            assertThat(accepts(port)).as("the first recovery's service is stopped").isFalse();

            PlanRuns.lifeboat(p, "recover", "--site", "dr", "--yes").ok();
            assertThat(accepts(port)).isTrue();
        } finally {
            PlanRuns.lifeboat(p, "recover", "--site", "dr", "--stop-started");
        }
        assertThat(accepts(port)).isFalse();
        assertThat(PlanRuns.lifeboat(p, "recover", "--site", "dr", "--stop-started").ok().out())
                .contains("no services recorded as started on site dr");
    }

    @Test
    void aBackgroundCommandThatEndsBeforeItsChecksPassFailsItsStep() throws Exception {
        PlanRuns.initRepository(dir);
        Path p = dir.resolve("lifeboat.yaml");
        // The checks pass only once the command has ended: today that reads as "recovered".
        String system = """
                  %s:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - command: { run: "echo $$ > ${root}/%s.pid; echo %s; exit %d", background: true }
                    verify:
                      - command: { run: "test -s ${root}/%s.pid && ! kill -0 $(cat ${root}/%s.pid) 2>/dev/null", within: 60s }
                """;
        Files.createDirectories(dir.resolve("dr"));
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { dr: { root: dr } }
                state-dir: state
                systems:
                """ + system.formatted("crash", "crash", "boom: bad option", 3, "crash", "crash")
                + system.formatted("quits", "quits", "forked a daemon and left", 0, "quits", "quits"));
        Run r = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode res = PlanRuns.json(r);
        JsonNode crash = PlanRuns.system(res, "crash");
        assertThat(crash.get("result").asText()).isEqualTo("failed");
        assertThat(crash.get("steps").get(0).get("result").asText()).isEqualTo("failed");
        assertThat(crash.get("reason").asText()).contains("step 1").contains("code 3").contains("boom: bad option");
        JsonNode quits = PlanRuns.system(res, "quits");
        assertThat(quits.get("result").asText()).isEqualTo("failed");
        assertThat(quits.get("reason").asText()).contains("code 0").contains("forked a daemon and left");
        assertThat(res.get("started_services")).isEmpty();
    }
}
