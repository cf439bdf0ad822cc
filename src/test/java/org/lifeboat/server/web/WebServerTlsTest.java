package org.lifeboat.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Proc;

/** The dashboard over HTTPS (issue 13): a certificate and its key serve; a key of another certificate is refused at start. */
class WebServerTlsTest {
    @TempDir
    Path dir;

    private Path[] pair(String name) {
        Path key = dir.resolve(name + "-key.pem"), cert = dir.resolve(name + "-cert.pem");
        var r = Proc.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1"), java.util.Map.of(), dir, null, 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        return new Path[] {cert, key};
    }

    @Test
    void servesHttpsWithItsCertificateAndRefusesAKeyOfAnother() throws Exception {
        ServeFixture.repository(dir, "main");
        Files.createDirectories(dir.resolve("src"));
        Path[] a = pair("a"), b = pair("b");
        try (ServeFixture serve = new ServeFixture(dir.resolve("s"), """
                state-dir: ${DIR}/state
                repositories:
                %s
                systems:
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: main, sources: [ { path: %s } ] }
                """.formatted(ServeFixture.repositoryLine(dir, "main").stripTrailing(), dir.resolve("src")), null, "h")) {
            WebServer good = new WebServer(serve.service, new WebServer.Options("127.0.0.1", 0, a[0], a[1]), "pw");
            try {
                assertThat(good.start()).startsWith("https://127.0.0.1:");
            } finally {
                good.close();
            }
            WebServer bad = new WebServer(serve.service, new WebServer.Options("127.0.0.1", 0, a[0], b[1]), "pw");
            try {
                assertThatThrownBy(bad::start).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("the TLS key " + b[1] + " does not belong to the certificate " + a[0] + " (serve tls)");
            } finally {
                bad.close();
            }
            WebServer none = new WebServer(serve.service, new WebServer.Options("127.0.0.1", 0, dir.resolve("nope.pem"), b[1]), "pw");
            assertThatThrownBy(none::start).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("serve tls: cannot read ").hasMessageEndingWith("nope.pem: it does not exist")
                    .message().doesNotContain("--tls");
        }
    }
}
