package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.service.JobKind;
import org.lifeboat.service.JobRequest;

/**
 * What the service refuses at once, in one sentence, rather than with a job that fails later or an
 * answer in another shape (brk13 #16, #18, #20, brk13b N12): a drill no site can take; a restore
 * target through a symbolic link into a repository, the state, or to nothing; the HTTP server's
 * own refusals (413, 414, 431, 400) and methods without routes as the API's JSON; the page of a
 * system that is not in the plan as a 404.
 */
class ServeRefusalsTest {
    @TempDir
    Path dir;

    private static final String SYSTEM = """
              files:
                rpo: 1h
                rto: 30m
                description: "files on ${where}"
                backup: { repository: main, sources: [ { path: ${DIR}/src } ] }
                schedule: { backup: 1h }
            """;

    private ServeFixture start(String sites) throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/x.txt"), "x");
        return new ServeFixture(dir, plan(sites), null, "h");
    }

    private String plan(String sites) {
        return "state-dir: ${DIR}/state\n" + sites + "repositories:\n" + ServeFixture.repositoryLine(dir, "main") + "systems:\n" + SYSTEM;
    }

    private static String snapshot(ServeFixture s) throws Exception {
        s.await("the first snapshot", Duration.ofSeconds(60), () -> s.lastFinished("files", "backup") != null);
        return s.lastFinished("files", "backup").get("snapshot").asText();
    }

    private static boolean looked(ServeFixture s) {
        try {
            return s.get("/api/systems/files").statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private static String error(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(r.body()).startsWith("application/json");
        return Json.MAPPER.readTree(r.body()).get("error").asText();
    }

    @Test
    void aDrillNoSiteCanTakeIsRefusedAtOnceAndSaidOnTheSystem() throws Exception {
        // the only site is the sandbox, so it is the default site: production
        try (ServeFixture s = start("sites:\n  sandbox: { root: \"${temp-dir}\", where: sandbox }\n")) {
            s.await("the first look", Duration.ofSeconds(30), () -> looked(s));
            HttpResponse<String> r = s.post("/api/systems/files/drill", "");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(error(r)).startsWith("no drill of system 'files' can run: site 'sandbox' is the plan's default site");
            assertThat(s.json("/api/systems/files/jobs")).noneMatch(j -> j.get("kind").asText().equals("drill"));
            JsonNode sys = s.json("/api/systems/files");
            assertThat(sys.get("drill_unavailable").asText()).isEqualTo(error(r));
            assertThat(s.json("/api/overview").get("systems").get(0).get("drill_unavailable").asText()).isEqualTo(error(r));

            // a drill job (a schedule's) says the same sentence and ends there
            s.service.scheduler().submit(new JobRequest("files", JobKind.DRILL, "schedule"));
            s.await("the drill job's end", Duration.ofSeconds(30), () -> s.lastFinished("files", "drill") != null);
            JsonNode job = s.lastFinished("files", "drill");
            assertThat(job.get("result").asText()).isEqualTo("failed");
            assertThat(job.get("message").asText()).isEqualTo(error(r));

            // a sandbox that cannot be resolved (a variable the plan uses that it does not define)
            Files.writeString(s.plan, plan("sites:\n  primary: { where: prod }\n  sandbox: { root: \"${temp-dir}\" }\n")
                    .replace("${DIR}", dir.toString()));
            s.service.reload();
            HttpResponse<String> unresolved = s.post("/api/systems/files/drill", "");
            assertThat(unresolved.statusCode()).as(unresolved.body()).isEqualTo(409);
            assertThat(error(unresolved)).startsWith("no drill of system 'files' can run: the plan cannot be resolved for site 'sandbox'")
                    .contains("${where}");
            assertThat(s.json("/api/systems/files").get("drill_unavailable").asText()).isEqualTo(error(unresolved));

            // a sandbox that is not the default site: the drill is taken
            Files.writeString(s.plan, plan("sites:\n  primary: { where: prod }\n  sandbox: { root: \"${temp-dir}\", where: sandbox }\n")
                    .replace("${DIR}", dir.toString()));
            s.service.reload();
            assertThat(s.json("/api/systems/files").get("drill_unavailable").isNull()).isTrue();
            HttpResponse<String> taken = s.post("/api/systems/files/drill", "");
            assertThat(taken.statusCode()).as(taken.body()).isIn(202, 409);
            if (taken.statusCode() == 409) assertThat(error(taken)).doesNotContain("no drill");
        }
    }

    @Test
    void aPlanWithoutASandboxSiteCannotBeDrilled() throws Exception {
        try (ServeFixture s = start("sites:\n  primary: { where: prod }\n")) {
            HttpResponse<String> r = s.post("/api/systems/files/drill", "");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(error(r)).isEqualTo("no drill of system 'files' can run: the plan has no site 'sandbox' to drill in; add one"
                    + " whose folders and ports are generated, e.g. sandbox: { root: \"${temp-dir}\" }");
            // and the page of a system that is not in the plan is a 404 saying so, as is an unknown page
            HttpResponse<String> page = s.get("/systems/nope");
            assertThat(page.statusCode()).isEqualTo(404);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.body()).contains("<meta name=\"not-found\" content=\"there is no system &#39;nope&#39; in the plan\">");
            HttpResponse<String> markup = s.get("/systems/%3Cimg%20src%3Dx%3E");
            assertThat(markup.statusCode()).isEqualTo(404);
            assertThat(markup.body()).contains("there is no system &#39;&lt;img src=x&gt;&#39; in the plan").doesNotContain("<img");
            assertThat(s.get("/systems/files").statusCode()).isEqualTo(200);
            assertThat(s.get("/systems/files").body()).contains("<meta name=\"not-found\" content=\"\">");
            assertThat(s.get("/").statusCode()).isEqualTo(200);
            assertThat(s.get("/snapshots/" + "ab".repeat(32) + "?path=/").statusCode()).isEqualTo(200);
            assertThat(s.get("/snapshots/zz").statusCode()).isEqualTo(404);
            HttpResponse<String> other = s.get("/no/such/page");
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(other.body()).contains("there is no page /no/such/page on this dashboard");
        }
    }

    @Test
    void restoreTargetsThroughSymlinksToNothingAreRefusedWithASentence() throws Exception {
        try (ServeFixture s = start("sites:\n  primary: { where: prod }\n")) {
            String id = snapshot(s);
            Path repo = dir.resolve("main/repo");
            Path dl = Files.createSymbolicLink(dir.resolve("dl"), repo.resolve("data/zz"));
            for (String overwrite : new String[] {"", ",\"overwrite\":\"always\""}) {
                HttpResponse<String> r = s.post("/api/snapshots/" + id + "/restore",
                        "{\"path\":\"/\",\"target\":\"" + dl + "\"" + overwrite + "}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                assertThat(error(r)).startsWith("restore target " + dl + " is a symbolic link to " + repo.resolve("data/zz")
                        + ", inside repository 'main' (" + repo + "): a restore there could overwrite what Lifeboat itself keeps");
            }
            HttpResponse<String> deeper = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + dl + "/deeper\"}");
            assertThat(deeper.statusCode()).as(deeper.body()).isEqualTo(400);
            assertThat(error(deeper)).startsWith("restore target " + dl + "/deeper leads through the symbolic link " + dl + " to "
                    + repo.resolve("data/zz") + ", inside repository 'main'");
            Path intoState = Files.createSymbolicLink(dir.resolve("st"), dir.resolve("state/not-yet"));
            HttpResponse<String> state = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + intoState + "\"}");
            assertThat(state.statusCode()).as(state.body()).isEqualTo(400);
            assertThat(error(state)).contains("is a symbolic link to " + dir.resolve("state/not-yet") + ", inside the state folder");
            // a link that holds the state (its parent): what the snapshot holds under state/ would land in it
            Path holds = Files.createSymbolicLink(dir.resolve("up"), dir);
            HttpResponse<String> parent = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + holds + "\"}");
            assertThat(error(parent)).contains("is a symbolic link to " + dir + ", which holds repository 'main'");

            // not Lifeboat's places, still no folder to restore into: each said, never a bare path
            Path nowhere = Files.createSymbolicLink(dir.resolve("nowhere"), dir.resolve("gone/away"));
            HttpResponse<String> dangling = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + nowhere
                    + "\",\"overwrite\":\"always\"}");
            assertThat(dangling.statusCode()).as(dangling.body()).isEqualTo(400);
            assertThat(error(dangling)).isEqualTo("restore target " + nowhere + " is a symbolic link to " + dir.resolve("gone/away")
                    + ", which does not exist; give the folder itself, or make the link point to a folder");
            Path file = dir.resolve("src/x.txt");
            HttpResponse<String> aFile = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + file
                    + "\",\"overwrite\":\"always\"}");
            assertThat(error(aFile)).isEqualTo("restore target " + file + " is a file, not a folder; give the folder to restore into");
            HttpResponse<String> under = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + file + "/sub\"}");
            assertThat(error(under)).isEqualTo("restore target " + file + "/sub cannot be made: " + file + " is a file, not a folder");
            // brk13d: /sys (writable for root) was answered 202 and the job failed
            HttpResponse<String> sys = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"/sys/lifeboat-restore\"}");
            assertThat(sys.statusCode()).as(sys.body()).isEqualTo(400);
            assertThat(error(sys)).isEqualTo("restore target /sys/lifeboat-restore is under /sys, the kernel's own file systems, not"
                    + " storage: give a folder on a disk");
            // brk13e F4: tmpfs folders under them (cgroup v1, /dev/shm) and links out of /proc passed a check by file system type
            for (String t : List.of("/proc/self/x", "/sys/fs/cgroup/x", "/dev/shm/lifeboat-x", "/proc/self/cwd/x", "/dev/../proc/x")) {
                HttpResponse<String> k = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + t + "\"}");
                assertThat(k.statusCode()).as(t).isEqualTo(400);
                assertThat(error(k)).as(t).contains(", the kernel's own file systems, not storage");
            }
            // brk13e F9: a target that is not UTF-8 is refused in words, not with the JDK's message
            HttpResponse<String> raw = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + dir + "/f\\udcff\"}");
            assertThat(error(raw)).isEqualTo("target holds a name that is not UTF-8: the service restores only into folders whose path"
                    + " is UTF-8; restore into another folder and rename it");
            Path loop = Files.createSymbolicLink(dir.resolve("loop"), dir.resolve("loop"));
            HttpResponse<String> looped = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"/\",\"target\":\"" + loop + "\"}");
            assertThat(looped.statusCode()).isEqualTo(400);
            assertThat(error(looped)).contains("symbolic links (a loop?)");
            assertThat(s.json("/api/systems/files/jobs")).noneMatch(j -> j.get("kind").asText().equals("restore"));

            // the job itself (had the target changed after the API looked) says what went wrong in words
            s.service.scheduler().submit(new JobRequest("files", JobKind.RESTORE, "manual",
                    Map.of("snapshot", id, "path", "/", "target", nowhere.toString(), "overwrite", "always")));
            s.await("the restore job's end", Duration.ofSeconds(60), () -> s.lastFinished("files", "restore") != null);
            JsonNode job = s.lastFinished("files", "restore");
            assertThat(job.get("result").asText()).isEqualTo("failed");
            assertThat(job.get("message").asText()).isEqualTo("restore target " + nowhere + " is a symbolic link to "
                    + dir.resolve("gone/away") + ", which does not exist; give the folder itself, or make the link point to a folder");
            // brk13f F1 (High): a link put at the path after the API looked sent the restore into the state folder
            // or /dev/shm; the job judges the target again as it starts, and as it resolves
            for (Path to : List.of(dir.resolve("state"), Path.of("/dev/shm"))) {
                Path swapped = dir.resolve("swapped");
                Files.deleteIfExists(swapped);
                Files.createSymbolicLink(swapped, to);
                String before = s.lastFinished("files", "restore").get("id").asText();
                s.service.scheduler().submit(new JobRequest("files", JobKind.RESTORE, "manual",
                        Map.of("snapshot", id, "path", "/", "target", swapped.toString(), "overwrite", "always")));
                s.await("the restore job's end", Duration.ofSeconds(60), () -> !s.lastFinished("files", "restore").get("id").asText().equals(before));
                JsonNode swappedJob = s.lastFinished("files", "restore");
                assertThat(swappedJob.get("result").asText()).as(to.toString()).isEqualTo("failed");
                assertThat(swappedJob.get("message").asText()).as(to.toString()).startsWith("restore target " + swapped)
                        .containsAnyOf("inside the state folder", "is under /dev");
            }
            try (var listing = Files.list(dir.resolve("state"))) {
                assertThat(listing.map(q -> q.getFileName().toString())).noneMatch(n -> n.startsWith("x.txt") || n.equals("src"));
            }
        }
    }

    @Test
    void aRestoreNeverReplacesThePlanOrAPasswordFileItReads() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/pw"), "EVIL");
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Files.copy(dir.resolve("main/password"), keys.resolve("pw"));
        String text = "state-dir: ${DIR}/state\nsites:\n  primary: { where: prod }\nrepositories:\n  main: { url: "
                + dir.resolve("main/repo") + ", password-file: " + keys.resolve("pw") + " }\nsystems:\n" + SYSTEM;
        try (ServeFixture s = new ServeFixture(dir, text, null, "h")) {
            String id = snapshot(s);
            HttpResponse<String> r = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"" + dir.resolve("src")
                    + "\",\"target\":\"" + keys + "\",\"overwrite\":\"always\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(error(r)).contains("the password file of repository 'main' " + keys.resolve("pw") + ", which lies inside it");
            Path link = Files.createSymbolicLink(dir.resolve("k"), keys);
            HttpResponse<String> viaLink = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"" + dir.resolve("src")
                    + "\",\"target\":\"" + link + "\",\"overwrite\":\"always\"}");
            assertThat(viaLink.statusCode()).as(viaLink.body()).isEqualTo(400);
            assertThat(error(viaLink)).contains("the password file of repository 'main'");
            assertThat(Files.readString(keys.resolve("pw"))).isEqualTo(Files.readString(dir.resolve("main/password")));
        }
    }

    @Test
    void theServersOwnRefusalsAreTheApisJson() throws Exception {
        try (ServeFixture s = start("sites:\n  primary: { where: prod }\n")) {
            String id = "ab".repeat(32);
            // a body over the limit (413)
            HttpResponse<String> big = s.post("/api/snapshots/" + id + "/restore", "{\"path\":\"" + "x".repeat(2_000_000) + "\"}");
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(error(big)).isEqualTo("the request's body is larger than the 1000000 bytes a request may carry");
            // an address over the limit (414), headers over it (431): answered before any route, with or without credentials
            HttpResponse<String> longUri = s.get("/api/systems?x=" + "y".repeat(10_000));
            assertThat(longUri.statusCode()).isEqualTo(414);
            assertThat(error(longUri)).startsWith("the request's address is longer than the server takes");
            HttpClient c = HttpClient.newHttpClient();
            HttpResponse<String> anonymous = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems?x=" + "y".repeat(10_000)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(414);
            assertThat(error(anonymous)).startsWith("the request's address is longer");
            HttpResponse<String> headers = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems"))
                    .header("X-Big", "z".repeat(10_000)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(headers.statusCode()).isEqualTo(431);
            assertThat(error(headers)).startsWith("the request's headers are larger than the server takes");
            // not HTTP at all (400)
            String raw = raw(s, "GET /api/systems HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\nConnection: close\r\n\r\n");
            assertThat(raw).startsWith("HTTP/1.1 400 ").contains("Content-Type: application/json").contains("{\"error\":\"the request is not");
            // every method without credentials: 401 as JSON; with them: 405 as JSON
            for (String method : new String[] {"PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "QUERY", "HEAD"}) {
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems"))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(method + " " + r.body()).isEqualTo(401);
                if (method.equals("HEAD")) continue; // as GET, without the body
                assertThat(error(r)).as(method).startsWith("log in first");
                HttpResponse<String> in = c.send(HttpRequest.newBuilder(URI.create(s.url + "api/systems"))
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + ServeFixture.PASSWORD)
                                .getBytes(StandardCharsets.UTF_8)))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(in.statusCode()).as(method + " " + in.body()).isEqualTo(405);
                assertThat(error(in)).as(method).isEqualTo(method + " is not a method of /api/systems: it takes GET and HEAD");
            }
        }
    }

    /** brk13 #18, brk13b N5: a listener that cannot be had is one sentence, without the server library's error line. */
    @Test
    void aListenerThatCannotBeHadIsOneSentence() throws Exception {
        try (ServeFixture s = start("sites:\n  primary: { where: prod }\n")) {
            java.io.PrintStream err = System.err;
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                System.setErr(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
                WebServer inUse = new WebServer(s.service, new WebServer.Options("127.0.0.1", taken.getLocalPort(), null, null), "pw");
                org.assertj.core.api.Assertions.assertThatThrownBy(inUse::start).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": the address is in use (another serve?);"
                                + " choose another with --listen");
                WebServer unresolved = new WebServer(s.service, new WebServer.Options("nohost.invalid", 18614, null, null), "pw");
                org.assertj.core.api.Assertions.assertThatThrownBy(unresolved::start).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("cannot listen on nohost.invalid:18614: the host name nohost.invalid cannot be resolved; give an"
                                + " address of this machine with --listen (or serve: listen: in the plan)");
            } finally {
                System.setErr(err);
            }
            assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("Javalin");
        }
    }

    /** One request written as is on a fresh connection; the whole answer. */
    private static String raw(ServeFixture s, String request) throws Exception {
        try (Socket sock = new Socket("127.0.0.1", URI.create(s.url).getPort())) {
            sock.setSoTimeout(10_000);
            sock.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            StringBuilder b = new StringBuilder();
            BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) b.append(line).append('\n');
            return b.toString();
        }
    }
}
