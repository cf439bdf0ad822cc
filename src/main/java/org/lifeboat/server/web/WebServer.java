package org.lifeboat.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.lifeboat.backend.Cancel;
import org.lifeboat.drill.DrillReport;
import org.lifeboat.drill.DrillReports;
import org.lifeboat.drill.DrillStore;
import org.lifeboat.drill.SystemRun;
import org.lifeboat.plan.DrillSite;
import org.lifeboat.plan.Graph;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.SystemSpec;
import org.lifeboat.recovery.Repositories;
import org.lifeboat.recovery.SystemSnapshots;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.BlobWindow;
import org.lifeboat.restore.Dump;
import org.lifeboat.server.rest.Pem;
import org.lifeboat.service.JobKind;
import org.lifeboat.service.JobRequest;
import org.lifeboat.service.Scheduler;
import org.lifeboat.service.Service;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incident;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.StateStoreException;
import org.lifeboat.status.SystemStatus;

/**
 * The web face of {@code lifeboat serve} (issue 13): the dashboard (overview, a page per system,
 * the snapshot browser), its JSON API under {@code /api/}, {@code /metrics} and the drill reports.
 *
 * <p>Access: a browser logs in with a form (user {@code admin}) and gets a session cookie
 * (HttpOnly, SameSite=Strict, Secure under TLS); every POST of a session carries its CSRF token
 * (header {@code X-CSRF-Token} or form field {@code csrf}); scripts use HTTP Basic authentication
 * (RFC 7617). A POST whose {@code Origin} is another site is refused whatever its credentials.
 * Anything under {@code /api/} without credentials is 401. {@code /metrics} is open when the
 * listener is a loopback address, else behind the login. Failed logins are limited per client
 * address (5 a minute).
 */
public final class WebServer implements AutoCloseable {
    /** The only login name: the dashboard has one user. */
    public static final String USER = "admin";
    static final String SESSION_COOKIE = "lifeboat_session";
    static final String LOGIN_COOKIE = "lifeboat_login";
    static final Duration SESSION_IDLE = Duration.ofHours(12);
    private static final int MAX_FAILURES_PER_MINUTE = 5;
    /** The largest request body taken, in bytes (a restore's is a few hundred); a larger one is 413. */
    static final long MAX_BODY_BYTES = 1_000_000;
    /** The methods the router has endpoints for; any other reaches {@link #handle} through a before-handler. */
    private static final java.util.Set<String> KNOWN_METHODS = io.javalin.http.HandlerType.values().stream()
            .filter(io.javalin.http.HandlerType::isHttpMethod).map(io.javalin.http.HandlerType::name)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    /** The request attribute holding a body read by {@link #body}. */
    private static final String BODY = "lifeboat.body";

    /**
     * Where and how to listen.
     *
     * @param host    the address to bind (127.0.0.1 unless told otherwise)
     * @param port    the port (0: any free one)
     * @param tlsCert PEM certificate chain, with {@code tlsKey}, or both null for plain HTTP
     */
    public record Options(String host, int port, java.nio.file.Path tlsCert, java.nio.file.Path tlsKey) {}

    private record Session(String csrf, Instant[] lastSeen) {}

    private final Service service;
    private final Options opts;
    private volatile Passwords password;
    /** The password as last read, to tell a changed one at a reload (kept as its SHA-256 only). */
    private volatile byte[] passwordDigest;
    private final boolean loopback;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> basicOk = new ConcurrentHashMap<>();
    private final Map<String, List<Instant>> failures = new ConcurrentHashMap<>();
    private Javalin app;

