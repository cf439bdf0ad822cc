package org.lifeboat.backend;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
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

    private SftpAgent(Path socketPath) throws IOException {
        super(null);
        socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.connect(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot reach the ssh agent at " + socketPath + " (SSH_AUTH_SOCK): " + e.getMessage(), e);
        }
    }

    /** A factory of agent clients for the socket at {@code socketPath}. */
    static SshAgentFactory factory(Path socketPath) {
        return new SshAgentFactory() {
            @Override
            public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
                return List.of();
            }

            @Override
            public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
                return new SftpAgent(socketPath);
            }

            @Override
            public SshAgentServer createServer(ConnectionService service) throws IOException {
                throw new IOException("Lifeboat does not forward the ssh agent");
            }
        };
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
