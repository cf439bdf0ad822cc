package org.lifeboat.backend;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * The user's ssh-agent ({@code SSH_AUTH_SOCK}) as MINA's agent, over the JDK's Unix domain
 * sockets (MINA's own Unix agent client needs the Tomcat native library). MINA speaks the agent
 * protocol ({@link AbstractAgentProxy}); this class only carries its messages: each request is
 * written whole and its one answer read whole. Agent forwarding is not offered.
 */
final class SftpAgent extends AbstractAgentProxy {
    /** Longest agent answer read (the agent protocol's own limit is 256 KiB). */
    private static final int MAX_MESSAGE = 256 * 1024;

    private final SocketChannel socket;
    /** The keys offered, or null for all the agent holds. */
    private final List<PublicKey> allowed;

    private SftpAgent(Path socketPath, List<PublicKey> allowed) throws IOException {
        super(null);
        this.allowed = allowed;
        socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.connect(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot reach the ssh agent at " + socketPath + " (SSH_AUTH_SOCK): " + e.getMessage(), e);
        }
    }

    /**
     * A factory of agent clients for the socket at {@code socketPath}.
     *
     * @param allowed the only keys to offer (IdentitiesOnly with identity files held by the agent),
     *     or null for every key the agent holds
     */
    static SshAgentFactory factory(Path socketPath, List<PublicKey> allowed) {
        return new SshAgentFactory() {
            @Override
            public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
                return List.of();
            }

            @Override
            public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
                return new SftpAgent(socketPath, allowed);
            }

            @Override
            public SshAgentServer createServer(ConnectionService service) throws IOException {
                throw new IOException("Lifeboat does not forward the ssh agent");
            }
        };
    }

    @Override
    public Iterable<? extends Map.Entry<PublicKey, String>> getIdentities() throws IOException {
        Iterable<? extends Map.Entry<PublicKey, String>> all = super.getIdentities();
        if (allowed == null) return all;
        List<Map.Entry<PublicKey, String>> out = new ArrayList<>();
        for (Map.Entry<PublicKey, String> e : all) {
            for (PublicKey k : allowed) {
                if (KeyUtils.compareKeys(k, e.getKey())) {
                    out.add(e);
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Whether the agent at {@code socketPath} holds {@code key}.
     *
     * @return false also when the agent cannot be reached (then the key cannot be used through it)
     */
    static boolean holds(Path socketPath, PublicKey key) {
        try (SftpAgent a = new SftpAgent(socketPath, null)) {
            for (Map.Entry<PublicKey, String> e : a.getIdentities()) {
                if (KeyUtils.compareKeys(key, e.getKey())) return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The public key of a private key file without its passphrase, as ssh finds it: from FILE.pub,
     * else from an OpenSSH-format private key's unencrypted header.
     *
     * @return null when neither gives one
     */
    static PublicKey publicKeyOf(Path file) {
        Path pub = Path.of(file + ".pub");
        try {
            if (Files.isRegularFile(pub)) {
                String[] w = Files.readString(pub).strip().split("\\s+");
                if (w.length >= 2) {
                    return PublicKeyEntry.parsePublicKeyEntry(w[0] + " " + w[1]).resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.IGNORING);
                }
            }
            // openssh-key-v1: magic, cipher, kdf, kdf options, number of keys, then the public keys in the clear.
            String text = Files.readString(file);
            int b = text.indexOf("-----BEGIN OPENSSH PRIVATE KEY-----");
            int e = text.indexOf("-----END OPENSSH PRIVATE KEY-----");
            if (b < 0 || e < b) return null;
            byte[] raw = Base64.getMimeDecoder().decode(text.substring(b + 35, e));
            byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
            if (raw.length < magic.length || !Arrays.equals(Arrays.copyOf(raw, magic.length), magic)) return null;
            ByteArrayBuffer buf = new ByteArrayBuffer(raw, magic.length, raw.length - magic.length);
            buf.getString();
            buf.getString();
            buf.getBytes();
            if (buf.getInt() < 1) return null;
            return buf.getPublicKey();
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException ex) {
            return null;
        }
    }

    @Override
    protected synchronized Buffer request(Buffer buffer) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
        while (out.hasRemaining()) socket.write(out);
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(len);
        int n = len.flip().getInt();
        if (n <= 0 || n > MAX_MESSAGE) throw new IOException("the ssh agent sent an answer of " + n + " bytes");
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(body);
        return new ByteArrayBuffer(body.array());
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (socket.read(b) < 0) throw new IOException("the ssh agent closed the connection");
        }
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            socket.close();
        }
    }
}
