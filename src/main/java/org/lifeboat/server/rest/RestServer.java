package org.lifeboat.server.rest;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A server for restic's REST protocol (v1 and v2) over local folders, as restic's rest-server:
 * {@code lifeboat serve-repository}. Every folder below the root can be a repository ({@code
 * /}, {@code /alice/}, {@code /alice/laptop/}); its files are laid out as restic's local backend.
 *
 * <p>Requests: {@code POST /REPO/?create=true} makes the layout; {@code HEAD|GET|POST|DELETE
 * /REPO/config}; {@code GET /REPO/TYPE/} lists (v2 with names and sizes when asked for with
 * {@code Accept: application/vnd.x.restic.rest.v2}, else v1 names); {@code HEAD|GET|POST|DELETE
 * /REPO/TYPE/ID} (GET honours one {@code Range}). Answers as rest-server's: an upload to a taken
 * name is 403, a missing file 404, a bad range 416, an upload whose SHA-256 is not its name 400,
 * a quota passed 507, wrong credentials 401 with {@code WWW-Authenticate}, a DELETE other than of
 * a lock in append-only mode 403; a path with {@code ..}, a hidden or empty segment, a NUL or a
 * link out of the root is 400, and nothing is ever read or written outside the root.
 */
public final class RestServer implements AutoCloseable {
    static final String V1 = "application/vnd.x.restic.rest.v1";
    static final String V2 = "application/vnd.x.restic.rest.v2";
    private static final int CHUNK = 256 * 1024;
    private static final Map<String, org.lifeboat.backend.FileType> TYPES = Map.of(
            "data", org.lifeboat.backend.FileType.DATA, "keys", org.lifeboat.backend.FileType.KEY,
            "locks", org.lifeboat.backend.FileType.LOCK, "snapshots", org.lifeboat.backend.FileType.SNAPSHOT,
            "index", org.lifeboat.backend.FileType.INDEX);

    private final ServerOptions opt;
    private final RepoFiles files;
    private final Htpasswd users;
    private final PrometheusMeterRegistry registry;
    private Javalin app;

    /**
     * Checks the options (nothing is bound yet).
     *
     * @throws IllegalArgumentException with one sentence: the root is not a folder, no htpasswd file
     *     and no --no-auth, an htpasswd file that cannot be used, a TLS file that cannot be used
     * @throws IOException when the root cannot be read to count the quota's usage
     */
    public RestServer(ServerOptions opt) throws IOException {
        this.opt = opt;
        if (!Files.isDirectory(opt.root())) {
            throw new IllegalArgumentException("--path " + opt.root() + " is not a folder (create it first)");
        }
        if (opt.noAuth()) {
            users = null;
        } else {
            if (opt.htpasswd() == null || !Files.isRegularFile(opt.htpasswd())) {
                throw new IllegalArgumentException("no htpasswd file at " + opt.htpasswd()
                        + ": give one with --htpasswd-file, or serve without authentication with --no-auth");
            }
            users = new Htpasswd(opt.htpasswd());
        }
        if ((opt.tlsCert() == null) != (opt.tlsKey() == null)) {
            throw new IllegalArgumentException("--tls needs both --tls-cert and --tls-key");
        }
        long used = opt.maxSize() > 0 ? RepoFiles.usage(opt.root()) : 0;
        files = new RepoFiles(opt.root(), new RepoFiles.Quota(opt.maxSize(), used));
        registry = opt.prometheus() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    }

