package org.lifeboat.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code lifeboat serve-repository}: restic's REST protocol over local folders, as restic's rest-server. */
@Command(name = "serve-repository",
        description = {"Serve the repositories under a folder over restic's REST protocol (v1 and v2), as restic's rest-server:",
                "restic and Lifeboat use them as rest:http://USER:PASSWORD@HOST:PORT/REPO/."},
        footer = {"", "Examples:",
                "  htpasswd -B -c /srv/restic/.htpasswd alice",
                "  lifeboat serve-repository --path /srv/restic --private-repos --append-only",
                "  lifeboat serve-repository --path /srv/restic --listen 0.0.0.0:8000",
                "  lifeboat serve-repository --path /srv --tls --tls-cert c.pem --tls-key k.pem"})
final class ServeRepositoryCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--path", required = true, paramLabel = "DIR", description = "the folder holding the repositories")
    Path path;

    @Option(names = "--listen", paramLabel = "ADDRESS", defaultValue = "127.0.0.1:8000",
            description = "the address to listen on (default: ${DEFAULT-VALUE}; port 0 picks a free one; :PORT for every interface)")
    String listen;

    @Option(names = "--htpasswd-file", paramLabel = "FILE", description = "users and bcrypt hashes (default: DIR/.htpasswd)")
    Path htpasswd;

    @Option(names = "--no-auth", description = "serve without authentication (anyone who reaches the port can read and write)")
    boolean noAuth;

    @Option(names = "--private-repos", description = "user X may only use /X/ and the repositories below it")
    boolean privateRepos;

    @Option(names = "--append-only", description = "refuse every DELETE but of lock files (backups cannot be removed through the server)")
    boolean appendOnly;

    @Option(names = "--tls", description = "serve HTTPS (needs --tls-cert and --tls-key)")
    boolean tls;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate (chain) for --tls")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key for --tls (unencrypted)")
    Path tlsKey;

    @Option(names = "--max-size", paramLabel = "BYTES", defaultValue = "0",
            description = "the most bytes all repositories together may hold; a write past it is refused with 507 (default: no limit)")
    long maxSize;

    @Option(names = "--prometheus", description = "serve metrics at /metrics (requests, bytes, errors by repository and file type)")
    boolean prometheus;

    @Option(names = "--prometheus-no-auth", description = "serve /metrics without authentication")
    boolean prometheusNoAuth;

    @Option(names = "--no-verify-upload", description = "do not check that an upload's SHA-256 is its name")
    boolean noVerifyUpload;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        if (maxSize < 0) throw new UserException("--max-size " + maxSize + " is negative; give the most bytes the repositories may hold");
        if (tls && (tlsCert == null || tlsKey == null)) throw new UserException("--tls needs --tls-cert FILE and --tls-key FILE (PEM)");
        if (!tls && (tlsCert != null || tlsKey != null)) throw new UserException("--tls-cert and --tls-key are used only with --tls");
        int colon = listen.lastIndexOf(':');
        if (colon < 0) throw new UserException("--listen " + listen + " is not of the form HOST:PORT (e.g. 127.0.0.1:8000)");
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = "0.0.0.0";
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new UserException("--listen " + listen + " has no port number from 0 to 65535");
        }
        Path pw = noAuth ? null : htpasswd != null ? htpasswd : path.resolve(".htpasswd");
        ServerOptions o = new ServerOptions(path, host, port, pw, noAuth, privateRepos, appendOnly, tls ? tlsCert : null,
                tls ? tlsKey : null, maxSize, prometheus, prometheusNoAuth, noVerifyUpload);
        RestServer server;
        String url;
        try {
            server = new RestServer(o);
            url = server.start();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        main.cancel.onCancel(stop::countDown);
        try (server) {
            ctx.out.println("serving " + path + " on " + url + (noAuth ? " without authentication" : "")
                    + (appendOnly ? " (append-only)" : ""));
            ctx.out.flush();
            stop.await();
        }
        return ExitCodes.OK;
    }
}
