package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Restic;

/**
 * What brk13 found, each kind once more (issue 13): a rotated dashboard password takes effect at a
 * reload; names ending in a space are downloadable; a snapshot of no system is not restored under
 * another's name; a target with a line break is refused; a snapshot dated in the future does not
 * meet the RPO.
 */
class ServeHostileInputTest {
    @TempDir
    Path dir;

    private ServeFixture start() throws Exception {
        ServeFixture.repository(dir, "main");
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("ends with space "), "spaced");
        // a name that is not UTF-8 (the byte 0xFF), as Linux allows: Java cannot write one, sh can
        Process p = new ProcessBuilder("sh", "-c", "printf 'not utf-8' > \"$(printf 'bad\\377.txt')\"; d=\"$(printf 'dir\\377')\"; mkdir \"$d\"; printf in > \"$d/in.txt\"").directory(src.toFile())
                .inheritIO().start();
        assertThat(p.waitFor()).isZero();
        return new ServeFixture(dir, """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                    schedule: { backup: 1h }
                """.formatted(ServeFixture.repositoryLine(dir, "main").stripTrailing()), null, "h");
    }

    private static String snapshot(ServeFixture s) throws Exception {
        s.await("the first snapshot", Duration.ofSeconds(60), () -> s.lastFinished("files", "backup") != null);
        return s.lastFinished("files", "backup").get("snapshot").asText();
    }

    @Test
    void aRotatedPasswordTakesEffectAtTheReloadAndEndsTheOldOne() throws Exception {
        try (ServeFixture s = start()) {
            Path pw = dir.resolve("new-password");
            Files.writeString(pw, "rotated-789\n");
            String plan = Files.readString(s.plan);
            Files.writeString(s.plan, "serve: { password-file: " + pw + " }\n" + plan);
            s.service.reload();
            HttpClient c = HttpClient.newHttpClient();
            int old = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems")).header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(("admin:" + ServeFixture.PASSWORD).getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            int rotated = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems")).header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString("admin:rotated-789".getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            assertThat(old).as("the leaked password").isEqualTo(401);
            assertThat(rotated).isEqualTo(200);
            assertThat(s.said).anyMatch(l -> l.contains("the dashboard password changed"));
        }
    }

    @Test
    void namesEndingInASpaceRestoreTargetsWithLineBreaksAndSnapshotsOfNoSystem() throws Exception {
        try (ServeFixture s = start()) {
            String id = snapshot(s);
            String file = dir.resolve("src") + "/ends with space ";
            HttpResponse<byte[]> got = s.getBytes("/api/snapshots/" + id + "/file?path=" + URLEncoder.encode(file, StandardCharsets.UTF_8)
                    .replace("+", "%20"));
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(new String(got.body(), StandardCharsets.UTF_8)).isEqualTo("spaced");
            HttpResponse<String> forged = s.post("/api/snapshots/" + id + "/restore",
                    "{\"path\":\"/\",\"target\":\"" + dir.resolve("out") + "\\n2026-12-02 files: backup succeeded (FORGED)\"}");
            assertThat(forged.statusCode()).isEqualTo(400);
            assertThat(forged.body()).contains("control character");
            // a target that holds files is replaced only when the request says how (as restore's --overwrite)
            Path full = dir.resolve("full");
            Files.createDirectories(full);
            Files.writeString(full.resolve("keep.txt"), "mine");
            HttpResponse<String> over = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + full + "\"}");
            assertThat(over.statusCode()).isEqualTo(400);
            assertThat(over.body()).contains("is not empty").contains("overwrite");
            HttpResponse<String> never = s.post("/api/snapshots/" + id + "/restore",
                    "{\"path\":\"/\",\"target\":\"" + full + "\",\"overwrite\":\"never\"}");
            assertThat(never.statusCode()).as(never.body()).isEqualTo(202);
            assertThat(s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + full + "\",\"overwrite\":\"yes\"}")
                    .statusCode()).isEqualTo(400);
            // a snapshot restic made without the system's tag belongs to no system of the plan
            Restic restic = new Restic(dir.resolve("main/repo"), dir.resolve("cache"));
            assertThat(restic.run("backup", "--tag", "other", dir.resolve("src").toString()).exit()).isZero();
            String foreign = null;
            for (JsonNode n : restic.json("snapshots", "--json")) {
                if (n.path("tags").toString().contains("other")) foreign = n.get("id").asText();
            }
            HttpResponse<String> r = s.post("/api/snapshots/" + foreign + "/restore", "{\"path\":\"/\",\"target\":\"" + dir.resolve("out2") + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("belongs to no system of the plan");
        }
    }

    @Test
    void aNameThatIsNotUtf8IsListedDownloadedAndRestoredByItsOwnBytes() throws Exception {
        // brk13d D7: the tree showed "bad?.txt" and no route found that name
        try (ServeFixture s = start()) {
            String id = snapshot(s);
            String folder = dir.resolve("src").toString();
            // brk13e F10: the 8 digits the dashboard and logs show name the snapshot, as restic takes them
            JsonNode byPrefix = s.json("/api/snapshots/" + id.substring(0, 8) + "/tree?path=/");
            assertThat(byPrefix.get("snapshot").asText()).isEqualTo(id);
            assertThat(s.get("/api/snapshots/" + id.substring(0, 3) + "/tree").statusCode()).isEqualTo(400);
            assertThat(s.get("/snapshots/" + id.substring(0, 8) + "?path=/").statusCode()).isEqualTo(200); // brk13f F7: the page too
            HttpResponse<String> tree = s.get("/api/snapshots/" + id + "/tree?path=" + URLEncoder.encode(folder, StandardCharsets.UTF_8));
            assertThat(tree.statusCode()).isEqualTo(200);
            assertThat(tree.body()).contains("\"bad\\udcff.txt\""); // the byte as the escape of a lone surrogate, not '?'
            JsonNode entry = null;
            for (JsonNode e : org.lifeboat.repository.Json.MAPPER.readTree(tree.body()).get("entries")) {
                if (e.get("name").asText().startsWith("bad")) entry = e;
            }
            assertThat(entry.get("name").asText()).isEqualTo("bad\udcff.txt");
            // the dashboard asks for it as its bytes, %FF
            String raw = URLEncoder.encode(folder, StandardCharsets.UTF_8) + "%2Fbad%FF.txt";
            HttpResponse<byte[]> got = s.getBytes("/api/snapshots/" + id + "/file?path=" + raw);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(new String(got.body(), StandardCharsets.UTF_8)).isEqualTo("not utf-8");
            assertThat(got.headers().firstValue("Content-Disposition").orElse("")).endsWith("filename*=UTF-8''bad%EF%BF%BD.txt"); // RFC 8187: UTF-8, the byte shown as U+FFFD
            assertThat(s.getBytes("/api/snapshots/" + id + "/file?path=" + raw.replace("%FF", "%EF%BF%BD")).statusCode()).isEqualTo(404);
            // a restore of it names it as the browser's JSON.stringify does: the escape of the lone surrogate
            Path out = dir.resolve("raw-out");
            HttpResponse<String> r = s.post("/api/snapshots/" + id + "/restore",
                    "{\"path\":\"" + folder + "/dir\\udcff\",\"target\":\"" + out + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            String job = org.lifeboat.repository.Json.MAPPER.readTree(r.body()).get("job").asText();
            s.await("the restore", Duration.ofSeconds(60), () -> {
                try {
                    return !s.json("/api/jobs/" + job).get("result").asText().matches("running|queued");
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(s.json("/api/jobs/" + job).get("result").asText()).isEqualTo("succeeded");
            assertThat(Files.readString(out.resolve("in.txt"))).isEqualTo("in");
            // brk13f F2: a repository another program holds alone is out of reach, not without the snapshot
            try (var holder = org.lifeboat.repository.Repository.open(new org.lifeboat.backend.LocalBackend(dir.resolve("main/repo")),
                    Files.readString(dir.resolve("main/password")).strip()); var lock = holder.lock(true)) {
                HttpResponse<String> busy = s.get("/api/snapshots/" + id + "/tree?path=/");
                assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
                assertThat(busy.body()).contains("cannot be read now: main: ").contains("locked");
            }
            assertThat(s.get("/api/snapshots/" + "0".repeat(64) + "/tree").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aSecondServiceOnTheSameStateIsRefused() throws Exception {
        try (ServeFixture s = start()) {
            org.lifeboat.service.Service second = new org.lifeboat.service.Service(s.plan, org.lifeboat.service.Service.Options.defaults(),
                    (p, exclusive, cancel) -> new org.lifeboat.recovery.Repositories(p, exclusive, cancel), line -> {});
            try {
                org.assertj.core.api.Assertions.assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class)
                        .hasMessageContaining("another lifeboat serve (PID " + ProcessHandle.current().pid() + ") runs on this plan's state");
            } finally {
                second.close();
            }
            // the first one goes on
            assertThat(s.json("/api/systems").size()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotDatedInTheFutureDoesNotMeetTheRpo() throws Exception {
        try (ServeFixture s = start()) {
            snapshot(s);
            Restic restic = new Restic(dir.resolve("main/repo"), dir.resolve("cache"));
            assertThat(restic.run("backup", "--time", "2099-01-01 00:00:00", "--tag", "system=files", "--host",
                    org.lifeboat.repository.Repository.hostname(), dir.resolve("src").toString()).exit()).isZero();
            s.service.look();
            JsonNode f = s.json("/api/systems/files");
            assertThat(f.get("rpo_status").asText()).isEqualTo("breached");
            assertThat(f.get("problem").asText()).contains("in the future (clock skew?)");
        }
    }
}
