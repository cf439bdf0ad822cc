package org.lifeboat.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The {@code rest:} backend: a server speaking restic's REST protocol (rest-server, Lifeboat's
 * serve-repository, {@code rclone serve restic}), as restic's rest backend does it.
 *
 * <p>Location: {@code rest:http://host:port/}, {@code rest:https://user:password@host:port/repo/}.
 * Credentials come from the URL or, when it has none, from {@code RESTIC_REST_USERNAME} and
 * {@code RESTIC_REST_PASSWORD} (as restic 0.17 and later); they are sent as HTTP Basic and never
 * shown ({@link Backends#redact}). Extra CA certificates for HTTPS (restic's {@code --cacert}):
 * PEM files in {@code LIFEBOAT_CACERT}, else {@code RESTIC_CACERT} (several separated by commas),
 * trusted besides the system's.
 *
 * <p>Protocol v2 is asked for when listing (names with sizes); a v1 answer (names only) is
 * accepted and the sizes asked for one by one. Statuses: 401 is {@link StorageError.Denied} with
 * "wrong user or password", 403 {@link StorageError.Denied} (for a save: {@link
 * StorageError.AlreadyExists} when the file is there, as rest-server refuses overwrites with
 * 403), 404 {@link StorageError.NotFound}, 416 {@link StorageError.BadRange}, 5xx and network
 * faults {@link StorageError.Transient}, 507 a permanent "repository server is full".
 */
final class RestBackend implements Backend {
    static final String V2 = "application/vnd.x.restic.rest.v2";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** restic's default number of connections of the rest backend. */
    static final int DEFAULT_CONNECTIONS = 5;

    private final URI base; // without user information, ending in "/"
    private final String shown;
    private final String authorization; // "Basic …" or null
    private final int connections;
    private final HttpClient http;

    /**
     * @param base        the repository's URL without user information, ending in "/"
     * @param shown       the location as messages show it (no password)
     * @param user        the user, or null for none
     * @param password    the password, or null
     * @param connections requests in flight at once
     * @param ssl         the TLS context (trusted certificates), or null for the default
     */
    RestBackend(URI base, String shown, String user, String password, int connections, SSLContext ssl) {
        this.base = base;
        this.shown = shown;
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        if (connections < 1) throw new IllegalArgumentException("rest.connections must be at least 1, not " + connections);
        this.connections = connections;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) b.sslContext(ssl);
        this.http = b.build();
    }

    /**
     * Opens {@code rest:SPEC}.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code rest:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be opened
     */
    static Backend open(String location, String spec, BackendOptions options) {
        return open(location, spec, options, System.getenv());
    }

    static RestBackend open(String location, String spec, BackendOptions options, Map<String, String> env) {
        String shown = Backends.redact(location);
        URI u;
        try {
            u = new URI(escapeUserInfoAts(spec));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("repository location '" + shown + "' is not a URL (rest:http://host:port/ or rest:https://user:password@host:port/repo/)");
        }
        // Go's url.Parse (restic) takes the scheme in any case
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme != null && (scheme.equals("http") || scheme.equals("https")) && u.getHost() == null
                && u.getRawAuthority() != null && u.getRawAuthority().replaceFirst("^.*@", "").matches("[^:]+:.*")) {
            throw new IllegalArgumentException("repository location '" + shown + "' has an invalid port (a number from 1 to 65535)");
        }
        if (u.getPort() > 65535) {
            throw new IllegalArgumentException("repository location '" + shown + "' has an invalid port (a number from 1 to 65535)");
        }
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("repository location '" + shown
                    + "' needs an http:// or https:// URL with a host (rest:http://host:port/ or rest:https://user:password@host:port/repo/)");
        }
        String user = null;
        String password = null;
        String info = u.getRawUserInfo();
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            user = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
            password = colon < 0 ? null : URLDecoder.decode(info.substring(colon + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        if (user == null || user.isEmpty()) {
            String eu = env.get("RESTIC_REST_USERNAME");
            if (eu != null && !eu.isEmpty()) {
                user = eu;
                password = env.get("RESTIC_REST_PASSWORD");
            }
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        if (!path.endsWith("/")) path += "/";
        URI base = URI.create(scheme + "://" + u.getRawAuthority().replaceFirst("^.*@", "") + path);
        int conns;
        try {
            conns = options.connections("rest", DEFAULT_CONNECTIONS);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-o rest.connections must be a whole number of at least 1");
        }
        return new RestBackend(base, shown, user, password, conns, scheme.equals("https") ? sslContext(env) : null);
    }

    /**
     * A password may hold "@" ({@code http://alice:P@ss@host/}): Go's url.Parse, and so restic,
     * ends the user information at the authority's LAST "@"; java.net.URI refuses the others, so
     * they are percent-encoded (and decoded again with the user information).
     */
    static String escapeUserInfoAts(String url) {
        int start = url.indexOf("://");
        if (start < 0) return url;
        start += 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) end++;
        int last = url.lastIndexOf('@', end - 1);
        if (last < start || url.indexOf('@', start) == last) return url;
        return url.substring(0, start) + url.substring(start, last).replace("@", "%40") + url.substring(last);
    }

    /** The default trust plus the PEM certificates named by LIFEBOAT_CACERT or RESTIC_CACERT; null for the default alone. */
    static SSLContext sslContext(Map<String, String> env) {
        String files = env.get("LIFEBOAT_CACERT");
        String var = "LIFEBOAT_CACERT";
        if (files == null || files.isBlank()) {
            files = env.get("RESTIC_CACERT");
            var = "RESTIC_CACERT";
        }
        if (files == null || files.isBlank()) return null;
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            sys.init((KeyStore) null);
            int n = 0;
            for (javax.net.ssl.TrustManager tm : sys.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (java.security.cert.X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("sys" + n++, c);
                }
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (String f : files.split(",")) {
                Path p = Path.of(f.strip());
                try (InputStream in = Files.newInputStream(p)) {
                    for (Certificate c : cf.generateCertificates(in)) ks.setCertificateEntry("ca" + n++, c);
                } catch (IOException | GeneralSecurityException e) {
                    throw new IllegalArgumentException(var + ": cannot read the CA certificate " + p + ": " + e.getMessage(), e);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(var + ": the CA certificates cannot be used: " + e.getMessage(), e);
        }
    }

    @Override
    public String location() {
        return shown;
    }

    @Override
    public int connections() {
        return connections;
    }

    /** A file as messages name it: the location and the file's path, one slash between them. */
    private String file(Handle h) {
        return shown + (shown.endsWith("/") ? "" : "/") + h;
    }

    private URI uri(Handle h) {
        return base.resolve(switch (h.type()) {
            case CONFIG -> "config";
            default -> h.type().folder() + "/" + h.name();
        });
    }

    private HttpRequest.Builder request(URI u) {
        HttpRequest.Builder b = HttpRequest.newBuilder(u);
        if (authorization != null) b.header("Authorization", authorization);
        return b;
    }

    /**
     * Sends a request. A lock file's request is made even on an interrupted thread (a lock must
     * be released); others stop with an InterruptedIOException.
     */
    private <T> HttpResponse<T> send(Handle h, HttpRequest req, HttpResponse.BodyHandler<T> body) throws IOException {
        boolean keepInterrupt = h != null && h.type() == FileType.LOCK && Thread.interrupted();
        try {
            return http.send(req, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while talking to " + shown);
        } catch (java.net.ConnectException e) {
            throw new StorageError.Transient("cannot connect to " + shown + ": " + (e.getMessage() == null ? "connection refused" : e.getMessage()), e);
        } catch (javax.net.ssl.SSLHandshakeException e) {
            throw new IOException("the TLS certificate of " + shown + " is not trusted: " + e.getMessage()
                    + " (name a CA certificate in LIFEBOAT_CACERT or RESTIC_CACERT)", e);
        } catch (IOException e) {
            if (e instanceof InterruptedIOException) throw e;
            throw new StorageError.Transient("request to " + shown + " failed: " + e, e);
        } finally {
            if (keepInterrupt) Thread.currentThread().interrupt();
        }
    }

    /** The failure for a status other than the ones the caller handles. */
    private IOException failure(String what, int status) {
        String target = shown + (what.isEmpty() ? "" : " (" + what + ")");
        return switch (status) {
            case 401 -> new StorageError.Denied(shown, authorization == null
                    ? "the server asks for a user and password (401 Unauthorized): give them in the location"
                            + " (rest:https://USER:PASSWORD@host/repo/) or in RESTIC_REST_USERNAME and RESTIC_REST_PASSWORD"
                    : "wrong user or password (401 Unauthorized)");
            case 403 -> new StorageError.Denied(target, "the server refuses this (403 Forbidden)");
            case 404 -> new StorageError.NotFound(target);
            case 416 -> new StorageError.BadRange(target + ": the range asked for is past the file's end (416)");
            case 507 -> new IOException("the repository server " + shown + " is full (507 Insufficient Storage): free space there or raise its --max-size");
            default -> status >= 500
                    ? new StorageError.Transient("the repository server " + shown + " failed with status " + status + " for " + what, null)
                    : new IOException("the repository server " + shown + " answered status " + status + " for " + (what.isEmpty() ? "a request" : what));
        };
    }

    @Override
    public void create() throws IOException {
        if (exists(Handle.CONFIG)) throw new StorageError.AlreadyExists(file(Handle.CONFIG), "a repository already exists here");
        HttpResponse<String> r = send(null, request(base.resolve("?create=true"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw failure("create", r.statusCode());
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        HttpResponse<Void> r = send(h, request(uri(h)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 404) throw Backend.missing(h, shown);
        if (r.statusCode() != 200) throw failure(h.toString(), r.statusCode());
        long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (size < 0) throw new IOException("the repository server " + shown + " gave no size for " + h);
        return new FileStat(size, modified(r), null);
    }

    private static Instant modified(HttpResponse<?> r) {
        return r.headers().firstValue("Last-Modified").map(v -> {
            try {
                return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                return null;
            }
        }).orElse(null);
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        Backend.checkRange(offset, length);
        HttpRequest.Builder req = request(uri(h)).GET();
        if (length > 0) req.header("Range", "bytes=" + offset + "-" + (offset + length - 1));
        else if (offset > 0) req.header("Range", "bytes=" + offset + "-");
        HttpResponse<InputStream> r = send(h, req.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            int status = r.statusCode();
            if (status == 404) throw Backend.missing(h, shown);
            if (status == 416) {
                // "bytes=SIZE-" is unsatisfiable in HTTP, but a load from the very end reads nothing
                if (length == 0 && stat(h).size() == offset) {
                    consumer.read(InputStream.nullInputStream());
                    return;
                }
                throw new StorageError.BadRange(file(h) + ": file ends before offset " + (offset + length));
            }
            if (status != 200 && status != 206) throw failure(h.toString(), status);
            long total;
            long skip = 0;
            if (status == 206) {
                // "bytes FROM-TO/SIZE": the file's size tells whether the range was cut short
                String cr = r.headers().firstValue("Content-Range").orElse("");
                int slash = cr.lastIndexOf('/');
                total = slash < 0 ? -1 : parseLong(cr.substring(slash + 1));
            } else {
                total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                skip = offset; // a server that ignores Range sends the whole file
            }
            long end = length == 0 ? total : offset + length;
            if (total >= 0 && (offset > total || end > total)) {
                throw new StorageError.BadRange(file(h) + ": file ends before offset " + end + " (it has " + total + " bytes)");
            }
            InputStream in = new TransientOnFailure(body);
            if (skip > 0) in.skipNBytes(skip);
            if (status == 200 && length > 0) in = new BoundedStream(in, length);
            consumer.read(in);
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A response body whose read failures (a dropped connection) are transient, so that the load is retried. */
    private final class TransientOnFailure extends FilterInputStream {
        TransientOnFailure(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw wrap(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw wrap(e);
            }
        }

        private IOException wrap(IOException e) {
            if (e instanceof StorageError || e instanceof InterruptedIOException) return e;
            return new StorageError.Transient("reading from " + shown + " failed: " + e, e);
        }
    }

    /** At most {@code left} bytes of a stream. */
    private static final class BoundedStream extends FilterInputStream {
        private long left;

        BoundedStream(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int c = super.read();
            if (c >= 0) left--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        if (options.retention() != null && options.retention() != PutOptions.Retention.NONE) {
            throw new StorageError.Denied(file(h), "a REST server keeps no retention (only S3 with Object Lock does)");
        }
        HttpResponse<String> r = send(h, request(uri(h)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data, offset, length)).build(), HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status == 200 || status == 201 || status == 204) return;
        if (status == 403 && exists(h)) {
            throw new StorageError.AlreadyExists(file(h), "the file already exists; repository files are written once");
        }
        if (status == 400) {
            throw new IOException("the repository server " + shown + " refused " + h + " (400 Bad Request: " + r.body().strip() + ")");
        }
        throw failure(h.toString(), status);
    }

    @Override
    public void remove(Handle h) throws IOException {
        HttpResponse<Void> r = send(h, request(uri(h)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        int status = r.statusCode();
        if (status == 200 || status == 204 || status == 404) return;
        if (status == 403) throw new StorageError.Denied(file(h), "the server refuses to delete it (403 Forbidden; an append-only server deletes only locks)");
        throw failure(h.toString(), status);
    }

    /**
     * Asks the server to delete a file of that type no repository holds (an all-zero ID): rest-server
     * and Lifeboat's server answer an append-only refusal (403) before they look for the file, and
     * 404 otherwise, so nothing changes either way.
     */
    @Override
    public void checkRemovals(FileType type) throws IOException {
        if (type == FileType.CONFIG) throw new IllegalArgumentException("the config is never removed through checkRemovals");
        Handle probe = new Handle(type, "0".repeat(64));
        HttpResponse<Void> r = send(probe, request(uri(probe)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        int status = r.statusCode();
        if (status == 200 || status == 204 || status == 404) return;
        if (status == 403) {
            throw new StorageError.Denied(shown + (shown.endsWith("/") ? "" : "/") + type.folder() + "/",
                    "403 Forbidden: an append-only server deletes only locks");
        }
        throw failure(probe.toString(), status);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        if (ConfigListing.listed(this, type, fn)) return;
        HttpResponse<String> r = send(null, request(base.resolve(type.folder() + "/")).header("Accept", V2).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) return;
        if (r.statusCode() != 200) throw failure(type.folder() + "/", r.statusCode());
        JsonNode all;
        try {
            all = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new StorageError.Transient("the repository server " + shown + " sent a listing of " + type.folder() + "/ that is not JSON", e);
        }
        if (all == null || all.isNull()) return; // rest-server sends null for an empty folder
        if (!all.isArray()) throw new IOException("the repository server " + shown + " sent a listing of " + type.folder() + "/ that is not a list");
        boolean v2 = r.headers().firstValue("Content-Type").map(c -> c.startsWith(V2)).orElse(false);
        for (JsonNode e : all) {
            if (v2 || e.isObject()) {
                String name = e.path("name").asText("");
                if (Backend.isId(name)) fn.accept(new FileInfo(name, e.path("size").asLong(-1)));
            } else {
                String name = e.asText("");
                if (!Backend.isId(name)) continue;
                // v1 names only: the sizes are asked for one by one, as restic does
                fn.accept(new FileInfo(name, stat(new Handle(type, name)).size()));
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
