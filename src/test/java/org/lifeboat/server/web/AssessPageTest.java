package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readiness assessment in the dashboard: {@code GET /api/assess} answers the JSON contract of
 * {@code lifeboat assess --json} for the running plan, {@code /assess} is its HTML page, both
 * behind the login like every other page, and the dashboard's main page links to it.
 */
class AssessPageTest {
    @TempDir
    Path dir;

    @Test
    void theAssessmentIsAPageAndAnApiRouteBehindTheLogin() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a\n");
        try (ServeFixture serve = new ServeFixture(dir, """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  files:
                    owner: Ann <ops>
                    contact: [ann@example.com]
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                """.formatted(ServeFixture.repositoryLine(dir, "main").stripTrailing()), null, "h")) {
            serve.await("the first backup", Duration.ofSeconds(60), () -> serve.lastFinished("files", "backup") != null);

            JsonNode a = serve.json("/api/assess");
            assertThat(a.get("score").asInt()).isBetween(0, 100);
            assertThat(a.get("systems")).hasSize(1);
            assertThat(a.get("systems").get(0).get("name").asText()).isEqualTo("files");
            Set<String> checks = new TreeSet<>();
            List<String> perSystem = new ArrayList<>();
            for (JsonNode f : a.get("findings")) {
                checks.add(f.get("check").asText());
                perSystem.add(f.get("check").asText() + ":" + (f.get("system").isNull() ? "-" : f.get("system").asText()));
            }
            assertThat(checks).containsExactlyInAnyOrder("offsite", "immutable", "drill", "rto", "rpo", "monitoring", "runbook",
                    "owner", "verification", "separation");
            assertThat(perSystem).contains("monitoring:-", "runbook:-", "offsite:files", "owner:files");
            // the service assessing itself knows it runs; it has no alert channel
            JsonNode monitoring = finding(a, "monitoring");
            assertThat(monitoring.get("status").asText()).isEqualTo("gap");
            assertThat(monitoring.get("evidence").asText()).contains("lifeboat serve runs this plan on h (this dashboard)")
                    .contains("no alert channel is configured");
            // the backup the service just made is the RPO's evidence
            JsonNode rpo = finding(a, "rpo");
            assertThat(rpo.get("status").asText()).as("%s", rpo).isEqualTo("ok");
            assertThat(rpo.get("evidence").asText()).contains("1 recorded backup run");
            assertThat(finding(a, "owner").get("status").asText()).isEqualTo("ok");

            HttpResponse<String> page = serve.get("/assess");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.body()).contains("<h1>Readiness of lifeboat.yaml</h1>").contains("id=\"score\">" + a.get("score").asInt() + "<")
                    .contains("data-check=\"monitoring\"").contains("<a href=\"/\">Overview</a>")
                    // text from the plan is escaped
                    .contains("owner Ann &lt;ops&gt;").doesNotContain("Ann <ops>");

            // behind the login, as every page and route
            assertThat(serve.send("GET", "/api/assess", null, true).statusCode()).isEqualTo(401);
            HttpResponse<String> anonymous = serve.send("GET", "/assess", null, true);
            assertThat(anonymous.statusCode()).isEqualTo(302);
            assertThat(anonymous.headers().firstValue("Location").orElse("")).endsWith("/login");
            HttpResponse<String> post = serve.post("/api/assess", "{}");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow").orElse("")).isEqualTo("GET, HEAD");

            // the dashboard's main page links to it
            assertThat(serve.get("/").body()).contains("href=\"/assess\"");
        }
    }

    private static JsonNode finding(JsonNode a, String check) {
        for (JsonNode f : a.get("findings")) if (f.get("check").asText().equals(check)) return f;
        throw new AssertionError("no " + check + " in " + a);
    }
}
