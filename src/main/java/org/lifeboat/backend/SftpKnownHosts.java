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
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Checks the server's host key against known_hosts files as OpenSSH's StrictHostKeyChecking=yes
 * does (or accept-new, when asked): a key listed for the host (plain, hashed or {@code [host]:port}
 * entries) is accepted; an unknown one is refused (or, with accept-new, recorded in the first file);
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

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
        String type = KeyUtils.getKeyType(key);
        String fp = type + " " + KeyUtils.getFingerPrint(key);
        String changedIn = null;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) continue;
            List<KnownHostEntry> entries;
            try {
                entries = KnownHostEntry.readKnownHostEntries(f);
            } catch (IOException | RuntimeException e) {
                refusal = "cannot read the known hosts file " + f + " (" + e.getMessage() + "), so the host key of " + name()
                        + " cannot be checked";
                return false;
            }
            for (KnownHostEntry e : entries) {
                if (e.getKeyEntry() == null || !(matches(e, host) || (alias != null && !alias.equals(host) && matches(e, alias)))) continue;
                PublicKey known;
                try {
                    known = e.getKeyEntry().resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.IGNORING);
                } catch (IOException | java.security.GeneralSecurityException | RuntimeException ex) {
                    continue; // a key type this client does not know cannot be compared
                }
                if (known == null) continue;
                String marker = e.getMarker();
                if ("cert-authority".equals(marker)) continue;
                boolean same = KeyUtils.compareKeys(known, key);
                if ("revoked".equals(marker)) {
                    if (same) {
                        refusal = "the host key of " + name() + " (" + fp + ") is marked @revoked in " + f + "; Lifeboat refuses to connect";
                        return false;
                    }
                    continue;
                }
                if (same) return true;
                if (KeyUtils.getKeyType(known).equals(type) && changedIn == null) changedIn = f.toString();
            }
        }
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

    private boolean matches(KnownHostEntry e, String h) {
        try {
            return e.isHostMatch(h, port);
        } catch (RuntimeException ex) {
            return false;
        }
    }

    /** The files read, first the one an accepted key would be added to (for tests). */
    List<Path> files() {
        return new ArrayList<>(files);
    }
}
