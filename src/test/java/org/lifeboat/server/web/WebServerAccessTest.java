package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what on the dashboard (issue 13): nothing under /api/ without credentials (401);
 * a browser session's POSTs need its CSRF token; a POST from another site is refused even with
 * valid basic credentials; wrong passwords are refused and then rate limited; the login form's
 * own token protects it against login CSRF.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class WebServerAccessTest {
    @TempDir
    static Path dir;

    private static ServeFixture serve;

    @BeforeAll
    static void start() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/x.txt"), "x");
        Files.createSymbolicLink(dir.resolve("link-to-repo"), dir.resolve("main/repo"));
        serve = new ServeFixture(dir, """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                """.formatted(ServeFixture.repositoryLine(dir, "main").stripTrailing()), null, "h");
    }

    @AfterAll
    static void stop() {
        if (serve != null) serve.close();
    }

    private static HttpResponse<String> send(HttpClient c, HttpRequest r) throws Exception {
        return c.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(serve.url + path.replaceFirst("^/", "")));
    }

    private static String basic(String user, String pw) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE - 1) // its wrong passwords count towards the limit
    void everythingUnderApiNeedsCredentials() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        for (String p : new String[] {"/api/systems", "/api/overview", "/api/systems/files/snapshots", "/api/jobs/x",
                "/api/snapshots/" + "0".repeat(64) + "/file?path=/etc/passwd", "/api/nosuch"}) {
            HttpResponse<String> r = send(c, req(p).build());
            assertThat(r.statusCode()).as(p).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic ");
        }
        assertThat(send(c, req("/api/systems/files/backup").POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(401);
        assertThat(send(c, req("/api/systems").header("Authorization", basic("admin", "wrong")).build()).statusCode()).isEqualTo(401);
        assertThat(send(c, req("/api/systems").header("Authorization", basic("root", ServeFixture.PASSWORD)).build()).statusCode())
                .isEqualTo(401);
        // /metrics is open on loopback to this machine's names only (no DNS rebinding)
        assertThat(send(c, req("/metrics").build()).statusCode()).isEqualTo(200);
        java.net.Socket sock = new java.net.Socket("127.0.0.1", URI.create(serve.url).getPort());
        try (sock) {
            sock.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: evil.example.com\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).contains(" 401 ");
        }
        // pages send a browser to the login form
        HttpResponse<String> page = send(c, req("/systems/files").build());
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElse("")).isEqualTo("/login");
    }

    @Test
    void aSessionsPostsNeedItsCsrfTokenAndOtherSitesCannotPost() throws Exception {
        HttpClient c = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        String form = send(c, req("/login").build()).body();
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(form);
        assertThat(m.find()).as(form).isTrue();
        String loginToken = m.group(1);
        // login CSRF: a form without the login cookie's token is refused
        HttpResponse<String> forged = send(HttpClient.newHttpClient(), req("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=" + ServeFixture.PASSWORD + "&csrf=" + loginToken)).build());
        assertThat(forged.statusCode()).isEqualTo(403);
        HttpResponse<String> in = send(c, req("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=" + URLEncoder.encode(ServeFixture.PASSWORD,
                        StandardCharsets.UTF_8) + "&csrf=" + loginToken)).build());
        assertThat(in.statusCode()).isEqualTo(302);
        String setCookie = in.headers().firstValue("Set-Cookie").orElse("");
        assertThat(setCookie).contains("lifeboat_session=").contains("HttpOnly").contains("SameSite=Strict");
        assertThat(send(c, req("/api/systems").build()).statusCode()).isEqualTo(200);
        String app = send(c, req("/").build()).body();
        Matcher t = Pattern.compile("name=\"csrf-token\" content=\"([0-9a-f]{64})\"").matcher(app);
        assertThat(t.find()).as(app).isTrue();
        // the session's POST without its token: refused; with it: the job starts
        assertThat(send(c, req("/api/systems/files/backup").POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(403);
        assertThat(send(c, req("/api/systems/files/backup").header("X-CSRF-Token", "f".repeat(64))
                .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(403);
        HttpResponse<String> ok = send(c, req("/api/systems/files/backup").header("X-CSRF-Token", t.group(1))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(ok.statusCode()).as(ok.body()).isIn(202, 409);
        // another site's page posting with the browser's cached basic credentials: refused
        HttpResponse<String> cross = send(HttpClient.newHttpClient(), req("/api/systems/files/backup")
                .header("Authorization", basic("admin", ServeFixture.PASSWORD)).header("Origin", "https://evil.example.com")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(cross.statusCode()).isEqualTo(403);
        // logout ends the session
        send(c, req("/logout").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + t.group(1))).build());
        assertThat(send(c, req("/api/systems").build()).statusCode()).isEqualTo(401);
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // it locks this address out for a minute: last
    void repeatedWrongPasswordsAreRateLimited() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        int limited = 0;
        // earlier tests of this class spent some of the five tries a minute: stop at the first lock-out
        int tries = 0;
        while (send(c, req("/api/overview").header("Authorization", basic("admin", "guess" + tries)).build()).statusCode() == 401) {
            tries++;
            assertThat(tries).as("locked out within five wrong passwords").isLessThanOrEqualTo(5);
        }
        // then the address is locked out for the minute, said as such (no password is checked meanwhile)
        HttpResponse<String> locked = send(c, req("/api/overview").header("Authorization", basic("admin", "guess9")).build());
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).contains("60");
        limited = locked.statusCode();
        assertThat(limited).isEqualTo(429);
    }

    @Test
    void snapshotPathsCannotClimbOutAndUnknownSnapshotsAreNamed() throws Exception {
        serve.await("the first snapshot", java.time.Duration.ofSeconds(60), () -> {
            try {
                return !serve.json("/api/systems/files").get("last_snapshot_id").isNull();
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> r = serve.get("/api/snapshots/" + "ab".repeat(32) + "/tree?path=/../../etc");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("..");
        HttpResponse<String> none = serve.get("/api/snapshots/" + "ab".repeat(32) + "/tree?path=/");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(serve.get("/api/snapshots/nothex/tree").statusCode()).isEqualTo(400);
        assertThat(serve.get("/api/systems/nosuch").statusCode()).isEqualTo(404);
        HttpResponse<String> drill = serve.get("/drills/..%2f..%2fetc%2fpasswd");
        assertThat(drill.statusCode()).isEqualTo(404);
        assertThat(drill.body()).doesNotContain(dir.toString());
        assertThat(drill.headers().firstValue("Cache-Control")).contains("no-store");
        String snap = serve.json("/api/systems/files").get("last_snapshot_id").asText();
        for (String target : new String[] {dir.resolve("main/repo").toString(), dir.resolve("main/repo/data/x").toString(),
                dir.resolve("state").toString(), dir.resolve("link-to-repo/sub").toString(),
                // folders that hold a repository or the state: the snapshot's folders of those names would land in them
                dir.resolve("main").toString(), dir.toString(), "/"}) {
            HttpResponse<String> r2 = serve.post("/api/snapshots/" + snap + "/restore", "{\"path\":\"/\",\"target\":\"" + target + "\"}");
            assertThat(r2.statusCode()).as(target + ": " + r2.body()).isEqualTo(400);
            assertThat(r2.body()).contains("could overwrite what Lifeboat itself keeps");
        }
        HttpResponse<String> nul = serve.post("/api/snapshots/" + snap + "/restore", "{\"path\":\"/\",\"target\":\"/tmp/a\\u0000b\"}");
        assertThat(nul.statusCode()).as(nul.body()).isEqualTo(400);
        assertThat(nul.body()).startsWith("{\"error\":").contains("is not a path");
        HttpResponse<String> badTarget = serve.post("/api/snapshots/" + "ab".repeat(32) + "/restore", "{\"path\":\"/\",\"target\":\"relative\"}");
        assertThat(badTarget.statusCode()).isEqualTo(400);
        assertThat(badTarget.body()).contains("absolute path");
    }
}
