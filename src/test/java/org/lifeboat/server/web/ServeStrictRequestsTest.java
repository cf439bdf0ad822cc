package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.testutil.Cli;

/**
 * The API's contract kept for what the router does not know and what a client sends loosely
 * (brk13c C8, C9, C12): a method without a name in the router (PROPFIND, FOO) is 401 or 405 JSON
 * like any other; a route asked with the wrong method is 405 naming the right one; a restore's body
 * is UTF-8 JSON with string values for path, target and overwrite only, path and target required,
 * each key once; a body over the limit is a 413 without a line of the server library on stderr;
 * the start line counts "1 system".
 */
class ServeStrictRequestsTest {
    @TempDir
    Path dir;

    private ServeFixture start() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/x.txt"), "x");
        return new ServeFixture(dir, "state-dir: ${DIR}/state\nsites:\n  primary: { where: prod }\nrepositories:\n"
                + ServeFixture.repositoryLine(dir, "main") + "systems:\n  files:\n    rpo: 1h\n    rto: 30m\n"
                + "    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }\n    schedule: { backup: 1h }\n", null, "h");
    }

    private static String error(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(r.body()).startsWith("application/json");
        return Json.MAPPER.readTree(r.body()).get("error").asText();
    }

    @Test
    void methodsTheRouterHasNoNameForAreAnsweredLikeAnyOther() throws Exception {
        try (ServeFixture s = start()) {
            for (String method : new String[] {"PROPFIND", "FOO", "MKCOL", "BREW"}) {
                HttpResponse<String> anonymous = s.send(method, "/api/systems", null, true);
                assertThat(anonymous.statusCode()).as(method + " " + anonymous.body()).isEqualTo(401);
                assertThat(error(anonymous)).startsWith("log in first");
                assertThat(anonymous.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                HttpResponse<String> in = s.send(method, "/api/systems", null, false);
                assertThat(in.statusCode()).as(method + " " + in.body()).isEqualTo(405);
                assertThat(error(in)).isEqualTo(method + " is not a method of /api/systems: it takes GET and HEAD");
                assertThat(in.headers().firstValue("Allow")).hasValue("GET, HEAD");
            }
            // brk13d D3: the Allow of an unknown method is the route's own
            HttpResponse<String> putBackup = s.send("PUT", "/api/systems/files/backup", null, false);
            assertThat(putBackup.statusCode()).isEqualTo(405);
            assertThat(putBackup.headers().firstValue("Allow")).hasValue("POST");
            assertThat(error(putBackup)).isEqualTo("PUT is not a method of /api/systems/files/backup: it takes POST");
            HttpResponse<String> deleteLogin = s.send("DELETE", "/login", null, false);
            assertThat(deleteLogin.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
            assertThat(error(deleteLogin)).isEqualTo("DELETE is not a method of /login: it takes GET, HEAD and POST");
            HttpResponse<String> anonymousDelete = s.send("DELETE", "/login", null, true); // the login page answered any method
            assertThat(anonymousDelete.statusCode()).isEqualTo(405);
            HttpResponse<String> postStatic = s.post("/static/app.js", "");
            assertThat(postStatic.statusCode()).isEqualTo(405);
            assertThat(postStatic.headers().firstValue("Allow")).hasValue("GET, HEAD");
            // brk13f F5: logging out with HTTP basic authentication (no session) was a 500 with a Java message
            HttpResponse<String> logout = s.post("/logout", "");
            assertThat(logout.statusCode()).as(logout.body()).isBetween(200, 399);
            // brk13e F7, F8: /metrics and pages take GET and HEAD only
            for (String m : List.of("DELETE", "PUT", "POST")) {
                HttpResponse<String> metrics = s.send(m, "/metrics", null, false);
                assertThat(metrics.statusCode()).as(m + " /metrics").isEqualTo(405);
                assertThat(metrics.headers().firstValue("Allow")).hasValue("GET, HEAD");
            }
            HttpResponse<String> postPage = s.post("/systems/files", "");
            assertThat(postPage.statusCode()).isEqualTo(405);
            assertThat(error(postPage)).isEqualTo("POST is not a method of /systems/files: it takes GET and HEAD");
            // a route asked with the method it does not take: 405 naming the one it does
            HttpResponse<String> getBackup = s.get("/api/systems/files/backup");
            assertThat(getBackup.statusCode()).as(getBackup.body()).isEqualTo(405);
            assertThat(getBackup.headers().firstValue("Allow")).hasValue("POST");
            assertThat(error(getBackup)).isEqualTo("GET is not a method of /api/systems/files/backup: it takes POST (it starts a backup)");
            HttpResponse<String> getRestore = s.get("/api/snapshots/" + "ab".repeat(32) + "/restore");
            assertThat(getRestore.statusCode()).isEqualTo(405);
            assertThat(getRestore.headers().firstValue("Allow")).hasValue("POST");
            HttpResponse<String> postSystems = s.post("/api/systems", "");
            assertThat(postSystems.statusCode()).as(postSystems.body()).isEqualTo(405);
            assertThat(postSystems.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(error(postSystems)).isEqualTo("POST is not a method of /api/systems: it takes GET and HEAD");
            assertThat(s.post("/api/systems/files/nothing", "").statusCode()).isEqualTo(404);
            assertThat(s.post("/api/snapshots/" + "ab".repeat(32) + "/nothing", "").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aRestoreBodyIsReadStrictly() throws Exception {
        try (ServeFixture s = start()) {
            s.await("the first snapshot", Duration.ofSeconds(60), () -> s.lastFinished("files", "backup") != null);
            String id = s.lastFinished("files", "backup").get("snapshot").asText();
            String route = "/api/snapshots/" + id + "/restore";
            Path tgt = Files.createDirectories(dir.resolve("tgt"));
            String src = dir.resolve("src").toString();

            // invalid UTF-8 in the target: refused, and no folder named with replacement characters is made
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(("{\"path\":\"" + src + "\",\"target\":\"" + tgt + "/").getBytes(StandardCharsets.UTF_8));
            b.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe});
            b.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> bad = s.send("POST", route, b.toByteArray(), false);
            assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
            assertThat(error(bad)).startsWith("the body is not UTF-8 text");

            String[][] cases = {
                {"", "the body must be JSON: {\"path\": \"/folder\", \"target\": \"/restore/here\"}"},
                {"[]", "the body must be a JSON object: {\"path\": \"/folder\", \"target\": \"/restore/here\"}"},
                {"{\"target\":\"" + tgt + "/pm\"}", "give the folder of the snapshot to restore as path, e.g. \"/\""},
                {"{\"path\":\"" + src + "\"}", "give the folder to restore into as target, an absolute path"},
                {"{\"path\":5,\"target\":\"" + tgt + "/n\"}", "path must be a JSON string (in quotes), not 5"},
                {"{\"path\":\"" + src + "\",\"target\":true}", "target must be a JSON string (in quotes), not true"},
                {"{\"path\":\"" + src + "\",\"target\":\"" + tgt + "/o\",\"overwrite\":1}", "overwrite must be a JSON string (in quotes), not 1"},
                {"{\"path\":\"/x\",\"path\":\"" + src + "\",\"target\":\"" + tgt + "/d\"}", "the body names \"path\" twice; give each key once"},
                {"{\"path\":\"" + src + "\",\"target\":\"" + tgt + "/u\",\"dry\":\"yes\",\"ovewrite\":\"always\"}",
                    "a restore takes no \"dry\", \"ovewrite\"; its body names path, target and overwrite only"},
                {"{\"path\":\"" + src + "\",\"target\":\"" + tgt + "/t\"} {}", "the body must be JSON: {\"path\": \"/folder\", \"target\": \"/restore/here\"}"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = s.post(route, c[0]);
                assertThat(r.statusCode()).as(c[0] + " " + r.body()).isEqualTo(400);
                assertThat(error(r)).as(c[0]).isEqualTo(c[1]);
            }
            try (var left = Files.list(tgt)) {
                assertThat(left.toList()).as("nothing restored").isEmpty();
            }
            assertThat(s.json("/api/systems/files/jobs")).noneMatch(j -> j.get("kind").asText().equals("restore"));

            // the strict body is still taken
            HttpResponse<String> ok = s.post(route, "{\"path\":\"" + src + "\",\"target\":\"" + tgt + "/ok\"}");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
        }
    }

    @Test
    void aBodyOverTheLimitIs413WithoutALogLine() throws Exception {
        try (ServeFixture s = start()) {
            PrintStream err = System.err;
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                byte[] big = ("{\"path\":\"" + "x".repeat(1_500_000) + "\"}").getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> r = s.send("POST", "/api/snapshots/" + "ab".repeat(32) + "/restore", big, false);
                assertThat(r.statusCode()).isEqualTo(413);
                assertThat(error(r)).isEqualTo("the request's body is larger than the 1000000 bytes a request may carry");
                // one byte over
                HttpResponse<String> chunked = s.post("/api/snapshots/" + "ab".repeat(32) + "/restore", "x".repeat(1_000_001));
                assertThat(chunked.statusCode()).isEqualTo(413);
                // in chunks, without a length
                HttpResponse<String> chunks = sendChunked(s, 1_200_000);
                assertThat(chunks.statusCode()).isEqualTo(413);
                assertThat(error(chunks)).startsWith("the request's body is larger");
            } finally {
                System.setErr(err);
            }
            assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("Body size").doesNotContain("Javalin");
            assertThat(s.said).noneMatch(l -> l.contains("Body size"));
        }
    }

    /** A POST whose body is sent without a Content-Length (an InputStream publisher of unknown length: chunked). */
    private static HttpResponse<String> sendChunked(ServeFixture s, int size) throws Exception {
        String auth = java.util.Base64.getEncoder().encodeToString(("admin:" + ServeFixture.PASSWORD).getBytes(StandardCharsets.UTF_8));
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url + "api/snapshots/" + "ab".repeat(32) + "/restore"))
                .header("Authorization", "Basic " + auth)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[size])))
                .build();
        return java.net.http.HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theStartLineCountsOneSystemInTheSingular() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("dash"), "pw-dash\n");
        Path planFile = dir.resolve("lifeboat.yaml");
        Files.writeString(planFile, "state-dir: " + dir + "/state\nserve:\n  password-file: " + dir + "/dash\nrepositories:\n"
                + ServeFixture.repositoryLine(dir, "main") + "systems:\n  files:\n    rpo: 1h\n    rto: 30m\n"
                + "    backup: { repository: main, sources: [ { path: " + dir + "/src } ] }\n");
        Process p = new ProcessBuilder(Cli.command("--config", planFile.toString(), "serve", "--listen", "127.0.0.1:0"))
                .redirectErrorStream(true).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null && !l.startsWith("dashboard: "); ) log.add(l);
        } finally {
            p.destroy();
            p.waitFor();
        }
        assertThat(log).anyMatch(l -> l.startsWith("lifeboat serve: plan " + planFile + " (1 system) on host "));
    }
}
