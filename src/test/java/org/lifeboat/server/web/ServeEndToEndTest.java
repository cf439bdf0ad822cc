package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;

/**
 * {@code serve} end to end with real time kept short (issue 13): a two-system plan backed up on an
 * interval; when a source becomes unreadable a real webhook receiver, a real SMTP server
 * (GreenMail) and an alert command each get exactly one alert per incident (the job failure, then
 * the RPO breach), and exactly one recovery notice each when the source is back; {@code /metrics}
 * parses as Prometheus text with the contract's names.
 */
class ServeEndToEndTest {
    @TempDir
    Path dir;

    private HttpServer receiver;
    private final List<JsonNode> hooks = Collections.synchronizedList(new ArrayList<>());
    private final List<String> pings = Collections.synchronizedList(new ArrayList<>());
    private GreenMail smtp;
    private ServeFixture serve;

    @BeforeEach
    void servers() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            hooks.add(Json.MAPPER.readTree(body));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.createContext("/ping/", ex -> {
            pings.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void stop() {
        if (serve != null) serve.close();
        receiver.stop(0);
        smtp.stop();
    }

    private List<String> hooksOf(String system, String kind) {
        List<String> out = new ArrayList<>();
        synchronized (hooks) {
            for (JsonNode h : hooks) {
                if (h.get("system").asText().equals(system) && h.get("kind").asText().equals(kind)) out.add(h.get("event").asText());
            }
        }
        return out;
    }

    @Test
    void backsUpOnAnIntervalAlertsOncePerIncidentAndSaysWhenItClears() throws Exception {
        ServeFixture.repository(dir, "main");
        Path files = dir.resolve("src/files");
        Files.createDirectories(files);
        Files.writeString(files.resolve("a.txt"), "first");
        Files.createDirectories(dir.resolve("src/db"));
        Files.writeString(dir.resolve("src/db/dump.sql"), "select 1;");
        serve = new ServeFixture(dir, """
                state-dir: ${DIR}/state
                alerts:
                  - webhook: { url: "http://127.0.0.1:%d/hook/s3cr3t", format: json }
                  - email: { to: [ops@example.com], from: lifeboat@example.com, smtp: { host: 127.0.0.1, port: %d, starttls: false } }
                  - command: "cat >> ${DIR}/alerts.jsonl"
                repositories:
                %s
                systems:
                  files:
                    rpo: 4s
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src/files } ] }
                    schedule: { backup: 1s }
                    ping: { backup: "http://127.0.0.1:%d/ping/uuid-1" }
                  db:
                    rpo: 1h
                    rto: 1h
                    depends-on: [files]
                    backup: { repository: main, sources: [ { path: ${DIR}/src/db } ] }
                """.formatted(receiver.getAddress().getPort(), smtp.getSmtp().getPort(), ServeFixture.repositoryLine(dir, "main").stripTrailing(),
                        receiver.getAddress().getPort()),
                null, "host-a");

        // backed up on its interval: several snapshots of files, one of db
        serve.await("three snapshots of files", Duration.ofSeconds(60), () -> count("files") >= 3);
        assertThat(count("db")).isEqualTo(1);
        // no RPO alert for db, whose first backup waited for files' at start-up
        assertThat(hooksOf("db", "rpo_breached")).as("%s\n%s", hooks, serve.said).isEmpty();
        JsonNode sys = serve.json("/api/systems");
        assertThat(sys).hasSize(2);
        JsonNode f = sys.get(0);
        assertThat(f.get("name").asText()).isEqualTo("files");
        assertThat(f.get("host").asText()).isEqualTo("host-a");
        assertThat(f.get("rpo_seconds").asLong()).isEqualTo(4);
        assertThat(f.get("rto_seconds").asLong()).isEqualTo(1800);
        for (String k : List.of("last_snapshot", "snapshot_age_seconds", "rpo_status", "last_drill", "rto_measured_seconds", "forecast_seconds")) {
            assertThat(f.has(k)).as(k).isTrue();
        }

        // Healthchecks-style pings: start and success of each backup
        serve.await("pings", Duration.ofSeconds(30), () -> pings.contains("GET /ping/uuid-1/start") && pings.contains("GET /ping/uuid-1"));

        // the source becomes unreadable: the backups fail, then the RPO passes
        Files.move(files, dir.resolve("src/files.away"));
        serve.await("a job_failed and an rpo_breached alert", Duration.ofSeconds(60),
                () -> hooksOf("files", "job_failed").contains("alert") && hooksOf("files", "rpo_breached").contains("alert"));
        JsonNode failed = serve.lastFinished("files", "backup");
        assertThat(failed.get("result").asText()).isEqualTo("failed");
        serve.await("a failure ping", Duration.ofSeconds(30), () -> pings.contains("POST /ping/uuid-1/fail"));
        assertThat(serve.json("/api/systems").get(0).get("rpo_status").asText()).isEqualTo("breached");
        // still broken for a few more looks and retries: no second alert
        waitLooks(3);
        assertThat(hooksOf("files", "job_failed")).containsExactly("alert");
        assertThat(hooksOf("files", "rpo_breached")).containsExactly("alert");

        // it comes back: one recovery notice each
        Files.move(dir.resolve("src/files.away"), files);
        serve.await("both recovery notices", Duration.ofSeconds(60),
                () -> hooksOf("files", "job_failed").contains("resolved") && hooksOf("files", "rpo_breached").contains("resolved"));
        waitLooks(3);
        assertThat(hooksOf("files", "job_failed")).containsExactly("alert", "resolved");
        assertThat(hooksOf("files", "rpo_breached")).containsExactly("alert", "resolved");
        assertThat(serve.json("/api/systems").get(0).get("rpo_status").asText()).isEqualTo("ok");

        // the webhook body is the contract's
        JsonNode alert = hooks.stream().filter(h -> h.get("kind").asText().equals("rpo_breached")
                && h.get("system").asText().equals("files")).findFirst().orElseThrow();
        assertThat(iter(alert.fieldNames())).containsExactly("event", "kind", "system", "host", "message", "since", "details");
        assertThat(alert.get("host").asText()).isEqualTo("host-a");
        assertThat(alert.get("details").get("rpo_seconds").asLong()).isEqualTo(4);
        Instant.parse(alert.get("since").asText());

        // the same alerts by mail and through the command, one each
        List<String> subjects = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            String sub = m.getSubject();
            if (sub.contains(" files: ") && (sub.contains("RPO breached") || sub.contains("job failed"))) subjects.add(sub);
        }
        assertThat(subjects).filteredOn(s -> s.contains("ALERT")).hasSize(2);
        assertThat(subjects).filteredOn(s -> s.contains("RESOLVED")).hasSize(2);
        List<String> lines = Files.readAllLines(dir.resolve("alerts.jsonl"), StandardCharsets.UTF_8);
        assertThat(lines.stream().filter(l -> l.contains("\"system\":\"files\"") && l.contains("\"kind\":\"rpo_breached\"")))
                .hasSize(2);

        // /metrics: Prometheus text with the contract's names (open on a loopback listener)
        java.net.http.HttpResponse<String> m = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(serve.url + "metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        Set<String> names = prometheusNames(m.body());
        assertThat(names).contains("lifeboat_snapshot_age_seconds", "lifeboat_rpo_target_seconds", "lifeboat_rto_target_seconds",
                "lifeboat_last_success_timestamp_seconds", "lifeboat_job_duration_seconds", "lifeboat_rpo_breached",
                "lifeboat_jobs_total", "lifeboat_repository_size_bytes", "lifeboat_backend_requests_total", "lifeboat_backend_bytes_total");
        assertThat(m.body()).contains("lifeboat_snapshot_age_seconds{repository=\"main\",system=\"files\"}")
                .contains("lifeboat_last_success_timestamp_seconds{job=\"backup\",system=\"files\"}")
                .contains("lifeboat_rpo_breached{system=\"files\"} 0.0")
                .containsPattern("lifeboat_backend_requests_total\\{op=\"save\",repository=\"main\"} [1-9]");
        // credentials never in what the service said
        assertThat(String.join("\n", serve.said)).doesNotContain("s3cr3t").doesNotContain(ServeFixture.PASSWORD);
    }

    private int count(String system) {
        try {
            return serve.json("/api/systems/" + system + "/snapshots").size();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until the service has looked at the systems {@code n} more times (one look a second). */
    private void waitLooks(int n) throws InterruptedException {
        Instant from = serve.service.lookedAt();
        serve.await(n + " more looks", Duration.ofSeconds(30), () -> {
            Instant now = serve.service.lookedAt();
            return now != null && Duration.between(from, now).toMillis() >= n * 1000L;
        });
    }

    private static List<String> iter(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /**
     * The metric names of a Prometheus text exposition (format 0.0.4), every line checked: comments
     * are HELP or TYPE lines, samples are {@code name{label="value",…} number}.
     */
    static Set<String> prometheusNames(String text) {
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*})? "
                + "([-+]?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[-+]Inf)( -?[0-9]+)?");
        Pattern comment = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");
        Set<String> names = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            if (line.startsWith("#")) {
                assertThat(line).as("a comment line").matches(comment);
                continue;
            }
            var mm = sample.matcher(line);
            assertThat(mm.matches()).as("a sample line: %s", line).isTrue();
            names.add(mm.group(1).replaceFirst("_total$", "_total"));
        }
        return names;
    }
}
