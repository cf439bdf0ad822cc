package org.lifeboat.server.rest;

import java.nio.file.Path;

/**
 * How {@link RestServer} serves: rest-server's flags.
 *
 * @param root             the folder holding the repositories (--path); nothing is ever written outside it
 * @param host             the address to bind (--listen, 127.0.0.1 by default)
 * @param port             the port to bind, 0 for any free one
 * @param htpasswd         the htpasswd file, or null with {@code noAuth}
 * @param noAuth           no authentication at all (--no-auth, explicit)
 * @param privateRepos     user X may only use /X/ and below (--private-repos)
 * @param appendOnly       only lock files may be deleted (--append-only)
 * @param tlsCert          PEM certificate (chain) for TLS, or null for plain HTTP
 * @param tlsKey           PEM private key for TLS, or null for plain HTTP
 * @param maxSize          quota over the whole root in bytes (--max-size), 0 for none
 * @param prometheus       serve /metrics (--prometheus)
 * @param prometheusNoAuth /metrics without authentication (--prometheus-no-auth)
 * @param noVerifyUpload   skip the SHA-256 check of uploads named by an ID (--no-verify-upload)
 */
public record ServerOptions(Path root, String host, int port, Path htpasswd, boolean noAuth, boolean privateRepos,
        boolean appendOnly, Path tlsCert, Path tlsKey, long maxSize, boolean prometheus, boolean prometheusNoAuth,
        boolean noVerifyUpload) {}
