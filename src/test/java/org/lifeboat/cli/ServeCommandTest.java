package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.server.web.ServeFixture;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * {@code lifeboat serve} as a process (issue 13): it prints where its dashboard is, reloads the
 * plan when the file changes or on SIGHUP (also under nohup) and refuses an invalid one (keeping
 * the old), on SIGTERM (143) or SIGINT (130) cancels a running backup, removes its lock and ends,
 * ignores SIGUSR1; {@code lifeboat status} shows the same systems from the state.
 */
class ServeCommandTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private String plan(String extraSystem) {
        return """
                state-dir: %1$s/state
                serve:
                  password-file: %1$s/dash
                repositories:
                %2$s
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: %1$s/src } ] }
                """.formatted(dir, ServeFixture.repositoryLine(dir, "main").stripTrailing()) + extraSystem;
    }

    private JsonNode systems(String url) throws Exception {
        String auth = Base64.getEncoder().encodeToString("admin:pw-dash".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "api/systems"))
                .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    private static List<String> names(JsonNode systems) {
        List<String> out = new ArrayList<>();
        systems.forEach(s -> out.add(s.get("name").asText()));
        return out;
    }

    private static void await(String what, List<String> log, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("waited 60s for " + what + "; serve said:\n" + String.join("\n", log));
            Thread.sleep(100);
        }
    }

    @Test
    void reloadsAValidPlanRefusesAnInvalidOneAndStopsCleanlyOnSigterm() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a");
        Files.writeString(dir.resolve("dash"), "pw-dash\n");
        Path planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, plan(""));
        Process p = new ProcessBuilder(Cli.command("--config", planFile.toString(), "serve", "--listen", "127.0.0.1:0"))
                .redirectErrorStream(true).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) log.add(l);
            } catch (java.io.IOException e) {
                log.add("(read failed: " + e + ")");
            }
        });
        try {
            await("the dashboard's address", log, () -> log.stream().anyMatch(l -> l.startsWith("dashboard: ")));
            String url = log.stream().filter(l -> l.startsWith("dashboard: ")).findFirst().orElseThrow()
                    .replaceAll("^dashboard: (http://\\S+/).*", "$1");
            assertThat(url).startsWith("http://127.0.0.1:");
            assertThat(String.join("\n", log)).doesNotContain("pw-dash");
            await("the first backup", log, () -> log.stream().anyMatch(l -> l.contains("files: backup succeeded")));
            assertThat(names(systems(url))).containsExactly("files");

            // an invalid plan is refused, the old one stays
            Files.writeString(planFile, plan("  broken:\n    rpo: soon\n"));
            await("the refusal", log, () -> log.stream().anyMatch(l -> l.contains("was not reloaded")));
            assertThat(names(systems(url))).containsExactly("files");

            // a valid one, with a backup that takes long, is taken on SIGHUP (and on change)
            Files.writeString(planFile, plan("""
                      slow:
                        rpo: 1h
                        rto: 30m
                        backup: { repository: main, sources: [ { command: { run: "sleep 120; echo done", filename: slow.txt } } ] }
                    """));
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            await("the reload", log, () -> log.stream().anyMatch(l -> l.contains("reloaded (2 systems)")));
            await("the slow backup to run", log, () -> {
                try {
                    for (JsonNode s : systems(url)) {
                        if (s.get("name").asText().equals("slow")) return !s.get("running_job").isNull();
                    }
                    return false; // not looked at since the reload yet
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(Files.list(dir.resolve("main/repo/locks")).count()).as("the running backup's lock").isPositive();
        } finally {
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            reader.join(5000);
        }
        assertThat(p.exitValue()).as(String.join("\n", log)).isEqualTo(143);
        try (var locks = Files.list(dir.resolve("main/repo/locks"))) {
            assertThat(locks.count()).as("no lock left behind").isZero();
        }
        // the cancelled backup is recorded as such, and status shows both systems from the state
        Run st = PlanRuns.lifeboat(planFile, "status", "--json");
        JsonNode j = PlanRuns.json(st);
        assertThat(names(j.get("systems"))).containsExactly("files", "slow");
        List<String> results = new ArrayList<>();
        j.get("jobs").forEach(x -> results.add(x.get("system").asText() + ":" + x.get("result").asText()));
        assertThat(results).contains("slow:cancelled", "files:succeeded");
        Run text = PlanRuns.lifeboat(planFile, "status");
        assertThat(text.out()).contains("SYSTEM").contains("files").contains("OK (1h)").contains("slow").contains("BREACHED");
        assertThat(text.exit()).as("an RPO is breached").isEqualTo(3);
    }

    private static final String SLOW = """
              slow:
                rpo: 1h
                rto: 30m
                backup: { repository: main, sources: [ { command: { run: "sleep 120; echo done", filename: slow.txt } } ] }
            """;

    /** A serve process started with {@code prefix} before the JVM's command line (nohup, env), its output collected line by line. */
    private record Served(Process p, List<String> log, Thread reader) {
        String url() {
            return log.stream().filter(l -> l.startsWith("dashboard: ")).findFirst().orElseThrow()
                    .replaceAll("^dashboard: (http://\\S+/).*", "$1");
        }

        String said() {
            return String.join("\n", log);
        }

        boolean saw(String text) {
            synchronized (log) {
                return log.stream().anyMatch(l -> l.contains(text));
            }
        }
    }

    private Served serve(Path planFile, String... prefix) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(prefix));
        cmd.addAll(Cli.command("--config", planFile.toString(), "serve", "--listen", "127.0.0.1:0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) log.add(l);
            } catch (java.io.IOException e) {
                log.add("(read failed: " + e + ")");
            }
        });
        Served s = new Served(p, log, reader);
        await("the dashboard's address", log, () -> s.saw("dashboard: ") || !p.isAlive());
        assertThat(p.isAlive()).as(s.said()).isTrue();
        return s;
    }

    private Path planWith(String extra) throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a");
        Files.writeString(dir.resolve("dash"), "pw-dash\n");
        Path planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, plan(extra));
        return planFile;
    }

    private static void signal(Process p, String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-s", name, Long.toString(p.pid())).inheritIO().start().waitFor()).isZero();
    }

    /** The signals this process catches (SigCgt) or ignores (SigIgn), as the kernel says: bit n-1 for signal n. */
    private static long signalMask(Process p, String field) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (l.startsWith(field + ":")) return Long.parseUnsignedLong(l.substring(field.length() + 1).strip(), 16);
        }
        throw new AssertionError("no " + field + " in /proc/" + p.pid() + "/status");
    }

    /**
     * brk13b N13: SIGUSR1 (logrotate's {@code postrotate kill -USR1}) is said and ignored, not the
     * JVM's instant death; Ctrl-C (SIGINT) stops the service as SIGTERM does — the running job
     * cancelled and recorded so, its lock removed — and ends with 130, as restic and every
     * interrupted Lifeboat command do (SIGTERM: 143, above).
     */
    @Test
    void sigusr1IsIgnoredAndSigintStopsCleanlyWith130() throws Exception {
        Path planFile = planWith(SLOW);
        // SIGINT at its default, whatever this test's JVM inherited (as the launcher does)
        Served s = serve(planFile, "env", "--default-signal=INT,TERM");
        try {
            String url = s.url();
            await("the slow backup to run", s.log(), () -> {
                try {
                    for (JsonNode x : systems(url)) {
                        if (x.get("name").asText().equals("slow")) return !x.get("running_job").isNull();
                    }
                    return false;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            try (var locks = Files.list(dir.resolve("main/repo/locks"))) {
                assertThat(locks.count()).as("the running backup's lock").isPositive();
            }

            signal(s.p(), "USR1");
            await("SIGUSR1 to be said", s.log(), () -> s.saw("SIGUSR1 ignored; send SIGHUP to reload") || !s.p().isAlive());
            assertThat(s.p().isAlive()).as("serve survives SIGUSR1: %s", s.said()).isTrue();
            assertThat(names(systems(url))).as("and still answers").containsExactly("files", "slow");

            signal(s.p(), "INT");
            assertThat(s.p().waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGINT").isTrue();
            s.reader().join(5000);
        } finally {
            s.p().destroyForcibly();
        }
        assertThat(s.p().exitValue()).as(s.said()).isEqualTo(130);
        assertThat(s.said()).contains("stopping").containsPattern("(?m)^\\r?interrupted");
        try (var locks = Files.list(dir.resolve("main/repo/locks"))) {
            assertThat(locks.count()).as("no lock left behind").isZero();
        }
        List<String> results = new ArrayList<>();
        PlanRuns.json(PlanRuns.lifeboat(planFile, "status", "--json")).get("jobs")
                .forEach(x -> results.add(x.get("system").asText() + ":" + x.get("result").asText()));
        assertThat(results).contains("slow:cancelled").doesNotContain("slow:failed");
    }

    /**
     * brk13 #19: started under nohup (SIGHUP ignored, which the JVM would keep), serve still
     * catches SIGHUP and reloads the plan on it, and says so at start-up.
     */
    @Test
    void underNohupSighupStillReloadsThePlan() throws Exception {
        Path planFile = planWith("");
        Served s = serve(planFile, "nohup");
        try {
            assertThat(s.said()).contains("SIGHUP was ignored (started under nohup?); it now reloads the plan");
            assertThat(signalMask(s.p(), "SigIgn") & 1).as("SIGHUP is no longer ignored").isZero();
            assertThat(signalMask(s.p(), "SigCgt") & 1).as("SIGHUP is caught").isOne();
            await("the first backup", s.log(), () -> s.saw("files: backup succeeded"));
            signal(s.p(), "HUP");
            await("the reload on SIGHUP", s.log(), () -> s.saw("SIGHUP: reloading the plan") || !s.p().isAlive());
            assertThat(s.p().isAlive()).as(s.said()).isTrue();
            assertThat(names(systems(s.url()))).containsExactly("files");
            s.p().destroy(); // SIGTERM
            assertThat(s.p().waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            s.reader().join(5000);
        } finally {
            s.p().destroyForcibly();
        }
        assertThat(s.p().exitValue()).as(s.said()).isEqualTo(143);
    }

    @Test
    void aPortInUseStopsServeBeforeAnyJobRuns() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("dash"), "pw-dash\n");
        Path planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, plan(""));
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = Cli.raw(null, "--config", planFile.toString(), "serve", "--listen", "127.0.0.1:" + busy.getLocalPort());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("Fatal: cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": the address is in use");
        }
        JsonNode j = PlanRuns.json(PlanRuns.lifeboat(planFile, "status", "--json"));
        assertThat(j.get("jobs")).as("no job ran before the refusal").isEmpty();
    }

    @Test
    void withoutADashboardPasswordServeRefusesToStartInOneSentence() throws Exception {
        ServeFixture.repository(dir, "main");
        Path planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, plan("").replaceAll("(?m)^serve:\\n  password-file: .*\\n", ""));
        Run r = Cli.raw(null, "--config", planFile.toString(), "serve", "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("Fatal: the dashboard needs a password: set serve: { password-file: FILE } (or password-env) in "
                + planFile + "; the login is admin");
    }
}
