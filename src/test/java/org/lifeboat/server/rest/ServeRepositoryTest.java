package org.lifeboat.server.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * serve-repository against the real restic 0.14 and Lifeboat's rest: backend: the protocol,
 * authentication, the modes (append-only, private repositories, quota, TLS, upload verification)
 * and hostile paths.
 */
@Tag("restic")
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the tests awaiting a scenario run last
class ServeRepositoryTest {
    @TempDir
    Path dir;

    private final List<RestServer> servers = new ArrayList<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    /*
     * Three scenarios spend most of their time waiting: on restic 0.14's retries (it retries a 401
     * and a 403 about ten times with backoff, ~30-40 s) and on the server's 30 s idle timeout. They
     * start when the class starts, each on its own server and folder, so those waits overlap the
     * other tests; each test then awaits its scenario and asserts on it as before. None prints
     * anything in this JVM (the other tests capture its output).
     */
    @TempDir
    static Path early;
    private static final List<RestServer> earlyServers = new ArrayList<>();
    private static String authUrl;
    private static CompletableFuture<Run> wrongUserRestic;
    private static String appendUrl;
    private static Path appendRoot;
    private static CompletableFuture<Forgotten> appendForget;
    private static CompletableFuture<Stalled> stalled;
    /** A thread each (they wait on processes; the common pool runs one task at a time on 2 cores). */
    private static final java.util.concurrent.ExecutorService WAITERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /** The append-only scenario's first part: the snapshot restic tried to forget, and that forget. */
    private record Forgotten(String first, Path src, Run forget) {}

