package org.lifeboat.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.repository.Json;
import org.lifeboat.service.Service;
import org.lifeboat.testutil.PlanRuns;

/**
 * A real {@code lifeboat serve} in this JVM for tests (issue 13): a plan in {@code dir} with local
 * repositories, the service and its web server on a free 127.0.0.1 port, and an HTTP client that
 * logs in with basic authentication. Times are kept short (status every second, retries after a
 * second, continuous backups after a second of quiet). The caller closes it.
 */
public final class ServeFixture implements AutoCloseable {
    public static final String PASSWORD = "dash-secret";

    public final Path dir;
    public final Path plan;
    public final Service service;
    public final WebServer web;
    public final String url;
    public final List<String> said = Collections.synchronizedList(new ArrayList<>());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * Starts a service on {@code planText} written to dir/lifeboat.yaml; {@code ${DIR}} in it is
     * {@code dir}. The plan needs no serve: section (the password is set here).
     *
     * @param stateDb a postgresql:// URL, or null for SQLite in dir/state
     * @param host    the host name the service records
     */
    public ServeFixture(Path dir, String planText, String stateDb, String host) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("dashboard-password"), PASSWORD + "\n");
        plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, planText.replace("${DIR}", dir.toString()));
        service = new Service(plan, new Service.Options(stateDb, host, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofDays(90), Clock.systemUTC(), Duration.ofSeconds(1)), (p, exclusive, cancel) -> new Repositories(p, exclusive, cancel),
                line -> said.add(line));
        service.start();
        web = new WebServer(service, new WebServer.Options("127.0.0.1", 0, null, null), PASSWORD);
        url = web.start();
    }

    /** A repository with the test password in dir/NAME; returns its folder. */
    public static Path repository(Path dir, String name) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        PlanRuns.initRepository(d);
        return d.resolve("repo");
    }

    /** The plan's line for a repository made by {@link #repository}. */
    public static String repositoryLine(Path dir, String name) {
        return "  " + name + ": { url: " + dir.resolve(name).resolve("repo") + ", password-file: " + dir.resolve(name).resolve("password") + " }\n";
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Any method with a body of raw bytes (null: none), with the fixture's credentials or, when
     * {@code anonymous}, without any.
     */
    public HttpResponse<String> send(String method, String path, byte[] body, boolean anonymous) throws IOException, InterruptedException {
        HttpRequest.Builder b = anonymous ? HttpRequest.newBuilder(URI.create(url + path.replaceFirst("^/", ""))).timeout(Duration.ofSeconds(60))
                : request(path);
        return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    public JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private HttpRequest.Builder request(String path) {
        String auth = Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url + path.replaceFirst("^/", ""))).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Basic " + auth);
    }

    /**
     * Waits (polling every 100 ms) until {@code done} holds, at most {@code timeout}.
     *
     * @throws AssertionError naming {@code what} and what the service said, when it never holds
     */
    public void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + timeout.toSeconds() + "s for " + what + "; the service said:\n"
                        + String.join("\n", List.copyOf(said)));
            }
            Thread.sleep(100);
        }
    }

    /** The newest job of {@code system} and {@code kind} that ended, or null. */
    public JsonNode lastFinished(String system, String kind) {
        try {
            for (JsonNode j : json("/api/systems/" + system + "/jobs")) {
                if (j.get("kind").asText().equals(kind) && !j.get("finished").isNull()) return j;
            }
            return null;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        web.close();
        service.close();
    }
}
