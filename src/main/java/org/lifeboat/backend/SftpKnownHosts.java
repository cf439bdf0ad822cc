package org.lifeboat.backend;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Checks the server's host key against known_hosts files as OpenSSH's StrictHostKeyChecking=yes
 * does (or accept-new, when asked), reading the files as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"
 * describes (patterns with {@code *}, {@code ?} and {@code !}, {@code [host]:port}, hashed {@code |1|}
 * names, {@code @revoked}; {@code @cert-authority} lines are skipped, as host certificates are not
 * checked): a key listed for the host is accepted; an unknown one is refused (or, with accept-new, recorded in the first file);
 * a changed one (the host is listed with another key of the same type) or a revoked one is always
 * refused. Why a key was refused is kept as one sentence that says how to add it ({@link #refusal}).
 */
final class SftpKnownHosts implements ServerKeyVerifier {
    private final List<Path> files;
    private final boolean acceptNew;
    private final String alias;
    private final String host;
    private final int port;
    private volatile String refusal;

    /**
     * @param files     the UserKnownHostsFile files, or empty for ~/.ssh/known_hosts (and /etc/ssh/ssh_known_hosts)
     * @param acceptNew StrictHostKeyChecking=accept-new: record an unknown key in the first file
     * @param alias     the host as the location names it (a ~/.ssh/config Host alias, or the host)
     * @param host      the host name connected to
     * @param port      the TCP port
     */
    SftpKnownHosts(List<Path> files, boolean acceptNew, String alias, String host, int port) {
        this.files = files.isEmpty()
                ? List.of(Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"), Path.of("/etc/ssh/ssh_known_hosts"))
                : files;
        this.acceptNew = acceptNew;
        this.alias = alias;
        this.host = host;
        this.port = port;
    }

    /** Why the last key was refused (one sentence), or null if none was. */
    String refusal() {
        return refusal;
    }

    /** The host as known_hosts and ssh-keyscan name it: {@code host} on port 22, else {@code [host]:port}. */
    private String name() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }

    /** One known_hosts line: its marker ("revoked", "cert-authority" or null), host patterns and key. */
    private record Line(String marker, String hosts, PublicKey key) {}

    /**
     * The lines of a known_hosts file, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" writes them:
     * {@code [@marker] patterns keytype base64 [comment]}; blank lines and # comments are skipped,
     * and so is a key this client cannot read (a type it does not know cannot be compared).
     */
    private static List<Line> read(Path f) throws IOException {
        List<Line> out = new ArrayList<>();
        for (String raw : Files.readAllLines(f, java.nio.charset.StandardCharsets.UTF_8)) {
            String l = raw.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] w = l.split("\\s+");
            int i = 0;
            String marker = null;
            if (w[0].startsWith("@")) {
                marker = w[0].substring(1).toLowerCase(java.util.Locale.ROOT);
                i = 1;
            }
            if (w.length < i + 3) continue;
            PublicKey key;
            try {
                key = PublicKeyEntry.parsePublicKeyEntry(w[i + 1] + " " + w[i + 2])
                        .resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.IGNORING);
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException ex) {
                continue;
            }
            if (key != null) out.add(new Line(marker, w[i], key));
        }
        return out;
    }

    /**
     * Whether a known_hosts host field names {@code name} (the host, or {@code [host]:port} off
     * port 22), as OpenSSH's match_hostname: a hashed {@code |1|salt|hash} entry is compared by its
     * HMAC-SHA1; otherwise comma-separated patterns with {@code *} and {@code ?}, case-insensitive,
     * where a matching {@code !pattern} excludes the host whatever else matches.
     */
    static boolean hostMatches(String field, String name) {
        if (field.startsWith("|1|")) {
            String[] parts = field.split("\\|");
            if (parts.length != 4) return false;
            try {
                byte[] salt = java.util.Base64.getDecoder().decode(parts[2]);
                byte[] want = java.util.Base64.getDecoder().decode(parts[3]);
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
                mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA1"));
                byte[] got = mac.doFinal(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.security.MessageDigest.isEqual(got, want);
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                return false;
            }
        }
        String n = name.toLowerCase(java.util.Locale.ROOT);
        boolean matched = false;
        for (String p : field.split(",")) {
            if (p.isEmpty()) continue;
            boolean negated = p.startsWith("!");
            String pat = (negated ? p.substring(1) : p).toLowerCase(java.util.Locale.ROOT);
            if (!glob(pat, 0, n, 0)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /** OpenSSH's match_pattern: {@code *} any run of characters, {@code ?} one character. */
    private static boolean glob(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                for (int k = si; k <= s.length(); k++) if (glob(p, pi + 1, s, k)) return true;
                return false;
            }
            if (si >= s.length() || (c != '?' && c != s.charAt(si))) return false;
            pi++;
            si++;
        }
        return si == s.length();
    }

    /**
     * {@inheritDoc} As OpenSSH: a key on a matching {@code @revoked} line is refused first (in any
     * file, whatever StrictHostKeyChecking says); then a matching plain line with the same key
     * accepts it; a matching line with another key of the same type means the key changed.
     * {@code @cert-authority} lines are ignored: Lifeboat's client does not check host
     * certificates, so such a host needs its plain key listed.
     */
    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
        String type = KeyUtils.getKeyType(key);
        String fp = type + " " + KeyUtils.getFingerPrint(key);
        String changedIn = null;
        boolean known = false;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) continue;
            List<Line> lines;
            try {
                lines = read(f);
            } catch (IOException | RuntimeException e) {
                refusal = "cannot read the known hosts file " + f + " (" + e.getMessage() + "), so the host key of " + name()
                        + " cannot be checked";
                return false;
            }
            for (Line e : lines) {
                if (!(hostMatches(e.hosts(), name()) || (alias != null && !alias.equals(host) && hostMatches(e.hosts(), alias(alias))))) {
                    continue;
                }
                if ("cert-authority".equals(e.marker())) continue;
                boolean same = KeyUtils.compareKeys(e.key(), key);
                if ("revoked".equals(e.marker())) {
                    if (same) {
                        refusal = "the host key of " + name() + " (" + fp + ") is marked @revoked in " + f + "; Lifeboat refuses to connect";
                        return false;
                    }
                    continue;
                }
                if (e.marker() != null) continue; // a marker OpenSSH does not know: the line is not a plain key
                if (same) {
                    known = true;
                } else if (KeyUtils.getKeyType(e.key()).equals(type) && changedIn == null) {
                    changedIn = f.toString();
                }
            }
        }
        if (known) return true;
        if (changedIn != null) {
            refusal = "the host key of " + name() + " has changed (the server now shows " + fp + ", " + changedIn
                    + " holds another): if the change is expected, remove the old key with ssh-keygen -R '" + name() + "' -f "
                    + changedIn + " and add the new one, otherwise someone may be intercepting the connection";
            return false;
        }
        Path first = files.get(0);
        if (acceptNew) {
            try {
                if (first.getParent() != null) Files.createDirectories(first.getParent());
                String line = name() + " " + PublicKeyEntry.toString(key) + "\n";
                Files.writeString(first, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                return true;
            } catch (IOException | RuntimeException e) {
                refusal = "the host key of " + name() + " (" + fp + ") is new and cannot be added to " + first + " (" + e.getMessage() + ")";
                return false;
            }
        }
        refusal = "the host key of " + name() + " (" + fp + ") is not in " + first + ": check the fingerprint and add it with ssh-keyscan "
                + (port == 22 ? "" : "-p " + port + " ") + host + " >> " + first + " (or connect once with ssh"
                + (port == 22 ? "" : " -p " + port) + " " + host + "), or give -o sftp.args=\"-o StrictHostKeyChecking=accept-new\"";
        return false;
    }

    /** An alias as known_hosts names it: itself on port 22, else {@code [alias]:port}. */
    private String alias(String a) {
        return port == 22 ? a : "[" + a + "]:" + port;
    }

    /** The files read, first the one an accepted key would be added to (for tests). */
    List<Path> files() {
        return new ArrayList<>(files);
    }
}
