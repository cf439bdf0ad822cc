package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * What a background step leaves behind: a daemon it forked before exiting is stopped with it; a
 * failure quotes this run's output only, its last lines; and the stop hints work pasted anywhere.
 */
class BackgroundLeftoversTest {
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

    private Path plan(String systems) throws Exception {
        PlanRuns.initRepository(dir);
        Files.createDirectories(dir.resolve("dr"));
        Path p = dir.resolve("lifeboat.yaml");
        Files.writeString(p, """
                repositories: { local: { url: repo, password-file: password } }
                sites: { dr: { root: dr } }
                default-site: dr
                state-dir: state
                systems:
                """ + systems);
        return p;
    }

    @Test
    void aDaemonForkedByAFailedBackgroundStepIsStopped() throws Exception {
        int port = PlanRuns.freePort();
        Path p = plan("""
                  web:
                    rpo: 1h
                    rto: 1h
                    restore:
                      # the step's shell ends at once; the daemon it forked would listen 2 s later
                      # (before, the shell lived 0.5 s and a fast daemon could pass the check first)
                      - command: { run: "sh -c '(sleep 2; exec python3 -m http.server --bind 127.0.0.1 %d >/dev/null 2>&1) & echo $! > daemon.pid'", background: true }
                    verify:
                      - tcp: { host: 127.0.0.1, port: %d, within: 60s }
                """.formatted(port, port));
        Path pidFile = dir.resolve("daemon.pid");
        try {
            Run r = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            JsonNode web = PlanRuns.system(PlanRuns.json(r), "web");
            assertThat(web.get("steps").get(0).get("result").asText()).isEqualTo("failed");
            assertThat(web.get("reason").asText()).contains("code 0").contains("were stopped");
            // The daemon is gone: the process the step forked was stopped (before it could listen),
            // the port is free for the next recovery, nothing runs unrecorded.
            long daemon = Long.parseLong(Files.readString(pidFile).strip());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false)).as("the process the step forked runs on").isFalse();
            assertThat(accepts(port)).as("the daemon the step forked still listens").isFalse();
            Run again = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
            // The second run may even succeed (its daemon can answer before its shell ends): what
            // matters is that the port was free. path(): no reason at all when the system is back.
            assertThat(PlanRuns.system(PlanRuns.json(again), "web").path("reason").asText("")).doesNotContain("already in use");
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aFailureQuotesTheLastLinesOfThisRunsOutputOnly() throws Exception {
        // Each run numbers itself, prints 40 lines, and ends with its number.
        Files.createDirectories(dir.resolve("dr"));
        Files.writeString(dir.resolve("dr/fail.sh"), """
                echo $$ > app.pid
                n=$(expr $(cat run.count 2>/dev/null || echo 0) + 1); echo $n > run.count
                echo "beginning of run $n"
                i=0; while [ $i -lt 40 ]; do echo "line $i"; i=$(expr $i + 1); done
                echo "end of run $n"
                exit 3
                """);
        Path p = plan("""
                  app:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - command: { run: "cd ${root} && exec sh fail.sh", background: true }
                    verify:
                      - command: { run: "test -s ${root}/app.pid && ! kill -0 $(cat ${root}/app.pid) 2>/dev/null", within: 60s }
                """);
        Run first = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
        assertThat(PlanRuns.system(PlanRuns.json(first), "app").get("reason").asText()).contains("end of run 1");
        Files.delete(dir.resolve("dr/app.pid")); // the check waits for the second run's
        Run second = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
        String reason = PlanRuns.system(PlanRuns.json(second), "app").get("reason").asText();
        assertThat(reason).contains("end of run 2").doesNotContain("run 1").doesNotContain("beginning of run 2");
        // The log keeps both runs, separated.
        assertThat(Files.readString(dir.resolve("state/logs/app-step1.log"))).contains("end of run 1", "end of run 2")
                .contains("===== ");
    }

    @Test
    void thePortInUseHintCarriesConfigAndSite() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path p = plan("""
                      web:
                        rpo: 1h
                        rto: 1h
                        restore:
                          - command: { run: "sleep 60", background: true }
                        verify:
                          - tcp: { host: 127.0.0.1, port: %d, within: 5s }
                    """.formatted(taken.getLocalPort()));
            Run r = PlanRuns.lifeboat(p, "--json", "recover", "--yes");
            assertThat(PlanRuns.system(PlanRuns.json(r), "web").get("reason").asText())
                    .contains("lifeboat --config '" + p.toAbsolutePath() + "' recover --site 'dr' --stop-started");
        }
    }
}