    /**
     * Binds and serves.
     *
     * @return the URL served, with the port bound (e.g. {@code http://127.0.0.1:8000/})
     * @throws IllegalArgumentException when the address cannot be bound (one sentence)
     */
    public String start() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            if (opt.tlsCert() != null) {
                char[] pw = Long.toHexString(new java.security.SecureRandom().nextLong()).toCharArray();
                java.security.KeyStore ks = Pem.keyStore(opt.tlsCert(), opt.tlsKey(), pw);
                cfg.jetty.addConnector((server, http) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(ks);
                    ssl.setKeyStorePassword(new String(pw));
                    ServerConnector c = new ServerConnector(server, ssl);
                    c.setHost(opt.host());
                    c.setPort(opt.port());
                    return c;
                });
            }
            for (String path : List.of("/", "/*")) {
                cfg.routes.get(path, this::handle);
                cfg.routes.head(path, this::handle);
                cfg.routes.post(path, this::handle);
                cfg.routes.delete(path, this::handle);
            }
        });
        try {
            if (opt.tlsCert() != null) app.start();
            else app.start(opt.host(), opt.port());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot listen on " + opt.host() + ":" + opt.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        String host = opt.host().contains(":") ? "[" + opt.host() + "]" : opt.host();
        return (opt.tlsCert() != null ? "https" : "http") + "://" + host + ":" + app.port() + "/";
    }

    /** Stops serving; requests in flight are ended. */
    @Override
    public void close() {
        if (app != null) app.stop();
    }

    // ------------------------------------------------------------------------- requests

    /** A request's target after the path was checked. */
    private record Target(List<String> repo, org.lifeboat.backend.FileType type, String name, boolean list) {
        String repoName() {
            return repo.isEmpty() ? "/" : String.join("/", repo);
        }

        String typeName() {
            if (type == null) return "repo";
            return type.folder();
        }
    }

    private void handle(Context ctx) throws IOException {
        HttpServletResponse res = ctx.res();
        String method = ctx.method().name();
        String raw = ctx.req().getRequestURI();
        if (registry != null && raw.equals("/metrics") && method.equals("GET")) {
            if (!opt.prometheusNoAuth() && authenticate(ctx) == null) return;
            res.setContentType("text/plain; version=0.0.4; charset=utf-8");
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            res.setContentLength(body.length);
            res.getOutputStream().write(body);
            return;
        }
        String user = null;
        if (users != null) {
            user = authenticate(ctx);
            if (user == null) return;
        }
        Target t = parse(raw);
        if (t == null) {
            error(ctx, null, 400, "bad path");
            return;
        }
        if (opt.privateRepos() && (t.repo().isEmpty() || !t.repo().getFirst().equals(user))) {
            // The credentials are right, the place is another user's: forbidden, not unauthorised.
            error(ctx, t, 403, "private repository of another user");
            return;
        }
        count(t, "requests", method);
        try {
            serve(ctx, t, method);
        } catch (RepoFiles.OutsideRoot e) {
            error(ctx, t, 400, e.getMessage());
        } catch (RepoFiles.QuotaExceeded e) {
            discardBody(ctx);
            error(ctx, t, 507, e.getMessage());
        } catch (RepoFiles.HashMismatch e) {
            error(ctx, t, 400, e.getMessage());
        } catch (FileAlreadyExistsException e) {
            // refused before its body was read (another writer won): drained, as for 507, so the
            // kernel sends no reset that destroys the answer or the kept-alive connection
            discardBody(ctx);
            error(ctx, t, 403, "file already exists");
        } catch (NoSuchFileException e) {
            error(ctx, t, 404, "not found");
        } catch (java.io.EOFException e) {
            error(ctx, t, 400, "the request body ended early");
        } catch (IOException e) {
            if (idleTimeout(e)) {
                // The client stopped sending (Jetty's idle timeout): its fault, not the server's, so
                // 408 (a 5xx would be retried as a server fault), and a plain log line.
                System.err.println("serve-repository: " + method + " " + raw + ": the client sent nothing for "
                        + "too long; the upload was dropped (nothing kept)");
                error(ctx, t, 408, "request body timed out");
                return;
            }
            System.err.println("serve-repository: " + method + " " + raw + ": " + e);
            error(ctx, t, 500, "internal error");
        }
    }

    /**
     * Reads and drops what is left of a refused upload's body, up to {@link #DRAIN_LIMIT} bytes.
     * Why: a server that answers early and closes with unread bytes in its socket makes the kernel
     * send a TCP reset, which can destroy the answer before the client reads it; the client then sees
     * "connection closed" instead of 507. Bodies larger than the limit are left (Jetty closes).
     */
    private static void discardBody(Context ctx) {
        try {
            java.io.InputStream in = ctx.req().getInputStream();
            byte[] buf = new byte[64 << 10];
            long left = DRAIN_LIMIT;
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0; ) left -= n;
        } catch (IOException e) {
            // The client went away or sent less: nothing left to protect.
        }
    }

    /** 128 MiB: restic's largest pack size, so any upload a restic client makes is drained. */
    private static final long DRAIN_LIMIT = 128L << 20;

    /** True when {@code e} comes from the connection's idle timeout (a client that stalled mid-body). */
    static boolean idleTimeout(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.util.concurrent.TimeoutException) return true;
        }
        return false;
    }

    private void serve(Context ctx, Target t, String method) throws IOException {
        Path repo = files.repo(t.repo());
        HttpServletResponse res = ctx.res();
        if (t.type() == null) {
            if (!method.equals("POST")) {
                methodNotAllowed(ctx, t, "POST");
                return;
            }
            if (!"true".equals(ctx.queryParam("create"))) {
                error(ctx, t, 400, "POST to a repository needs ?create=true");
                return;
            }
            files.create(repo);
            return;
        }
        if (t.list()) {
            if (!method.equals("GET")) {
                methodNotAllowed(ctx, t, "GET");
                return;
            }
            List<org.lifeboat.backend.FileInfo> all = new java.util.ArrayList<>(files.list(repo, t.type()));
            // a pack outside its folder, or a folder with a pack's name, cannot be served by its name
            if (t.type() == org.lifeboat.backend.FileType.DATA) all.removeIf(f -> !f.file() || f.misplaced());
            boolean v2 = V2.equals(ctx.header("Accept"));
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < all.size(); i++) {
                if (i > 0) sb.append(',');
                org.lifeboat.backend.FileInfo f = all.get(i);
                // names are 64-hex IDs (the listing skips others): no escaping needed
                if (v2) sb.append("{\"name\":\"").append(f.name()).append("\",\"size\":").append(f.size()).append('}');
                else sb.append('"').append(f.name()).append('"');
            }
            byte[] body = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
            res.setContentType(v2 ? V2 : V1);
            res.setContentLength(body.length);
            res.getOutputStream().write(body);
            return;
        }
        Path file = RepoFiles.file(repo, t.type(), t.name());
        switch (method) {
            case "HEAD" -> {
                res.setContentLengthLong(files.size(file));
                res.setDateHeader("Last-Modified", Files.getLastModifiedTime(file).toMillis());
            }
            case "GET" -> get(ctx, t, file);
            case "POST" -> {
                // Files go only into a repository made by a create (no folders made on the way, as rest-server).
                if (!Files.isDirectory(repo)) throw new NoSuchFileException(repo.toString());
                String expect = opt.noVerifyUpload() || t.type() == org.lifeboat.backend.FileType.CONFIG ? null : t.name();
                long n = files.save(file, ctx.req().getInputStream(), ctx.req().getContentLengthLong(), expect);
                add(t, "write", n);
            }
            case "DELETE" -> {
                if (opt.appendOnly() && t.type() != org.lifeboat.backend.FileType.LOCK) {
                    error(ctx, t, 403, "append-only: only locks may be deleted");
                    return;
                }
                files.remove(file);
            }
            default -> methodNotAllowed(ctx, t, "HEAD, GET, POST, DELETE");
        }
    }

    private void get(Context ctx, Target t, Path file) throws IOException {
        HttpServletResponse res = ctx.res();
        try (FileChannel ch = files.open(file)) {
            long size = ch.size();
            long from = 0;
            long to = size; // exclusive
            String range = ctx.header("Range");
            if (range != null) {
                long[] r = range(range, size);
                if (r == null) {
                    res.setHeader("Content-Range", "bytes */" + size);
                    error(ctx, t, 416, "range not satisfiable");
                    return;
                }
                if (r.length == 2) {
                    from = r[0];
                    to = r[1];
                    res.setStatus(206);
                    res.setHeader("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
                }
            }
            res.setContentType("application/octet-stream");
            res.setHeader("Accept-Ranges", "bytes");
            res.setDateHeader("Last-Modified", Files.getLastModifiedTime(file).toMillis());
            res.setContentLengthLong(to - from);
            OutputStream out = res.getOutputStream();
            byte[] buf = new byte[CHUNK];
            long sent = 0;
            for (long pos = from; pos < to; ) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) Math.min(CHUNK, to - pos));
                int n = ch.read(bb, pos);
                if (n < 0) break;
                out.write(buf, 0, n);
                pos += n;
                sent += n;
            }
            add(t, "read", sent);
        }
    }

    /**
     * One byte range of a {@code Range} header: {from, to (exclusive)}; an empty array to ignore
     * the header (several ranges or not bytes: the whole file is sent, as HTTP allows); null when
     * it cannot be satisfied (416).
     */
    static long[] range(String header, long size) {
        String h = header.strip();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) return new long[0];
        String spec = h.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) return new long[0];
        try {
            String a = spec.substring(0, dash).strip();
            String b = spec.substring(dash + 1).strip();
            if (a.isEmpty()) { // the last N bytes
                long n = Long.parseLong(b);
                if (n <= 0) return null;
                return new long[] {Math.max(0, size - n), size};
            }
            long from = Long.parseLong(a);
            long to = b.isEmpty() ? size : Math.min(size, Long.parseLong(b) + 1);
            if (from >= size || to <= from) return null;
            return new long[] {from, to};
        } catch (NumberFormatException e) {
            return new long[0];
        }
    }

    /**
     * The target of a raw (still percent-encoded) request path, or null for one that is refused:
     * an empty, hidden ({@code .}, {@code ..}, {@code .x}) or encoded-slash segment, a NUL or a
     * control character, a backslash.
     */
    static Target parse(String rawPath) {
        if (!rawPath.startsWith("/")) return null;
        boolean slash = rawPath.endsWith("/");
        String body = rawPath.substring(1, slash && rawPath.length() > 1 ? rawPath.length() - 1 : rawPath.length());
        List<String> seg = new ArrayList<>();
        if (!body.isEmpty()) {
            for (String s : body.split("/", -1)) {
                String d = decode(s);
                if (d == null || d.isEmpty() || d.startsWith(".") || d.indexOf('/') >= 0 || d.indexOf('\\') >= 0) return null;
                for (int i = 0; i < d.length(); i++) if (d.charAt(i) < 0x20 || d.charAt(i) == 0x7f) return null;
                seg.add(d);
            }
        }
        int n = seg.size();
        if (!slash && n >= 1 && seg.get(n - 1).equals("config")) {
            return new Target(List.copyOf(seg.subList(0, n - 1)), org.lifeboat.backend.FileType.CONFIG, "", false);
        }
        if (!slash && n >= 2 && TYPES.containsKey(seg.get(n - 2)) && isId(seg.get(n - 1))) {
            return new Target(List.copyOf(seg.subList(0, n - 2)), TYPES.get(seg.get(n - 2)), seg.get(n - 1), false);
        }
        if (slash && n >= 1 && TYPES.containsKey(seg.get(n - 1))) {
            return new Target(List.copyOf(seg.subList(0, n - 1)), TYPES.get(seg.get(n - 1)), "", true);
        }
        return new Target(List.copyOf(seg), null, "", false);
    }

    private static boolean isId(String s) {
        return s.matches("[0-9a-f]{64}");
    }

    /** Percent-decoding as UTF-8 ('+' stays), null when malformed. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return null;
                int v = java.util.HexFormat.fromHexDigits(s, i + 1, i + 3);
                out.write(v);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The user of valid Basic credentials, or null after answering 401. */
    private String authenticate(Context ctx) throws IOException {
        String h = ctx.header("Authorization");
        if (h != null && h.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                if (colon > 0 && users.check(pair.substring(0, colon), pair.substring(colon + 1))) return pair.substring(0, colon);
            } catch (IllegalArgumentException e) {
                // malformed base64: the same 401
            }
        }
        ctx.res().setHeader("WWW-Authenticate", "Basic realm=\"restic\"");
        error(ctx, null, 401, "Unauthorized");
        return null;
    }

    private void methodNotAllowed(Context ctx, Target t, String allowed) throws IOException {
        ctx.res().setHeader("Allow", allowed);
        error(ctx, t, 405, "method not allowed");
    }

    private void error(Context ctx, Target t, int status, String message) throws IOException {
        HttpServletResponse res = ctx.res();
        res.setStatus(status);
        if (registry != null && t != null) {
            Counter.builder("rest_server_errors").description("requests answered with an error")
                    .tags("repo", t.repoName(), "type", t.typeName(), "status", Integer.toString(status)).register(registry).increment();
        }
        if (ctx.method().name().equals("HEAD")) return;
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        res.setContentType("text/plain; charset=utf-8");
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    private void count(Target t, String what, String method) {
        if (registry == null) return;
        Counter.builder("rest_server_" + what).description("requests served")
                .tags("repo", t.repoName(), "type", t.typeName(), "method", method.toLowerCase(Locale.ROOT))
                .register(registry).increment();
    }

    private void add(Target t, String direction, long bytes) {
        if (registry == null) return;
        Counter.builder("rest_server_bytes").description("bytes of repository files read and written").baseUnit("bytes")
                .tags("repo", t.repoName(), "type", t.typeName(), "direction", direction).register(registry).increment(bytes);
    }
}