    @BeforeAll
    static void startSlowScenarios() throws IOException {
        Path authDir = Files.createDirectories(early.resolve("auth"));
        authUrl = serveEarly(new ServerOptions(Files.createDirectories(authDir.resolve("srv")), "127.0.0.1", 0,
                htpasswd(authDir, "alice", "s3cret"), false, false, false, null, null, 0, false, false, false));
        wrongUserRestic = CompletableFuture.supplyAsync(() -> {
            restic("rest:" + withUser(authUrl, "alice", "s3cret") + "repo", "init").ok();
            return restic("rest:" + withUser(authUrl, "alice", "nope") + "repo", "snapshots");
        }, WAITERS);

        Path stallRoot = Files.createDirectories(early.resolve("stall"));
        stalled = CompletableFuture.supplyAsync(() -> {
            try {
                return stalledUpload(stallRoot);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, WAITERS);

        Path appendDir = Files.createDirectories(early.resolve("append"));
        appendRoot = Files.createDirectories(appendDir.resolve("srv"));
        appendUrl = serveEarly(new ServerOptions(appendRoot, "127.0.0.1", 0, null, true, false, true, null, null, 0, false, false, false));
        Path src = sources(appendDir);
        appendForget = CompletableFuture.supplyAsync(() -> {
            String repo = "rest:" + appendUrl + "repo";
            restic(repo, "init").ok();
            restic(repo, "backup", src.toString()).ok();
            String first = restic(repo, "snapshots", "--json").ok().out().replaceAll("(?s).*\"id\":\"([0-9a-f]{64})\".*", "$1");
            return new Forgotten(first, src, restic(repo, "forget", first));
        }, WAITERS);
    }

    @AfterAll
    static void stopEarly() {
        if (stalled != null) stalled.handle((r, e) -> r).join();
        if (wrongUserRestic != null) wrongUserRestic.handle((r, e) -> r).join();
        if (appendForget != null) appendForget.handle((r, e) -> r).join();
        earlyServers.forEach(RestServer::close);
    }

    private static String serveEarly(ServerOptions o) throws IOException {
        RestServer s = new RestServer(o);
        earlyServers.add(s);
        return s.start();
    }

    /** The scenario's result; an assertion that failed inside it fails the awaiting test as itself. */
    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            if (e.getCause() instanceof Error x) throw x;
            throw e;
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(RestServer::close);
    }

    /** An htpasswd file with bcrypt entries (as `htpasswd -B` writes them, $2y$) for user=password pairs. */
    private Path htpasswd(String... userPassword) throws IOException {
        return htpasswd(dir, userPassword);
    }

    private static Path htpasswd(Path dir, String... userPassword) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < userPassword.length; i += 2) {
            byte[] salt = new byte[16];
            new Random(i).nextBytes(salt);
            String h = OpenBSDBCrypt.generate("2y", userPassword[i + 1].toCharArray(), salt, 5);
            sb.append(userPassword[i]).append(':').append(h).append('\n');
        }
        Path f = dir.resolve("htpasswd");
        Files.writeString(f, sb);
        return f;
    }

    private Path root() throws IOException {
        return Files.createDirectories(dir.resolve("srv"));
    }

    private String serve(ServerOptions o) throws IOException {
        RestServer s = new RestServer(o);
        servers.add(s);
        return s.start();
    }

    private ServerOptions opts(Path htpasswd) throws IOException {
        return new ServerOptions(root(), "127.0.0.1", 0, htpasswd, htpasswd == null, false, false, null, null, 0, false, false, false);
    }

    private static String withUser(String url, String user, String password) {
        return url.replaceFirst("://", "://" + user + ":" + password + "@");
    }

    private static Run restic(String repo, String... args) {
        return restic(repo, Map.of(), args);
    }

    private static Run restic(String repo, Map<String, String> extraEnv, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", repo, "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("RESTIC_PASSWORD", Restic.PASSWORD);
        return Proc.run(cmd, env, null, null, 600);
    }

    private Path sources() throws IOException {
        return sources(dir);
    }

    private static Path sources(Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        byte[] big = new byte[3 << 20];
        new Random(1).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Files.writeString(src.getParent().resolve("small.txt"), "hello over REST\n");
        return src.getParent();
    }

    private static HttpResponse<String> send(String method, String url, String auth, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (auth != null) b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void resticInitsBacksUpListsAndRestoresByteIdenticallyThroughTheCommandWhichPrintsItsAddressAndStopsOnSigterm() throws Exception {
        Path pw = htpasswd("alice", "s3cret");
        Path src = sources();
        Process p = new ProcessBuilder(Cli.command("serve-repository", "--path", root().toString(), "--listen", "127.0.0.1:0",
                "--htpasswd-file", pw.toString())).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).startsWith("serving ").contains("http://127.0.0.1:");
            String url = line.replaceAll(".* on (http://\\S+).*", "$1");
            String repo = "rest:" + withUser(url, "alice", "s3cret") + "repo";
            restic(repo, "init").ok();
            restic(repo, "backup", src.toString()).ok();
            assertThat(restic(repo, "snapshots", "--json").ok().out()).contains(src.toString());
            Path target = dir.resolve("restored");
            restic(repo, "restore", "latest", "--target", target.toString()).ok();
            Path back = target.resolve(src.toString().substring(1));
            assertThat(Files.readAllBytes(back.resolve("sub/big.bin"))).isEqualTo(Files.readAllBytes(src.resolve("sub/big.bin")));
            assertThat(Files.readString(back.resolve("small.txt"))).isEqualTo("hello over REST\n");
            restic(repo, "check", "--read-data").ok();
            // The served folder is restic's local layout: restic opens it directly as well.
            restic(root().resolve("repo").toString(), "check").ok();
            // And Lifeboat reads the same repository through its rest: backend.
            Path pwFile = Cli.passwordFile(dir);
            Run lb = Cli.raw(null, "-r", repo, "--password-file", pwFile.toString(), "check", "--read-data");
            assertThat(lb.exit()).as(lb.toString()).isZero();
        } finally {
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        }
        assertThat(p.exitValue()).isEqualTo(143);
    }

    @Test
    void withoutAnHtpasswdFileAndWithoutNoAuthTheServerRefusesToStart() throws IOException {
        Run r = Cli.raw(null, "serve-repository", "--path", root().toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("Fatal: no htpasswd file at " + root().resolve(".htpasswd")
                + ": give one with --htpasswd-file, or serve without authentication with --no-auth");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void appendOnlyRefusesForgetAndSnapshotDeletesButBackupsAndLockRemovalWork() throws Exception {
        // init, backup and the forget ran on their own append-only server from the class's start
        Forgotten f = await(appendForget);
        String url = appendUrl;
        String repo = "rest:" + url + "repo";
        Path src = f.src();
        String first = f.first();
        Run forget = f.forget();
        assertThat(forget.exit()).as(forget.toString()).isNotZero();
        assertThat(forget.err()).contains("403");
        assertThat(Files.exists(appendRoot.resolve("repo/snapshots/" + first))).isTrue();
        Files.writeString(src.resolve("new.txt"), "second backup");
        restic(repo, "backup", src.toString()).ok(); // (restic removes its lock at the end: allowed)
        assertThat(restic(repo, "snapshots", "--json").ok().out().split("\"id\"", -1)).hasSize(3);
        assertThat(send("DELETE", url + "repo/snapshots/" + first, null, null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", url + "repo/config", null, null).statusCode()).isEqualTo(403);
        try (Stream<Path> locks = Files.list(appendRoot.resolve("repo/locks"))) {
            assertThat(locks).isEmpty();
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void wrongCredentialsAre401ForResticAndOneSentenceForLifeboatWithoutThePassword() throws Exception {
        // the server, restic's init and its run with the wrong password started with the class
        String url = authUrl;
        HttpResponse<String> r = send("GET", url + "repo/config", "alice:nope", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"restic\"");
        assertThat(send("GET", url + "repo/config", null, null).statusCode()).isEqualTo(401);
        Run restic = await(wrongUserRestic);
        assertThat(restic.exit()).isNotZero();
        assertThat(restic.err()).contains("401");
        Path pw = Cli.passwordFile(dir);
        Run lb = Cli.raw(null, "-r", "rest:" + withUser(url, "alice", "WrongHorse") + "repo", "--password-file", pw.toString(), "snapshots");
        assertThat(lb.exit()).isEqualTo(1);
        assertThat(lb.err().strip().lines()).hasSize(1);
        assertThat(lb.err()).contains("wrong user or password").contains("alice:***@").doesNotContain("WrongHorse");
        // No credentials at all: not "wrong", but where to give them.
        Run none = Cli.raw(null, "-r", "rest:" + url + "repo", "--password-file", pw.toString(), "snapshots");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("asks for a user and password").contains("RESTIC_REST_USERNAME").doesNotContain("wrong user");
        // RESTIC_REST_USERNAME/RESTIC_REST_PASSWORD are used when the URL has no user (a separate process for the environment).
        Map<String, String> env = Map.of("RESTIC_REST_USERNAME", "alice", "RESTIC_REST_PASSWORD", "s3cret");
        Run viaEnv = Cli.process(env, null, "-r", "rest:" + url + "repo", "--password-file", pw.toString(), "snapshots");
        assertThat(viaEnv.exit()).as(viaEnv.toString()).isZero();
    }

    @Test
    void privateReposKeepEachUserInTheirOwnFolder() throws Exception {
        ServerOptions o = opts(htpasswd("a", "pa", "b", "pb"));
        String url = serve(new ServerOptions(o.root(), o.host(), 0, o.htpasswd(), false, true, false, null, null, 0, false, false, false));
        restic("rest:" + withUser(url, "a", "pa") + "a/repo", "init").ok();
        restic("rest:" + withUser(url, "b", "pb") + "b/", "init").ok();
        Run r = restic("rest:" + withUser(url, "a", "pa") + "b/", "snapshots");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("403");
        assertThat(send("POST", url + "b/other/?create=true", "a:pa", null).statusCode()).isEqualTo(403);
        assertThat(send("POST", url + "?create=true", "a:pa", null).statusCode()).isEqualTo(403);
        assertThat(Files.exists(root().resolve("b/other"))).isFalse();
        assertThat(send("HEAD", url + "a/repo/config", "a:pa", null).statusCode()).isEqualTo(200);
    }

    @Test
    void theQuotaAnswers507AndLifeboatSaysTheServerIsFullInOneSentence() throws Exception {
        ServerOptions o = opts(null);
        String url = serve(new ServerOptions(o.root(), o.host(), 0, null, true, false, false, null, null, 2_000_000, false, false, false));
        Path pw = Cli.passwordFile(dir);
        String repo = "rest:" + url + "repo";
        assertThat(Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "init").exit()).isZero();
        Run lb = Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "backup", sources().toString());
        assertThat(lb.exit()).isEqualTo(1);
        assertThat(lb.err().strip().lines().filter(l -> l.startsWith("Fatal:"))).hasSize(1);
        assertThat(lb.err()).contains("is full (507 Insufficient Storage)");
        byte[] body = new byte[3_000_000];
        assertThat(send("POST", url + "repo/data/" + sha256(body), null, body).statusCode()).isEqualTo(507);
        try (Stream<Path> all = Files.walk(root())) {
            long bytes = all.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            assertThat(bytes).isLessThanOrEqualTo(2_000_000);
        }
        // Nothing half-written stays behind.
        try (Stream<Path> all = Files.walk(root())) {
            assertThat(all.filter(f -> f.getFileName().toString().startsWith(".tmp-"))).isEmpty();
        }
    }

    /** Sends a request line as given (no client normalises it) and returns the status code. */
    private static int raw(String url, String method, String target, byte[] body) throws IOException {
        URI u = URI.create(url);
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            OutputStream out = s.getOutputStream();
            String head = method + " " + target + " HTTP/1.1\r\nHost: " + u.getHost() + "\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void hostilePathsNeverWriteOutsideThePath() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        String url = serve(opts(null));
        Files.createSymbolicLink(root().resolve("evil"), outside);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String id = sha256(body);
        for (String target : List.of("/../outside/config", "/%2e%2e/outside/config", "/..%2foutside/config", "/x/%2e%2e/%2e%2e/outside/config",
                "/evil/config", "/evil/?create=true", "/evil/keys/" + id, "/a%00b/config", "/.hidden/config", "//outside/config",
                "/evil/sub/?create=true", "/x/../../outside/keys/" + id)) {
            int status = raw(url, "POST", target, body);
            assertThat(status).as(target).isBetween(400, 499);
        }
        // An absolute file system path is only a path below --path, where no repository was created: refused, nothing made.
        assertThat(raw(url, "POST", outside.resolve("config").toString(), body)).isEqualTo(404);
        assertThat(root().resolve(outside.toString().substring(1))).doesNotExist();
        try (Stream<Path> all = Files.walk(outside)) {
            assertThat(all.filter(p -> !p.equals(outside))).isEmpty();
        }
        // A link to a file outside is not read either.
        Files.writeString(outside.resolve("secret"), "secret");
        Files.createDirectories(root().resolve("r/keys"));
        Files.createSymbolicLink(root().resolve("r/keys/" + id), outside.resolve("secret"));
        assertThat(raw(url, "GET", "/r/keys/" + id, new byte[0])).isBetween(400, 499);
    }

    /**
     * A client that stalls mid-upload (Content-Length 1,000,000, 2 KB sent, then silence) gets 408
     * when the connection's idle timeout (30 s) ends it, not a 500 that blames the server and that
     * clients retry as a server fault; nothing of the upload is kept. (The upload stalled from the
     * class's start, against the serve-repository command, whose log line stays in its own output.)
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aClientThatStallsMidUploadGets408AndNothingIsKept() throws Exception {
        Stalled st = await(stalled);
        assertThat(st.status()).startsWith("HTTP/1.1 408");
        try (Stream<Path> all = Files.walk(st.root().resolve("repo/data"))) {
            assertThat(all.filter(Files::isRegularFile)).as("no part of the stalled upload is kept").isEmpty();
        }
    }

    /** What the stalled client read, and the served folder. */
    private record Stalled(String status, Path root) {}

    private static Stalled stalledUpload(Path root) throws Exception {
        Process p = new ProcessBuilder(Cli.command("serve-repository", "--path", root.toString(), "--listen", "127.0.0.1:0", "--no-auth"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("serve-repository's first line").startsWith("serving ").contains("http://127.0.0.1:");
            String url = line.replaceAll(".* on (http://\\S+).*", "$1");
            assertThat(send("POST", url + "repo/?create=true", null, null).statusCode()).isEqualTo(200);
            URI u = URI.create(url);
            String id = "ab".repeat(32);
            try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
                s.setSoTimeout(120_000);
                var o = s.getOutputStream();
                o.write(("POST /repo/data/" + id + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.write(new byte[2048]);
                o.flush();
                String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                return new Stalled(status, root);
            }
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void uploadsWhoseBodyIsNotTheirNameAreRefusedUnlessVerificationIsOff() throws Exception {
        String url = serve(opts(null));
        assertThat(send("POST", url + "repo/?create=true", null, null).statusCode()).isEqualTo(200);
        byte[] body = "pack bytes".getBytes(StandardCharsets.UTF_8);
        String wrong = sha256("other bytes".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = send("POST", url + "repo/data/" + wrong, null, body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Files.exists(root().resolve("repo/data/" + wrong.substring(0, 2) + "/" + wrong))).isFalse();
        assertThat(send("POST", url + "repo/data/" + sha256(body), null, body).statusCode()).isEqualTo(200);
        // A second upload of a taken name is refused as rest-server does (403), the first kept.
        assertThat(send("POST", url + "repo/data/" + sha256(body), null, body).statusCode()).isEqualTo(403);
        // Ranges: one range, a suffix, and past the end.
        HttpRequest get = HttpRequest.newBuilder(URI.create(url + "repo/data/" + sha256(body))).header("Range", "bytes=5-9").build();
        HttpResponse<String> part = http.send(get, HttpResponse.BodyHandlers.ofString());
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo("bytes");
        HttpRequest past = HttpRequest.newBuilder(URI.create(url + "repo/data/" + sha256(body))).header("Range", "bytes=100-").build();
        assertThat(http.send(past, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(416);

        ServerOptions o = opts(null);
        Path other = Files.createDirectories(dir.resolve("srv2"));
        String url2 = serve(new ServerOptions(other, o.host(), 0, null, true, false, false, null, null, 0, false, false, true));
        assertThat(send("POST", url2 + "repo/?create=true", null, null).statusCode()).isEqualTo(200);
        assertThat(send("POST", url2 + "repo/data/" + wrong, null, body).statusCode()).isEqualTo(200);
    }

    @Test
    void tlsWithASelfSignedCertificateWorksForResticAndLifeboatWhenTheyTrustIt() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Proc.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString()), Map.of(), null, null, 120).ok();
        ServerOptions o = opts(null);
        String url = serve(new ServerOptions(o.root(), o.host(), 0, null, true, false, false, cert, key, 0, true, true, false));
        assertThat(url).startsWith("https://127.0.0.1:");
        String repo = "rest:" + url + "repo";
        restic(repo, "--cacert", cert.toString(), "init").ok();
        restic(repo, "--cacert", cert.toString(), "backup", sources().toString()).ok();
        Path pw = Cli.passwordFile(dir);
        Run trusted = Cli.process(Map.of("LIFEBOAT_CACERT", cert.toString()), null, "-r", repo, "--password-file", pw.toString(), "snapshots");
        assertThat(trusted.exit()).as(trusted.toString()).isZero();
        assertThat(trusted.out()).contains("1 snapshots");
        Run untrusted = Cli.raw(null, "-r", repo, "--password-file", pw.toString(), "snapshots");
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.err()).contains("is not trusted").contains("LIFEBOAT_CACERT");
        // Prometheus metrics (here without authentication) count the requests by repository and type.
        HttpClient trusting = HttpClient.newBuilder().sslContext(org.lifeboat.testutil.TrustPem.context(cert)).build();
        String metrics = trusting.send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("rest_server_requests_total{").contains("repo=\"repo\"").contains("type=\"data\"")
                .contains("rest_server_bytes_total{");
    }
}
