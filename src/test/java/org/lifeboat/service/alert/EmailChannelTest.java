package org.lifeboat.service.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mails through GreenMail's real SMTP server, with authentication; STARTTLS (RFC 3207) through a
 * small TLS front in this test, because GreenMail 2.1.8's SMTP has no STARTTLS command (GreenMail
 * issue #135): the front answers EHLO and STARTTLS itself, then relays the decrypted session to
 * GreenMail, which does the rest of the SMTP dialogue.
 */
class EmailChannelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String LOGIN = "lifeboat";
    private static final String PASSWORD = "Corr3ct-Horse-Battery";
    private static final List<String> TO = List.of("ops@example.com", "dba@example.org");

    private GreenMail greenMail;
    private int port;

    @BeforeEach
    void start() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        greenMail.setUser("lifeboat@example.com", LOGIN, PASSWORD);
        port = greenMail.getSmtp().getPort();
    }

    @AfterEach
    void stop() {
        greenMail.stop();
    }

    private EmailChannel channel(int port, String password, boolean starttls, Properties extra) {
        return new EmailChannel(TO, "lifeboat@example.com", "127.0.0.1", port, LOGIN, password, starttls, TIMEOUT, extra);
    }

    @Test
    void sendsAPlainTextMailWithAuthentication() throws Exception {
        var ch = channel(port, PASSWORD, false, new Properties());
        assertThat(ch.describe()).isEqualTo("email to ops@example.com, dba@example.org");
        ch.send(AlertTest.sample(Alert.Event.ALERT));

        assertThat(greenMail.waitForIncomingEmail(TIMEOUT.toMillis(), 2)).isTrue();
        MimeMessage[] got = greenMail.getReceivedMessages();
        assertThat(got).hasSize(2); // one copy per recipient's mailbox
        for (MimeMessage m : got) {
            assertReceived(m, "[Lifeboat] ALERT files: RPO breached");
        }
    }

    @Test
    void aWrongPasswordFailsWithoutShowingIt() {
        var ch = channel(port, "Wrong-Secret-Pw", false, new Properties());
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("Could not send the alert email through 127.0.0.1:" + port + ": ")
                .hasMessageNotContaining("Wrong-Secret-Pw");
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsRequiredRefusesAServerWithoutIt() {
        // GreenMail does not offer STARTTLS: the channel must stop rather than log in in plain text.
        var ch = channel(port, PASSWORD, true, new Properties());
        assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("Could not send the alert email through 127.0.0.1:" + port + ": ")
                .hasMessageContaining("STARTTLS")
                .hasMessageNotContaining(PASSWORD);
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void sendsOverStarttls(@TempDir Path tmp) throws Exception {
        try (var front = new StartTlsFront(tlsContext(tmp), port)) {
            Properties trust = new Properties();
            trust.setProperty("mail.smtp.ssl.trust", "127.0.0.1"); // the test's self-signed certificate
            channel(front.port(), PASSWORD, true, trust).send(AlertTest.sample(Alert.Event.RESOLVED));

            assertThat(greenMail.waitForIncomingEmail(TIMEOUT.toMillis(), 2)).isTrue();
            for (MimeMessage m : greenMail.getReceivedMessages()) {
                assertReceived(m, "[Lifeboat] RESOLVED files: RPO breached");
            }
            assertThat(front.protocols).singleElement().asString().startsWith("TLSv1.");
            // Nothing but the greeting's EHLO and STARTTLS travelled in plain text: no AUTH.
            assertThat(front.plainCommands).hasSize(2);
            assertThat(front.plainCommands.get(0)).startsWith("EHLO ");
            assertThat(front.plainCommands.get(1)).isEqualTo("STARTTLS");
        }
    }

    @Test
    void starttlsVerifiesTheCertificateInProduction(@TempDir Path tmp) throws Exception {
        try (var front = new StartTlsFront(tlsContext(tmp), port)) {
            // The public constructor: the JVM's trust store, which does not know the test's certificate.
            var ch = new EmailChannel(TO, "lifeboat@example.com", "127.0.0.1", front.port(), LOGIN, PASSWORD, true,
                    TIMEOUT);
            assertThatThrownBy(() -> ch.send(AlertTest.sample(Alert.Event.ALERT)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("Could not send the alert email through 127.0.0.1:" + front.port() + ": the certificate of"
                            + " 127.0.0.1:" + front.port() + " is not trusted (it is not signed by a CA in the JVM's trust"
                            + " store; a private CA must be imported into that trust store, e.g. with keytool -importcert).")
                    .hasMessageNotContaining(PASSWORD);
            assertThat(front.protocols).isEmpty();
            assertThat(greenMail.getReceivedMessages()).isEmpty();
        }
    }

    @Test
    void aLoginWithoutStarttlsIsWarnedAbout() {
        assertThat(channel(port, PASSWORD, false, new Properties()).warnings())
                .containsExactly("email alerts: the SMTP login to 127.0.0.1:" + port + " goes unencrypted (starttls: false)");
        assertThat(channel(port, PASSWORD, true, new Properties()).warnings()).isEmpty();
        assertThat(new EmailChannel(TO, "lifeboat@example.com", "127.0.0.1", port, null, null, false, TIMEOUT).warnings())
                .isEmpty();
    }

    @Test
    void addressesAndPortsAreChecked() {
        assertThatThrownBy(() -> new EmailChannel(List.of(), "a@example.com", "h", 25, null, null, false, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmailChannel(List.of("not an address"), "a@example.com", "h", 25, null, null,
                false, TIMEOUT)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an address");
        assertThatThrownBy(() -> new EmailChannel(TO, "a@example.com", "h", 0, null, null, false, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertReceived(MimeMessage m, String subject) throws Exception {
        assertThat(m.getSubject()).isEqualTo(subject);
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(EmailChannelTest::address))
                .containsExactly("ops@example.com", "dba@example.org");
        assertThat(Arrays.stream(m.getFrom()).map(EmailChannelTest::address)).containsExactly("lifeboat@example.com");
        assertThat(m.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        assertThat(m.getContentType()).startsWith("text/plain");
        // GreenMail keeps the body without its last line break (the one before the final ".").
        String body = ((String) m.getContent()).replace("\r\n", "\n");
        assertThat(body + "\n").isEqualTo("""
                The last backup is 26 hours old; the RPO is 24 hours.

                system: files
                host: backup1.example.com
                since: 2025-03-01T02:00:00Z
                rpo_hours: 24
                last_snapshot: 2025-02-28T01:59:30Z
                repository: s3:https://s3.example.com/bucket
                """);
    }

    private static String address(Address a) {
        return ((InternetAddress) a).getAddress();
    }

    /** A key pair and self-signed certificate for 127.0.0.1 (made by the JDK's keytool). */
    private static SSLContext tlsContext(Path tmp) throws Exception {
        Path ks = tmp.resolve("smtp.p12");
        char[] pw = "changeit".toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "smtp", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, pw);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /**
     * The STARTTLS step of RFC 3207 in front of GreenMail: greets, answers EHLO with STARTTLS,
     * refuses anything else before TLS (530), upgrades the connection, then relays it to GreenMail
     * (whose own greeting is dropped: the client re-sends EHLO after TLS, RFC 3207 section 4.2).
     */
    private static final class StartTlsFront implements AutoCloseable {
        final List<String> plainCommands = new CopyOnWriteArrayList<>();
        final List<String> protocols = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final SSLContext tls;
        private final int backend;

        StartTlsFront(SSLContext tls, int backend) throws IOException {
            this.tls = tls;
            this.backend = backend;
            this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                reply(out, "220 127.0.0.1 ESMTP test STARTTLS front");
                for (String line; (line = readLine(in)) != null; ) {
                    plainCommands.add(line);
                    String cmd = line.toUpperCase(Locale.ROOT);
                    if (cmd.startsWith("EHLO")) {
                        reply(out, "250-127.0.0.1\r\n250 STARTTLS");
                    } else if (cmd.equals("STARTTLS")) {
                        reply(out, "220 2.0.0 Ready to start TLS");
                        relay(s);
                        return;
                    } else if (cmd.equals("QUIT")) {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    } else {
                        reply(out, "530 5.7.0 Must issue a STARTTLS command first");
                    }
                }
            } catch (IOException | InterruptedException e) {
                // The client went away (e.g. it refused the certificate): nothing to relay.
            }
        }

        private void relay(Socket plain) throws IOException, InterruptedException {
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
            s.setUseClientMode(false);
            s.startHandshake();
            protocols.add(s.getSession().getProtocol());
            try (s; Socket back = new Socket(InetAddress.getLoopbackAddress(), backend)) {
                readLine(back.getInputStream()); // GreenMail's greeting
                Thread up = Thread.ofVirtual().start(() -> {
                    try {
                        s.getInputStream().transferTo(back.getOutputStream());
                        back.shutdownOutput();
                    } catch (IOException e) {
                        // one side closed
                    }
                });
                back.getInputStream().transferTo(s.getOutputStream());
                s.close();
                up.join();
            }
        }

        private static void reply(OutputStream out, String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        // Byte by byte: nothing of the TLS handshake that follows STARTTLS may be read ahead.
        private static String readLine(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) >= 0; ) {
                if (c == '\n') {
                    return b.toString().stripTrailing();
                }
                b.append((char) c);
            }
            return b.isEmpty() ? null : b.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
