package org.lifeboat.service.alert;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Sends alerts as plain-text emails through an SMTP server (Jakarta Mail, Eclipse Angus).
 *
 * <p>With {@code starttls}, the connection is upgraded with STARTTLS (RFC 3207) before anything
 * else, the server's certificate and host name are verified against the JVM's trust store, and a
 * server that does not offer STARTTLS is refused: the mail, and the password, never travel in
 * plain text when TLS was asked for.
 */
public final class EmailChannel implements AlertChannel {

    private final List<InternetAddress> to;
    private final InternetAddress from;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final boolean starttls;
    private final Session session;

    /**
     * A channel mailing {@code to} through {@code host:port}.
     *
     * @param to the recipients' addresses (at least one, RFC 822 syntax, e.g. {@code ops@example.com})
     * @param from the sender's address
     * @param host the SMTP server's host name or address
     * @param port its port, 1 to 65535 (usually 587 for submission with STARTTLS, 25 for relay)
     * @param user the login for SMTP authentication, or {@code null} to send without authenticating
     * @param password the password for {@code user}; {@code null} for none
     * @param starttls whether to require STARTTLS (RFC 3207), never falling back to plain text
     * @param timeout the longest wait to connect, and then for each read and each write
     * @throws NullPointerException if {@code to}, {@code from}, {@code host} or {@code timeout} is null
     * @throws IllegalArgumentException if there is no recipient, an address is malformed, the port
     *     is out of range or the timeout is not positive
     */
    public EmailChannel(List<String> to, String from, String host, int port, String user, String password,
            boolean starttls, Duration timeout) {
        this(to, from, host, port, user, password, starttls, timeout, new Properties());
    }