    /**
     * @param password the dashboard password (hashed here; the text is not kept)
     * @throws IllegalArgumentException when the password is empty or only one of the TLS files is given
     */
    public WebServer(Service service, Options opts, String password) {
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the dashboard needs a password: set serve: password-file or password-env in the plan");
        }
        if ((opts.tlsCert() == null) != (opts.tlsKey() == null)) {
            throw new IllegalArgumentException("serve tls needs both cert and key");
        }
        this.service = service;
        this.opts = opts;
        this.password = new Passwords(password);
        this.passwordDigest = sha256(password.getBytes(StandardCharsets.UTF_8));
        this.servePlan = service.plan().service().serve();
        service.onReload(this::reloaded);
        boolean lo;
        try {
            lo = InetAddress.getByName(opts.host()).isLoopbackAddress();
        } catch (IOException e) {
            lo = false;
        }
        this.loopback = lo;
    }

    /**
     * Binds and serves.
     *
     * @return the dashboard's URL with the port bound (e.g. {@code http://127.0.0.1:8480/})
     * @throws IllegalArgumentException when the address cannot be bound or a TLS file cannot be used (one sentence)
     */
    public String start() {
        preflight();
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            // the limit is kept by body() below, which answers 413 itself; Javalin's own check (which would also
            // log a warning of its own for the same refusal) is never reached
            cfg.http.maxRequestSize = MAX_BODY_BYTES + 1;
            // what the server answers before any route (a too long address, 414): the API's JSON, not Jetty's HTML
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrors()));
            cfg.jetty.modifyServletContextHandler(h -> h.setErrorHandler(new JsonErrors()));
            if (opts.tlsCert() != null) {
                char[] pw = Long.toHexString(random.nextLong()).toCharArray();
                java.security.KeyStore ks;
                try {
                    ks = Pem.keyStore(opts.tlsCert(), opts.tlsKey(), pw);
                } catch (IllegalArgumentException e) {
                    // Pem names serve-repository's flags; here the files come from the plan's serve: tls:
                    String m = e.getMessage().replace("--tls-cert", "serve tls cert").replace("--tls-key", "serve tls key");
                    throw new IllegalArgumentException(m.startsWith("serve tls") ? m : "serve tls: " + m, e);
                }
                requireKeyMatches(ks, pw);
                cfg.jetty.addConnector((server, http) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(ks);
                    ssl.setKeyStorePassword(new String(pw));
                    ServerConnector c = new ServerConnector(server, ssl);
                    c.setHost(opts.host());
                    c.setPort(opts.port());
                    return c;
                });
            }
            // a method Javalin has no name for (PROPFIND, MKCOL, FOO…) reaches no endpoint: the before-handler
            // gives it the same answers as every other method (401 without credentials, else 405), as JSON
            cfg.routes.addEndpoint(new io.javalin.router.Endpoint(io.javalin.http.HandlerType.BEFORE, "*", ctx -> {
                if (!KNOWN_METHODS.contains(ctx.method().name())) {
                    handle(ctx);
                    ctx.skipRemainingHandlers();
                }
            }));
            for (String path : List.of("/", "/*")) {
                // every method gets the same answers (401 without credentials, then 405 but for GET, HEAD and POST), as JSON
                for (io.javalin.http.HandlerType t : io.javalin.http.HandlerType.values()) {
                    if (t.isHttpMethod()) cfg.routes.addEndpoint(new io.javalin.router.Endpoint(t, path, this::handle));
                }
            }
        });
        try {
            if (opts.tlsCert() != null) app.start();
            else app.start(opts.host(), opts.port());
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException) {
                    throw new IllegalArgumentException("cannot listen on " + opts.host() + ":" + opts.port()
                            + ": the address is in use (another serve?) or not this machine's; choose another with --listen", e);
                }
            }
            throw new IllegalArgumentException("cannot listen on " + opts.host() + ":" + opts.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        String host = opts.host().contains(":") ? "[" + opts.host() + "]" : opts.host();
        return (opts.tlsCert() != null ? "https" : "http") + "://" + host + ":" + app.port() + "/";
    }

    /**
     * The listener's usual failures found before the server starts, each said in one sentence (and
     * without the server library's own error line): a host name that does not resolve, an address
     * in use or not this machine's, a port below 1024 without the right to bind it.
     *
     * @throws IllegalArgumentException the sentence
     */
    private void preflight() {
        String where = "cannot listen on " + opts.host() + ":" + opts.port() + ": ";
        InetAddress addr;
        try {
            addr = InetAddress.getByName(opts.host());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(where + "the host name " + opts.host() + " cannot be resolved; give an address of this"
                    + " machine with --listen (or serve: listen: in the plan)", e);
        }
        if (opts.port() == 0) return;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true); // as the server's own socket: a port only in TIME_WAIT is free
            probe.bind(new java.net.InetSocketAddress(addr, opts.port()));
        } catch (java.net.BindException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            throw new IllegalArgumentException(where + (m.contains("in use")
                    ? "the address is in use (another serve?); choose another with --listen"
                    : m.contains("assign") ? "the address is not one of this machine's; choose another with --listen"
                    : m.contains("permission") ? "binding a port below 1024 needs root; choose another with --listen"
                    : e.getMessage()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    /**
     * Refuses a key that does not belong to the certificate: every TLS handshake would fail later,
     * with the service looking fine (a signature by the key is checked with the certificate's public key).
     */
    private void requireKeyMatches(java.security.KeyStore ks, char[] pw) {
        try {
            java.security.PrivateKey key = (java.security.PrivateKey) ks.getKey("server", pw);
            java.security.cert.Certificate cert = ks.getCertificate("server");
            String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : key.getAlgorithm().equals("RSA") ? "SHA256withRSA"
                    : key.getAlgorithm();
            java.security.Signature sign = java.security.Signature.getInstance(alg);
            sign.initSign(key);
            byte[] probe = "lifeboat".getBytes(StandardCharsets.US_ASCII);
            sign.update(probe);
            byte[] sig = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(alg);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            if (!verify.verify(sig)) throw new java.security.GeneralSecurityException("no match");
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("the TLS key " + opts.tlsKey() + " does not belong to the certificate "
                    + opts.tlsCert() + " (serve tls)", e);
        }
    }

    private volatile org.lifeboat.plan.ServicePlan.Serve servePlan;

    /**
     * After a reload (SIGHUP, the plan saved): a changed dashboard password (its file's content, or
     * another source) takes effect at once and ends every session and remembered login; a changed
     * listener or TLS needs a restart, which is said.
     */
    private void reloaded() {
        org.lifeboat.plan.ServicePlan.Serve now = service.plan().service().serve();
        String pw;
        try {
            pw = Service.secret(now.passwordFile(), now.passwordEnv(), "the dashboard password");
        } catch (IOException e) {
            service.say("the dashboard password was not reloaded: " + e.getMessage() + " (the old one stays)");
            return;
        }
        if (pw == null || pw.isEmpty()) {
            service.say("the plan names no dashboard password any more; the old one stays until a restart");
        } else {
            byte[] d = sha256(pw.getBytes(StandardCharsets.UTF_8));
            if (!MessageDigest.isEqual(d, passwordDigest)) {
                password = new Passwords(pw);
                passwordDigest = d;
                sessions.clear();
                basicOk.clear();
                service.say("the dashboard password changed: every session is logged out");
            }
        }
        org.lifeboat.plan.ServicePlan.Serve before = servePlan;
        if (!java.util.Objects.equals(before.listen(), now.listen()) || !java.util.Objects.equals(before.tlsCert(), now.tlsCert())
                || !java.util.Objects.equals(before.tlsKey(), now.tlsKey())) {
            service.say("serve: listen or tls changed in the plan: restart the service for it to take effect (it still serves as before)");
        }
        servePlan = now;
    }

    /** The port bound. */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        if (app != null) app.stop();
    }

    // ------------------------------------------------------------------------------ dispatch

    private void handle(Context ctx) throws Exception {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("X-Frame-Options", "DENY");
        // answers carry backups' contents and the fleet's state: never kept by a browser or a proxy
        ctx.header("Cache-Control", "no-store");
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
                + " frame-ancestors 'none'; form-action 'self'");
        String path = ctx.path();
        String method = ctx.method().name();
        boolean post = method.equals("POST");
        if (post && !sameOrigin(ctx)) {
            error(ctx, 403, "this request came from another site");
            return;
        }
        try {
            if (body(ctx) == null) {
                error(ctx, 413, JsonErrors.sentence(413, null));
                return;
            }
            if ((path.equals("/login") || path.startsWith("/static/") || path.equals("/metrics"))
                    && !List.of(allowed(path).split(", ")).contains(method)) {
                methodNotAllowed(ctx, path, method); // open paths: no login needed to be told
                return;
            }
            if (path.equals("/login")) {
                if (post) login(ctx);
                else loginPage(ctx, "");
                return;
            }
            if (path.startsWith("/static/")) {
                staticFile(ctx, path.substring("/static/".length()));
                return;
            }
            if (path.equals("/metrics") && loopback && loopbackHost(ctx.header("Host"))) {
                // open on a loopback listener, to this machine's names only: a page of another site that
                // rebinds its name to 127.0.0.1 (DNS rebinding) sends its own Host and gets the login
                metrics(ctx);
                return;
            }
            Session session = session(ctx);
            boolean basic = session == null && basicAuth(ctx);
            if (session == null && !basic && ctx.header("Authorization") != null && limited(ctx)) {
                ctx.header("Retry-After", "60");
                error(ctx, 429, "too many failed logins from this address: wait a minute");
                return;
            }
            if (session == null && !basic) {
                if (path.startsWith("/api/") || path.equals("/metrics")) {
                    ctx.header("WWW-Authenticate", "Basic realm=\"lifeboat\", charset=\"UTF-8\"");
                    error(ctx, 401, "log in first: a session cookie from /login, or HTTP basic authentication as " + USER);
                } else {
                    ctx.redirect("/login");
                }
                return;
            }
            if (!post && !method.equals("GET") && !method.equals("HEAD")) {
                methodNotAllowed(ctx, path, method);
                return;
            }
            if (post && session != null && !csrfOk(ctx, session)) {
                error(ctx, 403, "the form's security token is missing or old: reload the page");
                return;
            }
            if (path.equals("/logout") && post) {
                String cookie = ctx.cookie(SESSION_COOKIE);
                if (cookie != null) sessions.remove(cookie); // basic authentication has no session to end
                ctx.header("Set-Cookie", SESSION_COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure());
                ctx.redirect("/login");
                return;
            }
            if (path.equals("/metrics")) {
                metrics(ctx);
                return;
            }
            if (path.startsWith("/api/")) {
                api(ctx, path.substring(4), post);
                return;
            }
            if (path.startsWith("/drills/") && !post) {
                drillReport(ctx, path.substring("/drills/".length()));
                return;
            }
            if (path.equals("/assess") && !post) {
                ctx.contentType("text/html; charset=utf-8").result(org.lifeboat.assess.AssessHtml.page(assess(), true));
                return;
            }
            if (!post) {
                page(ctx, session);
                return;
            }
            methodNotAllowed(ctx, path, method); // a page is only read
        } catch (Scheduler.Busy e) {
            error(ctx, 409, e.getMessage());
        } catch (BadRequest e) {
            error(ctx, e.status, e.getMessage());
        } catch (StateStoreException e) {
            error(ctx, 503, e.getMessage());
        } catch (io.javalin.http.HttpResponseException e) {
            // Javalin's own refusals (a body over MAX_BODY_BYTES: 413), in the API's words
            error(ctx, e.getStatus(), JsonErrors.sentence(e.getStatus(), e.getMessage()));
        } catch (RuntimeException e) {
            // never a stack trace to the client or the log: one sentence each
            String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            service.say(ctx.method().name() + " " + path + " failed: " + what);
            error(ctx, 500, "the request failed: " + what);
        }
    }

    /**
     * The request's body, read here (once, kept with the request) rather than by the router: one
     * over {@link #MAX_BODY_BYTES} is answered 413 by {@link #handle} without a log line, whether it
     * announced its length or came in chunks.
     *
     * @return the body (empty when there is none), or null when it is larger than the limit
     */
    private static byte[] body(Context ctx) throws IOException {
        Object kept = ctx.attribute(BODY);
        if (kept != null) return (byte[]) kept;
        long length = ctx.req().getContentLengthLong();
        if (length > MAX_BODY_BYTES) {
            drain(ctx);
            return null;
        }
        byte[] b = length == 0 ? new byte[0] : ctx.req().getInputStream().readNBytes((int) MAX_BODY_BYTES + 1);
        if (b.length > MAX_BODY_BYTES) {
            drain(ctx);
            return null;
        }
        ctx.attribute(BODY, b);
        return b;
    }

    /** Bytes of a refused body read and dropped before the 413, so the client reads the answer. */
    static final long DRAIN_BYTES = 8L << 20;

    /**
     * Reads and drops the rest of a body too large to take, up to {@link #DRAIN_BYTES}: a server
     * that answers while the client still sends closes on unread bytes, and the client then sees a
     * reset instead of the 413. A larger body gets its answer with the connection closed.
     */
    private static void drain(Context ctx) {
        try (java.io.InputStream in = ctx.req().getInputStream()) {
            long dropped = in.skip(DRAIN_BYTES);
            while (dropped < DRAIN_BYTES) {
                long n = in.skip(DRAIN_BYTES - dropped);
                if (n <= 0) {
                    if (in.read() < 0) return;
                    n = 1;
                }
                dropped += n;
            }
            ctx.header("Connection", "close");
        } catch (IOException e) {
            ctx.header("Connection", "close"); // the client is gone or sends no more: the answer may not arrive
        }
    }

    /** A field of a form posted as {@code application/x-www-form-urlencoded} (the login and logout forms), or null. */
    private static String formParam(Context ctx, String name) throws IOException {
        String type = String.valueOf(ctx.contentType()).toLowerCase(java.util.Locale.ROOT);
        if (!type.startsWith("application/x-www-form-urlencoded")) return null;
        byte[] b = body(ctx);
        if (b == null) return null;
        for (String pair : new String(b, StandardCharsets.ISO_8859_1).split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            try {
                if (java.net.URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
                    return java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException e) {
                return null; // a malformed %-escape: no such field
            }
        }
        return null;
    }

    /** A request that cannot be answered as asked: its status and one sentence. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    // ------------------------------------------------------------------------------ access

    private String secure() {
        return opts.tlsCert() != null ? "; Secure" : "";
    }

    /** A POST from a page of another site (its browser sends Origin) is refused, also with basic credentials. */
    private static boolean sameOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || origin.equals("null") && ctx.header("Sec-Fetch-Site") == null) return origin == null;
        String host = ctx.header("Host");
        try {
            java.net.URI u = java.net.URI.create(origin);
            String h = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
            return host != null && (host.equalsIgnoreCase(h) || host.equalsIgnoreCase(u.getHost()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Session session(Context ctx) {
        String id = ctx.cookie(SESSION_COOKIE);
        if (id == null) return null;
        Session s = sessions.get(id);
        if (s == null) return null;
        Instant now = Instant.now();
        if (Duration.between(s.lastSeen()[0], now).compareTo(SESSION_IDLE) > 0) {
            sessions.remove(id);
            return null;
        }
        s.lastSeen()[0] = now;
        return s;
    }

    private boolean csrfOk(Context ctx, Session s) throws IOException {
        String given = ctx.header("X-CSRF-Token");
        if (given == null) given = formParam(ctx, "csrf");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8));
    }

    private boolean basicAuth(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Basic ", 0, 6)) return false;
        String key = HexFormat.of().formatHex(sha256(h.getBytes(StandardCharsets.UTF_8)));
        Instant ok = basicOk.get(key);
        if (ok != null && Duration.between(ok, Instant.now()).toMinutes() < 5) return true;
        if (limited(ctx)) return false;
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) return false;
        boolean good = decoded.substring(0, colon).equals(USER) & password.matches(decoded.substring(colon + 1));
        if (!good) {
            failed(ctx);
            return false;
        }
        // a verified header is remembered (as its hash) for a while: one PBKDF2 per script run, not per request
        if (basicOk.size() > 1000) basicOk.clear();
        basicOk.put(key, Instant.now());
        return true;
    }

    private boolean limited(Context ctx) {
        List<Instant> f = failures.get(ctx.ip());
        if (f == null) return false;
        synchronized (f) {
            Instant cut = Instant.now().minusSeconds(60);
            f.removeIf(t -> t.isBefore(cut));
            return f.size() >= MAX_FAILURES_PER_MINUTE;
        }
    }

    private void failed(Context ctx) {
        if (failures.size() > 10_000) failures.clear();
        List<Instant> f = failures.computeIfAbsent(ctx.ip(), k -> new ArrayList<>());
        synchronized (f) {
            f.add(Instant.now());
        }
    }

    private void loginPage(Context ctx, String error) throws IOException {
        String token = ctx.cookie(LOGIN_COOKIE);
        if (token == null || !token.matches("[0-9a-f]{64}")) {
            token = token();
            ctx.header("Set-Cookie", LOGIN_COOKIE + "=" + token + "; Path=/login; HttpOnly; SameSite=Strict" + secure());
        }
        String html = resource("login.html").replace("{{csrf}}", token).replace("{{error}}", escape(error));
        ctx.contentType("text/html; charset=utf-8").result(html);
    }

    private void login(Context ctx) throws IOException {
        String token = ctx.cookie(LOGIN_COOKIE);
        String given = formParam(ctx, "csrf");
        if (token == null || given == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
            ctx.status(403);
            loginPage(ctx, "The form was too old: log in again.");
            return;
        }
        if (limited(ctx)) {
            ctx.status(429);
            loginPage(ctx, "Too many failed logins: wait a minute.");
            return;
        }
        boolean good = USER.equals(formParam(ctx, "username")) & password.matches(formParam(ctx, "password"));
        if (!good) {
            failed(ctx);
            ctx.status(401);
            loginPage(ctx, "Wrong user or password.");
            return;
        }
        String id = token();
        sessions.put(id, new Session(token(), new Instant[] {Instant.now()}));
        ctx.header("Set-Cookie", SESSION_COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" + secure());
        ctx.redirect("/");
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------------------ pages

    private void page(Context ctx, Session session) throws IOException {
        String missing = missingPage(ctx.path());
        String html = resource("app.html").replace("{{csrf}}", session == null ? "" : session.csrf())
                .replace("{{not-found}}", missing == null ? "" : escape(missing));
        if (missing != null) ctx.status(404);
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none';"
                + " form-action 'self'");
        ctx.contentType("text/html; charset=utf-8").result(html);
    }

    /**
     * Why there is no dashboard page at {@code path} (one sentence, shown on a 404 page), or null
     * for the overview, a system of this plan and a snapshot ID's browser.
     */
    private String missingPage(String path) {
        if (path.equals("/")) return null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("/(systems|snapshots)/([^/]+)/?").matcher(path);
        if (!m.matches()) return "there is no page " + decode(path) + " on this dashboard";
        String name = decode(m.group(2));
        if (m.group(1).equals("snapshots")) {
            return name.matches("[0-9a-fA-F]{4,64}") ? null
                    : "there is no snapshot '" + name + "': a snapshot's ID is 64 hex digits, or the first 4 or more of them";
        }
        if (service.plan().system(name) != null) return null;
        String elsewhere = null;
        try {
            for (FleetStatus.Row r : service.fleet().all()) {
                if (r.system().equals(name) && !r.host().equals(service.host())) elsewhere = r.host();
            }
        } catch (StateStoreException e) {
            // the sentence without the fleet
        }
        return "there is no system '" + name + "' in the plan" + (elsewhere == null ? ""
                : "; it is a system of host " + elsewhere + ", whose own dashboard shows it");
    }

    private void staticFile(Context ctx, String name) throws IOException {
        String type = switch (name) {
            case "app.js" -> "text/javascript; charset=utf-8";
            case "app.css" -> "text/css; charset=utf-8";
            default -> null;
        };
        if (type == null) {
            error(ctx, 404, "no such file");
            return;
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(type).result(resource(name));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("the dashboard's " + name + " is missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(service.metrics().scrape());
    }

    /**
     * The readiness assessment of the running plan ({@code lifeboat assess}): the repositories are
     * listed afresh (status retries, no locks), the state is the service's own.
     */
    private org.lifeboat.assess.Assessment assess() throws IOException {
        try (Repositories repos = service.openForListing().forStatus()) {
            return org.lifeboat.assess.Assessor.assess(org.lifeboat.assess.EvidenceReader.read(service.plan(), repos,
                    service.store(), service.store().where(), null, true, service.host(), Instant.now()));
        }
    }

    private void drillReport(Context ctx, String id) throws StateStoreException, BadRequest {
        // drill ids are UTC start time and 4 hex digits; anything else is no drill (and names no file)
        if (!id.matches("[0-9]{8}-[0-9]{6}-[0-9a-f]{4}")) throw new BadRequest(404, "there is no drill '" + id + "'");
        DrillReport r;
        try {
            r = new DrillStore(service.store()).load(id);
        } catch (StateStoreException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no drill")) throw new BadRequest(404, "there is no drill '" + id + "'");
            throw e;
        }
        ctx.contentType("text/html; charset=utf-8").result(DrillReports.html(r));
    }

    // ------------------------------------------------------------------------------ API

    private void api(Context ctx, String path, boolean post) throws Exception {
        String[] p = path.split("/", -1); // "", "systems", NAME, ...
        for (int i = 0; i < p.length; i++) p[i] = decode(p[i]);
        if (post && (path.equals("/overview") || path.equals("/systems") || path.equals("/alerts") || path.equals("/assess")
                || p.length == 3 && p[1].equals("jobs"))) {
            throw notThisMethod(ctx, "GET, HEAD", null);
        } else if (!post && path.equals("/assess")) {
            json(ctx, 200, assess().toJson());
        } else if (!post && path.equals("/overview")) {
            json(ctx, 200, overview());
        } else if (!post && path.equals("/systems")) {
            json(ctx, 200, systems());
        } else if (!post && path.equals("/alerts")) {
            ArrayNode a = Json.MAPPER.createArrayNode();
            for (Incident i : service.incidents().recent(100)) a.add(incident(i));
            json(ctx, 200, a);
        } else if (p.length >= 3 && p[1].equals("systems")) {
            String name = p[2];
            SystemSpec s = service.plan().system(name);
            if (s == null) throw new BadRequest(404, "there is no system '" + name + "' in the plan");
            String rest = p.length == 3 ? "" : p[3];
            if (p.length > 4) throw new BadRequest(404, "no such API route");
            switch (post ? "POST " + rest : rest) {
                case "" -> json(ctx, 200, system(name));
                case "snapshots" -> json(ctx, 200, snapshots(s));
                case "jobs" -> {
                    ArrayNode a = Json.MAPPER.createArrayNode();
                    for (JobRun r : service.jobs().recent(name, null, 100)) a.add(job(r, null));
                    json(ctx, 200, a);
                }
                case "drills" -> json(ctx, 200, drills(name));
                case "POST backup", "POST drill" -> {
                    if (rest.equals("drill")) {
                        // refused at once, as the dashboard's disabled button says: a job would only fail
                        String refused = DrillSite.refusal(service.plan(), name);
                        if (refused != null) throw new BadRequest(409, refused);
                    }
                    String id = service.scheduler().submit(new JobRequest(name, JobKind.parse(rest), "manual"));
                    json(ctx, 202, Json.MAPPER.createObjectNode().put("job", id));
                }
                case "backup", "drill" -> throw notThisMethod(ctx, "POST", "it starts a " + rest);
                case "POST ", "POST snapshots", "POST jobs", "POST drills" -> throw notThisMethod(ctx, "GET, HEAD", null);
                default -> throw new BadRequest(404, "no such API route");
            }
        } else if (!post && p.length == 3 && p[1].equals("jobs")) {
            json(ctx, 200, jobById(p[2]));
        } else if (p.length == 4 && p[1].equals("snapshots")) {
            snapshotRoute(ctx, p[2], p[3], post);
        } else {
            throw new BadRequest(404, "no such API route");
        }
    }

    private static void json(Context ctx, int status, JsonNode body) throws IOException {
        ctx.status(status).contentType("application/json").result(escapeRawBytes(Json.MAPPER.writeValueAsString(body)));
    }

    /**
     * JSON text with each lone surrogate written as its {@code \\u} escape: a file name's byte that is
     * not UTF-8 is held as one ({@link org.lifeboat.fs.RawNames}), and sent as UTF-8 it would become
     * '?', a name no route finds again; escaped, a browser's string keeps it (RFC 8259 §7 allows the
     * escape), and sends it back in a path ({@code %FF} in a query, the escape in a JSON body).
     * Surrogates stand only inside JSON strings, so the escape is always in one.
     */
    static String escapeRawBytes(String jsonText) {
        StringBuilder b = null;
        for (int i = 0; i < jsonText.length(); i++) {
            char c = jsonText.charAt(i);
            boolean lone = Character.isHighSurrogate(c) ? i + 1 >= jsonText.length() || !Character.isLowSurrogate(jsonText.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(jsonText.charAt(i - 1)));
            if (lone && b == null) b = new StringBuilder(jsonText.length() + 16).append(jsonText, 0, i);
            if (b == null) continue;
            if (lone) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b == null ? jsonText : b.toString();
    }

    /**
     * The query parameter {@code name} as a snapshot path: percent-decoded to bytes (RFC 3986; '+' is
     * a space, as in a form) and read as {@link org.lifeboat.fs.RawNames} does, so {@code %FF} is the
     * raw byte 0xFF of a name that is not UTF-8, not U+FFFD; null when absent.
     *
     * @throws BadRequest 400 when a '%' is not followed by two hex digits
     */
    static String rawQueryParam(String query, String name) throws BadRequest {
        if (query == null) return null;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (!key.equals(name)) continue;
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(v.length());
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == '%') {
                    int hi = i + 2 < v.length() ? Character.digit(v.charAt(i + 1), 16) : -1;
                    int lo = hi >= 0 ? Character.digit(v.charAt(i + 2), 16) : -1;
                    if (lo < 0) throw new BadRequest(400, "the " + name + " in the address has a '%' not followed by two hex digits");
                    out.write(hi * 16 + lo);
                    i += 2;
                } else if (c == '+') {
                    out.write(' ');
                } else {
                    byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                    out.write(u, 0, u.length);
                }
            }
            return org.lifeboat.fs.RawNames.decode(out.toByteArray());
        }
        return null;
    }

    private static void error(Context ctx, int status, String message) {
        try {
            json(ctx, status, Json.MAPPER.createObjectNode().put("error", message));
        } catch (IOException e) {
            ctx.status(status);
        }
    }

    /** Every system of every host sharing the state (this host's from its newest look), with this host's running jobs. */
    private ArrayNode systems() throws StateStoreException, IOException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        Map<String, ObjectNode> own = new LinkedHashMap<>();
        for (SystemStatus s : service.statuses()) own.put(s.name(), enrich(s.toJson()));
        for (FleetStatus.Row r : service.fleet().all()) {
            if (r.host().equals(service.host())) continue; // this host's rows: its own newest look below
            JsonNode n = Json.MAPPER.readTree(r.statusJson());
            if (n instanceof ObjectNode o) {
                o.put("host", o.path("host").asText(r.host()));
                o.putNull("running_job");
                o.putNull("next_backup");
                o.putArray("waiting");
                o.put("updated", r.updated().toString());
                a.add(o);
            }
        }
        List<JsonNode> all = new ArrayList<>(own.values());
        a.forEach(all::add);
        ArrayNode out = Json.MAPPER.createArrayNode();
        all.forEach(out::add);
        return out;
    }

    private ObjectNode enrich(ObjectNode o) {
        String name = o.path("name").asText();
        // The age is now's, not the last look's: a breach between looks shows at once.
        JsonNode last = o.get("last_snapshot");
        if (last != null && !last.isNull() && o.path("problem").isNull() && o.get("rpo_seconds").isNumber()) {
            Duration age = Duration.between(Instant.parse(last.asText()), Instant.now());
            if (age.isNegative()) age = Duration.ZERO;
            o.put("snapshot_age_seconds", age.toMillis() / 1000.0);
            o.put("rpo_status", SystemStatus.RpoStatus.of(age, Duration.ofSeconds(o.get("rpo_seconds").asLong())).json());
        }
        Optional<Scheduler.Running> r = service.scheduler().runningFor(name);
        if (r.isPresent()) o.put("running_job", r.get().run().id());
        else o.putNull("running_job");
        Instant next = service.scheduler().nextDue(name, JobKind.BACKUP);
        if (next == null) o.putNull("next_backup");
        else o.put("next_backup", next.toString());
        // scheduled jobs that are due but held back (a check waiting for a backup to end), with why
        ArrayNode waiting = o.putArray("waiting");
        for (Scheduler.Waiting w : service.scheduler().waiting()) {
            if (w.system().equals(name)) {
                waiting.addObject().put("job", w.kind().json()).put("since", w.since().toString()).put("reason", w.reason());
            }
        }
        if (service.lookedAt() != null) o.put("updated", service.lookedAt().toString());
        // why "Run drill now" cannot work (the button is off with this as its title), null when it can
        Plan plan = service.plan();
        String noDrill = plan.system(name) == null ? null : DrillSite.refusal(plan, name);
        if (noDrill == null) o.putNull("drill_unavailable");
        else o.put("drill_unavailable", noDrill);
        return o;
    }

    private ObjectNode system(String name) throws BadRequest {
        for (SystemStatus s : service.statuses()) if (s.name().equals(name)) return enrich(s.toJson());
        throw new BadRequest(503, "the service has not looked at '" + name + "' yet; try again in a moment");
    }

    private ObjectNode overview() throws StateStoreException, IOException {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("generated", Instant.now().toString());
        ArrayNode systems = systems();
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        double loss = -1;
        boolean unknown = false;
        for (JsonNode s : systems) {
            hosts.add(s.path("host").asText());
            if (s.path("repository").isNull()) continue;
            JsonNode age = s.get("snapshot_age_seconds");
            if (age == null || age.isNull()) unknown = true;
            else loss = Math.max(loss, age.asDouble());
        }
        ArrayNode h = o.putArray("hosts");
        hosts.forEach(h::add);
        // The critical path through this plan's dependencies, each system taking its forecast,
        // else its measured RTO, else its RTO target.
        Plan plan = service.plan();
        Map<String, Duration> cost = new LinkedHashMap<>();
        for (SystemStatus s : service.statuses()) {
            cost.put(s.name(), s.forecast() != null ? s.forecast() : s.rtoMeasured() != null ? s.rtoMeasured() : s.rto());
        }
        List<String> all = List.copyOf(plan.systems().keySet());
        List<String> path = cost.isEmpty() ? List.of() : Graph.criticalPath(plan.systems(), all, n -> cost.getOrDefault(n, Duration.ZERO));
        Duration total = Duration.ZERO;
        // finish time of the path's last system = the sum along the path (each waits for the one before)
        for (String n : path) total = total.plus(cost.getOrDefault(n, Duration.ZERO));
        if (path.isEmpty()) o.putNull("recovery_seconds");
        else o.put("recovery_seconds", total.toMillis() / 1000.0);
        ArrayNode cp = o.putArray("critical_path");
        path.forEach(cp::add);
        if (loss < 0 && !unknown) o.putNull("data_loss_seconds");
        else if (unknown) o.putNull("data_loss_seconds");
        else o.put("data_loss_seconds", loss);
        o.put("data_loss_unknown", unknown);
        o.set("systems", systems);
        ArrayNode alerts = o.putArray("alerts");
        for (Incident i : service.incidents().open(null)) alerts.add(incident(i));
        return o;
    }

    private static ObjectNode incident(Incident i) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("id", i.id()).put("host", i.host()).put("system", i.system())
                .put("kind", i.kind()).put("since", i.since().toString()).put("message", i.message());
        if (i.resolved() == null) o.putNull("resolved");
        else o.put("resolved", i.resolved().toString());
        return o;
    }

    private ArrayNode snapshots(SystemSpec s) throws BadRequest {
        if (s.backup() == null) return Json.MAPPER.createArrayNode();
        // a listing takes no lock (restic's --no-lock): a dashboard left open never holds a job back;
        // a snapshot removed by a forget as it is listed makes the listing go round once more
        List<Snapshot> listed = null;
        Exception last = null;
        for (int attempt = 0; attempt < 3 && listed == null; attempt++) {
            try (Repositories repos = service.openForListing()) {
                listed = repos.get(s.backup().repository()).listSnapshots(w -> {});
            } catch (Exception e) {
                last = e;
            }
        }
        if (listed == null) {
            throw new BadRequest(503, "the snapshots of '" + s.name() + "' cannot be read now: " + last.getMessage());
        }
        {
            ArrayNode a = Json.MAPPER.createArrayNode();
            for (Snapshot x : SystemSnapshots.of(s, listed)) {
                ObjectNode o = a.addObject().put("id", x.id().hex()).put("short_id", x.id().shortHex())
                        .put("time", x.time().toInstant().toString()).put("host", x.hostname());
                ArrayNode paths = o.putArray("paths");
                x.paths().forEach(paths::add);
                ArrayNode tags = o.putArray("tags");
                x.tags().forEach(tags::add);
                if (x.summary() == null) {
                    o.putNull("files").putNull("bytes").putNull("data_added");
                } else {
                    o.put("files", x.summary().totalFilesProcessed()).put("bytes", x.summary().totalBytesProcessed())
                            .put("data_added", x.summary().dataAdded());
                }
            }
            return a;
        }
    }

    private ArrayNode drills(String name) throws StateStoreException {
        List<SystemRun> runs = new ArrayList<>(new DrillStore(service.store()).history(name, null));
        java.util.Collections.reverse(runs);
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (SystemRun r : runs) {
            ObjectNode o = a.addObject().put("id", r.drillId()).put("started", r.started().toString())
                    .put("result", r.result() == org.lifeboat.drill.DrillSystem.Outcome.PASSED ? "passed" : "failed");
            seconds(o, "rto_measured_seconds", r.rtoMeasured());
            seconds(o, "rto_target_seconds", r.rtoTarget());
            seconds(o, "rpo_achieved_seconds", r.rpoAchieved());
            o.put("report", "/drills/" + r.drillId());
        }
        return a;
    }

    private static void seconds(ObjectNode o, String key, Duration d) {
        if (d == null) o.putNull(key);
        else o.put(key, d.toMillis() / 1000.0);
    }

    private ObjectNode jobById(String id) throws StateStoreException, BadRequest {
        Optional<Scheduler.Running> r = service.scheduler().running(id);
        if (r.isPresent()) return job(r.get().run(), r.get().progressLine());
        Optional<JobRequest> q = service.scheduler().queued(id);
        if (q.isPresent()) {
            return Json.MAPPER.createObjectNode().put("id", id).put("system", q.get().system()).put("host", service.host())
                    .put("kind", q.get().kind().json()).put("trigger", q.get().trigger()).put("result", "queued")
                    .put("message", "waiting for its repository");
        }
        Optional<JobRun> done = service.jobs().get(id);
        if (done.isEmpty()) throw new BadRequest(404, "there is no job '" + id + "'");
        return job(done.get(), null);
    }

    static ObjectNode job(JobRun r, String progress) {
        ObjectNode o = r.toJson();
        if (progress != null) o.put("message", progress);
        return o;
    }

    // ------------------------------------------------------------------------------ snapshot browser

    /** The snapshot with this full ID in one of the plan's repositories, with its repository (opened, the caller closes {@code repos}). */
    private record Found(Repository repo, Snapshot snap, String repository) {}

    private Found find(Repositories repos, String hexId) throws BadRequest {
        if (!Id.isId(hexId) && hexId.matches("[0-9a-fA-F]{4,63}")) return findByPrefix(repos, hexId);
        if (!Id.isId(hexId)) throw new BadRequest(400, "'" + hexId + "' is not a snapshot ID (64 hex digits, or the first 4 or more of them)");
        Id id = Id.parse(hexId);
        List<String> problems = new ArrayList<>();
        for (String name : service.plan().repositories().keySet()) {
            Repository repo = readable(repos, name, problems);
            if (repo == null) continue;
            try {
                return new Found(repo, repo.loadSnapshot(id), name);
            } catch (Exception e) {
                // not in this one
            }
        }
        throw notFound("snapshot " + id.shortHex(), problems);
    }

    private static boolean nonEmpty(java.nio.file.Path t) throws BadRequest {
        try {
            return org.lifeboat.service.RestoreTarget.nonEmpty(t);
        } catch (org.lifeboat.service.RestoreTarget.Refused e) {
            throw new BadRequest(400, e.getMessage());
        }
    }

    /** A snapshot by the start of its ID, as restic takes one (the dashboard and logs show 8 digits). */
    private Found findByPrefix(Repositories repos, String prefix) throws BadRequest {
        List<String> problems = new ArrayList<>();
        for (String name : service.plan().repositories().keySet()) {
            Repository repo = readable(repos, name, problems);
            if (repo == null) continue;
            try {
                Snapshot sn = new org.lifeboat.repository.SnapshotFilter(List.of(), List.of(), List.of())
                        .resolve(repo.listSnapshots(w -> {}), prefix);
                return new Found(repo, sn, name);
            } catch (org.lifeboat.repository.SnapshotNotFoundException e) {
                if (e.getMessage().contains("ambiguous")) throw new BadRequest(400, e.getMessage());
            } catch (Exception e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        throw notFound("a snapshot whose ID starts with " + prefix.toLowerCase(java.util.Locale.ROOT), problems);
    }

    /** Repository {@code name} opened for reading, or null with why added to {@code problems}. */
    private static Repository readable(Repositories repos, String name, List<String> problems) {
        try {
            return repos.get(name);
        } catch (Exception e) {
            problems.add(name + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * 404 when every repository was read and none holds {@code what}; 503 naming the repositories
     * that could not be read (locked alone by another program, unreachable; brk13f F2), which may
     * hold it: "not found" would say a snapshot is gone that is only out of reach.
     */
    private static BadRequest notFound(String what, List<String> problems) {
        if (problems.isEmpty()) return new BadRequest(404, "no repository of the plan holds " + what);
        return new BadRequest(503, "no readable repository of the plan holds " + what + ", and some cannot be read now: "
                + String.join("; ", problems));
    }

    private void snapshotRoute(Context ctx, String hexId, String what, boolean post) throws Exception {
        if (!post && what.equals("restore")) throw notThisMethod(ctx, "POST", "a restore is started with POST and a JSON body");
        if (post) {
            if (!what.equals("restore")) {
                throw List.of("tree", "file", "archive").contains(what) ? notThisMethod(ctx, "GET, HEAD", null)
                        : new BadRequest(404, "no such API route");
            }
            JsonNode body = restoreBody(ctx);
            String path = body.get("path").asText();
            String target = body.get("target").asText();
            java.nio.file.Path t;
            try {
                t = org.lifeboat.service.RestoreTarget.check(service, target);
            } catch (org.lifeboat.service.RestoreTarget.Refused e) {
                throw new BadRequest(400, e.getMessage());
            }
            // as restore's own refusal: files already in the target are replaced only when the request says how
            String overwrite = body.has("overwrite") ? body.get("overwrite").asText() : null;
            if (overwrite != null) {
                try {
                    org.lifeboat.restore.RestoreOptions.Overwrite.parse(overwrite);
                } catch (IllegalArgumentException e) {
                    throw new BadRequest(400, "overwrite must be always, if-changed, if-newer or never, not '" + overwrite + "'");
                }
            } else if (nonEmpty(t)) {
                throw new BadRequest(400, "restore target " + target + " is not empty; say \"overwrite\": always, if-changed,"
                        + " if-newer or never");
            }
            String system;
            try (Repositories repos = service.openForReading()) {
                Found f = find(repos, hexId);
                hexId = f.snap().id().hex(); // the job takes the whole ID
                system = owner(f);
                TreeWalker.subtree(f.repo(), f.snap().tree(), clean(path));
            } catch (org.lifeboat.repository.RepositoryException e) {
                throw new BadRequest(400, e.getMessage());
            }
            String id = service.scheduler().submit(new JobRequest(system, JobKind.RESTORE, "manual",
                    Map.of("snapshot", hexId, "path", clean(path), "target", target,
                    // none given: the target was empty when looked at; what appears there meanwhile is kept (brk13g)
                    "overwrite", overwrite == null ? "never" : overwrite)));
            json(ctx, 202, Json.MAPPER.createObjectNode().put("job", id));
            return;
        }
        String asked = rawQueryParam(ctx.queryString(), "path");
        String path = clean(asked == null ? "/" : asked);
        try (Repositories repos = service.openForReading()) {
            Found f = find(repos, hexId);
            switch (what) {
                case "tree" -> {
                    Id tree = path.equals("/") ? f.snap().tree() : TreeWalker.subtree(f.repo(), f.snap().tree(), path);
                    ObjectNode o = Json.MAPPER.createObjectNode().put("snapshot", f.snap().id().hex()).put("path", path);
                    ArrayNode entries = o.putArray("entries");
                    for (Node n : TreeWalker.load(f.repo(), tree)) {
                        ObjectNode e = entries.addObject().put("name", n.name())
                                .put("path", (path.equals("/") ? "" : path) + "/" + n.name())
                                .put("type", switch (n.type()) {
                                    case DIR -> "dir";
                                    case FILE -> "file";
                                    case SYMLINK -> "symlink";
                                    default -> "other";
                                }).put("size", n.type() == NodeType.FILE ? n.size() : 0);
                        if (n.mtime() == null) e.putNull("mtime");
                        else e.put("mtime", n.mtime().toInstant().toString());
                    }
                    json(ctx, 200, o);
                }
                case "file" -> {
                    Node n = path.equals("/") ? null : TreeWalker.find(f.repo(), f.snap().tree(), path);
                    if (n == null || n.type() != NodeType.FILE) throw new BadRequest(400, path + " is not a file in snapshot " + f.snap().id().shortHex());
                    attachment(ctx, n.name(), "application/octet-stream");
                    // The bytes as stored, never re-encoded: a Content-Length must stay true (and
                    // compressing backups' content on the fly costs CPU for little).
                    ctx.disableCompression();
                    OutputStream out = new BufferedOutputStream(ctx.outputStream(), 1 << 16);
                    Dump.file(new BlobWindow(f.repo(), Cancel.NEVER), n, out);
                    out.flush(); // Javalin closes the response itself
                }
                case "archive" -> {
                    Dump.Format format;
                    try {
                        format = Dump.Format.parse(ctx.queryParam("format") == null ? "zip" : ctx.queryParam("format"));
                    } catch (IllegalArgumentException e) {
                        throw new BadRequest(400, e.getMessage());
                    }
                    Node folder = path.equals("/") ? null : TreeWalker.find(f.repo(), f.snap().tree(), path);
                    if (folder != null && folder.type() != NodeType.DIR) throw new BadRequest(400, path + " is not a folder");
                    Id tree = folder == null ? f.snap().tree() : folder.subtree();
                    String base = folder == null ? "snapshot-" + f.snap().id().shortHex() : folder.name();
                    attachment(ctx, base + (format == Dump.Format.ZIP ? ".zip" : ".tar"),
                            format == Dump.Format.ZIP ? "application/zip" : "application/x-tar");
                    ctx.disableCompression();
                    OutputStream out = new BufferedOutputStream(ctx.outputStream(), 1 << 16);
                    {
                        Dump.archive(f.repo(), new BlobWindow(f.repo(), Cancel.NEVER), tree, folder, format, out, new Dump.Problems() {
                            public void unsafeName(String member, String problem) {}

                            public void unsafeMember(String member) {}

                            public void sizeDiffers(String member, long size, long content) {}

                            public void damaged(String shown, Id t, List<String> problems) {}
                        });
                        out.flush();
                    }
                }
                default -> throw new BadRequest(404, "no such API route");
            }
        } catch (org.lifeboat.repository.RepositoryException e) {
            throw new BadRequest(404, e.getMessage());
        }
    }

    /** What a restore's body may name. */
    private static final List<String> RESTORE_KEYS = List.of("path", "target", "overwrite");
    private static final String RESTORE_EXAMPLE = "{\"path\": \"/folder\", \"target\": \"/restore/here\"}";

    /**
     * A restore's body read strictly (brk13c C9): UTF-8 JSON, one object, each key once, only
     * {@link #RESTORE_KEYS}, {@code path} and {@code target} given and every value a JSON string: a
     * body read loosely would restore something nobody asked for (the whole snapshot, a folder named
     * with replacement characters).
     */
    private static JsonNode restoreBody(Context ctx) throws IOException, BadRequest {
        byte[] bytes = body(ctx);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadRequest(400, "the body is not UTF-8 text: send the JSON in UTF-8, e.g. " + RESTORE_EXAMPLE);
        }
        JsonNode body;
        try {
            body = Json.MAPPER.reader().with(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
        } catch (IOException e) {
            java.util.regex.Matcher dup = java.util.regex.Pattern.compile("Duplicate field '([^']*)'").matcher(String.valueOf(e.getMessage()));
            if (dup.find()) throw new BadRequest(400, "the body names \"" + dup.group(1) + "\" twice; give each key once");
            throw new BadRequest(400, "the body must be JSON: " + RESTORE_EXAMPLE);
        }
        if (body == null || body.isMissingNode()) throw new BadRequest(400, "the body must be JSON: " + RESTORE_EXAMPLE);
        if (!body.isObject()) throw new BadRequest(400, "the body must be a JSON object: " + RESTORE_EXAMPLE);
        List<String> unknown = new ArrayList<>();
        body.fieldNames().forEachRemaining(k -> {
            if (!RESTORE_KEYS.contains(k)) unknown.add("\"" + k + "\"");
        });
        if (!unknown.isEmpty()) {
            throw new BadRequest(400, "a restore takes no " + String.join(", ", unknown) + "; its body names path, target and"
                    + " overwrite only");
        }
        if (!body.has("path")) throw new BadRequest(400, "give the folder of the snapshot to restore as path, e.g. \"/\"");
        if (!body.has("target")) throw new BadRequest(400, "give the folder to restore into as target, an absolute path");
        for (String k : RESTORE_KEYS) {
            if (body.has(k) && !body.get(k).isTextual()) {
                throw new BadRequest(400, k + " must be a JSON string (in quotes), not " + body.get(k));
            }
        }
        return body;
    }

    /** A 405 naming the methods {@code path} takes, in its {@code Allow} header and in words. */
    private static void methodNotAllowed(Context ctx, String path, String method) {
        String allow = allowed(path);
        ctx.header("Allow", allow);
        String words = allow.equals("GET, HEAD, POST") ? "GET, HEAD and POST" : allow.replace(", ", " and ");
        error(ctx, 405, method + " is not a method of " + path + ": it takes " + words);
    }

    /**
     * The methods a path takes, as an {@code Allow} header lists them (RFC 9110 §10.2.1): POST for the
     * routes that start something or log out, GET, HEAD and POST for the login page, GET and HEAD
     * for every other page and API route.
     */
    static String allowed(String path) {
        if (path.equals("/login")) return "GET, HEAD, POST";
        if (path.equals("/logout") || path.matches("/api/systems/[^/]+/(backup|drill)") || path.matches("/api/snapshots/[^/]+/restore")) {
            return "POST";
        }
        return "GET, HEAD";
    }

    /** A 405 for an API route that exists with other methods only, saying which ({@code allow}). */
    private static BadRequest notThisMethod(Context ctx, String allow, String how) {
        ctx.header("Allow", allow);
        return new BadRequest(405, ctx.method().name() + " is not a method of " + ctx.path() + ": it takes " + allow.replace(", ", " and ")
                + (how == null ? "" : " (" + how + ")"));
    }

    /** The plan's system whose snapshot this is (its tag), else the first system backed up to its repository. */
    private String owner(Found f) throws BadRequest {
        for (SystemSpec s : service.plan().systems().values()) {
            if (s.backup() != null && s.backup().repository().equals(f.repository()) && SystemSnapshots.matches(s, f.snap())) return s.name();
        }
        throw new BadRequest(400, "snapshot " + f.snap().id().shortHex() + " belongs to no system of the plan");
    }

    /** A path in a snapshot: absolute, without . or .. or empty parts. */
    static String clean(String path) throws BadRequest {
        // never stripped: a name may end in a space
        String p = path;
        if (p.isEmpty()) return "/";
        StringBuilder b = new StringBuilder();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new BadRequest(400, "a path with .. is not one in a snapshot");
            b.append('/').append(part);
        }
        return b.isEmpty() ? "/" : b.toString();
    }

    private static void attachment(Context ctx, String name, String type) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        // the name's own bytes, also those that are not UTF-8 (RawNames), percent-encoded but for RFC 8187's attr-char
        StringBuilder utf8 = new StringBuilder();
        // RFC 8187 wants UTF-8 there: a byte that is not (RawNames) is sent as U+FFFD, as restic's ls shows it
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            shown.append(org.lifeboat.fs.RawNames.isEscapedByte(c) || c == org.lifeboat.fs.RawNames.REPLACED_BYTE ? '\uFFFD' : c);
        }
        for (byte x : shown.toString().getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "!#$&+-.^_`|~".indexOf(c) >= 0)) utf8.append((char) c);
            else utf8.append('%').append(String.format("%02X", c));
        }
        ctx.contentType(type);
        // RFC 6266: an ASCII fallback and the exact name in RFC 8187 form
        ctx.header("Content-Disposition", "attachment; filename=\"" + safe + "\"; filename*=UTF-8''" + utf8);
    }

    /** Whether a Host header names this machine's loopback (127.0.0.1, [::1], localhost), with any port. */
    static boolean loopbackHost(String host) {
        if (host == null) return false;
        String h = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.replaceFirst(":[0-9]*$", "");
        return h.equals("127.0.0.1") || h.equals("[::1]") || h.equalsIgnoreCase("localhost");
    }

    /** A path segment as sent percent-encoded (RFC 3986): "%3C" is "<"; a '+' stays a '+'. */
    private static String decode(String segment) {
        try {
            return java.net.URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