    /**
     * As the public constructor, with further Jakarta Mail properties set last (tests use it to
     * trust a self-signed certificate with {@code mail.smtp.ssl.trust}; production code never does).
     */
    EmailChannel(List<String> to, String from, String host, int port, String user, String password,
            boolean starttls, Duration timeout, Properties extra) {
        Objects.requireNonNull(to, "to");
        if (to.isEmpty()) {
            throw new IllegalArgumentException("An email alert needs at least one recipient.");
        }
        List<InternetAddress> rcpt = new ArrayList<>();
        for (String t : to) {
            rcpt.add(address(t, "recipient"));
        }
        this.to = List.copyOf(rcpt);
        this.from = address(Objects.requireNonNull(from, "from"), "sender");
        this.host = Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("An email alert needs the SMTP server's host name.");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("An SMTP port must be between 1 and 65535, not " + port + ".");
        }
        this.port = port;
        this.user = user;
        this.password = password;
        this.starttls = starttls;
        String ms = Long.toString(WebhookChannel.checkTimeout(timeout).toMillis());

        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", "smtp");
        p.setProperty("mail.smtp.host", host);
        p.setProperty("mail.smtp.port", Integer.toString(port));
        p.setProperty("mail.smtp.connectiontimeout", ms);
        p.setProperty("mail.smtp.timeout", ms);
        p.setProperty("mail.smtp.writetimeout", ms);
        p.setProperty("mail.smtp.auth", Boolean.toString(user != null));
        if (starttls) {
            // RFC 3207: upgrade before AUTH; "required" makes Angus fail rather than go on in plain text.
            p.setProperty("mail.smtp.starttls.enable", "true");
            p.setProperty("mail.smtp.starttls.required", "true");
            // RFC 6125 host name check, explicit rather than left to the library's default.
            p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        }
        p.putAll(extra);
        this.session = Session.getInstance(p);
    }

    /** @return {@code email to a@example.com, b@example.com} (never the login or password) */
    @Override
    public String describe() {
        return "email to " + String.join(", ", to.stream().map(InternetAddress::getAddress).toList());
    }

    /**
     * @return with a login but without {@code starttls}, {@code email alerts: the SMTP login to
     *     HOST:PORT goes unencrypted (starttls: false)}; else none
     */
    @Override
    public List<String> warnings() {
        return user != null && !starttls
                ? List.of("email alerts: the SMTP login to " + host + ":" + port + " goes unencrypted (starttls: false)")
                : List.of();
    }

    /**
     * Sends one mail to all recipients: subject {@link Alert#subject()}; body the message, then
     * {@code system:}, {@code host:}, {@code since:} (RFC 3339 UTC) and each detail as
     * {@code key: value}, one per line.
     *
     * @throws IOException if the server cannot be reached, refuses STARTTLS, the certificate, the
     *     login or a recipient, or times out; the message names {@code host:port} and the server's
     *     or library's reason, never the password; a certificate that is not trusted is said as
     *     such ("the certificate of smtp.example.com:587 is not trusted (…)"), not as Java's exception
     */
    @Override
    public void send(Alert a) throws IOException {
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(from);
            m.setRecipients(Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
            m.setSubject(a.subject(), "UTF-8");
            m.setSentDate(new Date());
            // RFC 3834: an automatic message, so auto-responders do not answer it.
            m.setHeader("Auto-Submitted", "auto-generated");
            m.setText(body(a), "UTF-8");
            m.saveChanges();
            try (Transport t = session.getTransport("smtp")) {
                t.connect(host, port, user, password);
                t.sendMessage(m, m.getAllRecipients());
            }
        } catch (MessagingException e) {
            throw new IOException("Could not send the alert email through " + host + ":" + port + ": "
                    + reason(e) + ".", e);
        }
    }

    static String body(Alert a) {
        StringBuilder b = new StringBuilder(a.message().strip()).append("\n\n");
        b.append("system: ").append(a.system()).append('\n');
        b.append("host: ").append(a.host()).append('\n');
        b.append("since: ").append(Alert.rfc3339(a.since())).append('\n');
        a.toJson().get("details").properties().forEach(e -> b.append(e.getKey()).append(": ")
                .append(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString())
                .append('\n'));
        return b.toString();
    }

    // Each distinct message of the cause chain (Angus nests the socket error), without the password.
    private String reason(Exception e) {
        String cert = certificate(e);
        if (cert != null) {
            return cert;
        }
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 4; t = t.getCause(), depth++) {
            String msg = t.getMessage();
            if (msg == null || msg.isBlank() || b.indexOf(msg.strip()) >= 0) {
                continue;
            }
            b.append(b.isEmpty() ? "" : ": ").append(Alert.oneLine(msg).strip());
        }
        String s = b.isEmpty() ? e.getClass().getSimpleName() : b.toString();
        if (password != null && !password.isEmpty()) {
            s = s.replace(password, "***");
        }
        return WebhookChannel.cut(s, 500);
    }

    /** A sentence part for a certificate the TLS handshake refused, or null if that was not the cause. */
    private String certificate(Throwable e) {
        String where = host + ":" + port;
        // JSSE wraps the certification path error in a CertificateException: look for it first.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateExpiredException) {
                return "the certificate of " + where + " has expired (" + text(t) + ")";
            }
            if (t instanceof java.security.cert.CertPathBuilderException
                    || t instanceof java.security.cert.CertPathValidatorException) {
                return "the certificate of " + where + " is not trusted (it is not signed by a CA in the JVM's trust"
                        + " store; a private CA must be imported into that trust store, e.g. with keytool -importcert)";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException) {
                return "the certificate of " + where + " is not trusted (" + text(t) + ")";
            }
            String m = t.getMessage();
            if (t instanceof IOException && m != null && m.startsWith("Can't verify identity of server")) {
                return "the certificate of " + where + " is not trusted (it is not issued for " + host + ")";
            }
        }
        return null;
    }

    private static String text(Throwable t) {
        return WebhookChannel.cut(Alert.oneLine(String.valueOf(t.getMessage())).strip(), 300);
    }

    private static InternetAddress address(String s, String what) {
        try {
            return new InternetAddress(s, true);
        } catch (AddressException e) {
            throw new IllegalArgumentException("The " + what + " address \"" + s + "\" is not a valid email address: "
                    + e.getMessage() + ".", e);
        }
    }
}
