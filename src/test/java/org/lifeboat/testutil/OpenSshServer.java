package org.lifeboat.testutil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Debian's real OpenSSH server ({@code /usr/sbin/sshd}) as a child process on 127.0.0.1, for the
 * sftp: backend's tests: a throwaway host key and user key pair in a temp folder, key login only,
 * {@code Subsystem sftp internal-sftp}. The tests run as root, so the user is root
 * ({@code PermitRootLogin prohibit-password}). One server per JVM ({@link #shared()}), started on
 * first use and stopped (its folder deleted) when the JVM ends; {@link #start()} gives a private one.
 */
public final class OpenSshServer implements AutoCloseable {
    private static OpenSshServer shared;

    private final Path dir;
    private final int port;
    private final Path config;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private Process process;

    private OpenSshServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("sshd_config");
    }

    /** The JVM's shared server, started on first use. @throws AssertionError if it cannot start */
    public static synchronized OpenSshServer shared() {
        if (shared == null || !shared.process.isAlive()) {
            shared = start();
            OpenSshServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /** A new server of its own (close it). @throws AssertionError if sshd is missing or does not come up */
    public static OpenSshServer start() {
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd")) || !Files.isExecutable(Path.of("/usr/bin/ssh-keygen"))) {
            throw new AssertionError("OpenSSH is not installed: the test command installs it (apt-get install openssh-server openssh-client)");
        }
        try {
            Path dir = Files.createTempDirectory("lifeboat-sshd");
            OpenSshServer s = new OpenSshServer(dir, freePort());
            s.keygen("host_ed25519", "ed25519");
            s.keygen("id_ed25519", "ed25519");
            Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
            // known_hosts in OpenSSH's form for a non-default port: [127.0.0.1]:PORT TYPE KEY
            String[] pub = Files.readString(dir.resolve("host_ed25519.pub")).strip().split(" ");
            String hostPub = pub[0] + " " + pub[1];
            Files.writeString(s.knownHosts(), "[127.0.0.1]:" + s.port + " " + hostPub + "\n");
            // sshd 9.2 insists on its privilege separation folder even with -D.
            Files.createDirectories(Path.of("/run/sshd"));
            s.writeConfig();
            s.launch();
            return s;
        } catch (IOException e) {
            throw new AssertionError("cannot set up sshd: " + e.getMessage(), e);
        }
    }

    private void keygen(String name, String type) {
        Run r = Proc.run(List.of("/usr/bin/ssh-keygen", "-q", "-t", type, "-N", "", "-C", "lifeboat-test", "-f",
                dir.resolve(name).toString()), Map.of(), null, null, 60);
        if (r.exit() != 0) throw new AssertionError("ssh-keygen failed: " + r);
    }

    private void writeConfig() throws IOException {
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_ed25519"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "Subsystem sftp internal-sftp",
                "MaxStartups 100",
                "MaxSessions 100",
                "LogLevel ERROR",
                "") );
    }

    private void launch() {
        ProcessBuilder pb = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString());
        pb.redirectErrorStream(true);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start sshd: " + e.getMessage(), e);
        }
        Thread pump = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (log) {
                        log.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // sshd ended
            }
        }, "sshd-log");
        pump.setDaemon(true);
        pump.start();
        awaitBanner();
    }

    /** Polls the port until sshd answers with its SSH banner, within a deadline (no sleeps). */
    private void awaitBanner() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("sshd ended at start: " + log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(5000);
                byte[] b = s.getInputStream().readNBytes(4);
                if (new String(b, StandardCharsets.US_ASCII).equals("SSH-")) return;
            } catch (IOException e) {
                // not listening yet: try again (connect itself waits up to its timeout)
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("sshd did not answer on 127.0.0.1:" + port + " within 20 s: " + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** "127.0.0.1". */
    public String host() {
        return "127.0.0.1";
    }

    /** The TCP port sshd listens on. */
    public int port() {
        return port;
    }

    /** "root": the tests run as root. */
    public String user() {
        return "root";
    }

    /** The user's private key (ed25519, no passphrase); its public key is the only authorized one. */
    public Path privateKey() {
        return dir.resolve("id_ed25519");
    }

    /** A known_hosts file holding the server's host key as {@code [127.0.0.1]:PORT ssh-ed25519 …}. */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** The server's public host key file ({@code ssh-ed25519 AAAA… comment}). */
    public Path hostPublicKey() {
        return dir.resolve("host_ed25519.pub");
    }

    /** The throwaway folder holding keys, config and pid file (also usable for test files). */
    public Path dir() {
        return dir;
    }

    /** The location of an absolute folder on this server: {@code sftp://root@127.0.0.1:PORT//abs/path}. */
    public String location(Path absolute) {
        return "sftp://" + user() + "@" + host() + ":" + port + "/" + absolute;
    }

    /** The {@code -o sftp.args} value that logs in with the test key and known_hosts. */
    public String sftpArgs() {
        return "-i " + privateKey() + " -o UserKnownHostsFile=" + knownHosts();
    }

    /** The ssh command restic runs ({@code -o sftp.command=…}) to reach this server as root. */
    public String sshCommand() {
        return "ssh -i " + privateKey() + " -p " + port + " -o UserKnownHostsFile=" + knownHosts()
                + " -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes " + user() + "@" + host() + " -s sftp";
    }

    /**
     * Ends every connection's sshd process (the listener's children), as a server restart or a
     * network fault would; the listener stays and takes new connections. Waits until they ended.
     *
     * @return how many connections were ended
     */
    public int dropConnections() {
        List<ProcessHandle> kids = process.toHandle().descendants().toList();
        for (ProcessHandle k : kids) k.destroyForcibly();
        for (ProcessHandle k : kids) k.onExit().join();
        return kids.size();
    }

    /** What sshd wrote to stderr so far. */
    public String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Starts an ssh-agent listening on {@code socket} and adds this server's authorized key to it
     * (the tests of logins through the agent).
     *
     * @throws IllegalStateException if the agent ends or its socket is not there within 20 s
     */
    public Agent agent(Path socket) throws IOException {
        Process p = new ProcessBuilder("/usr/bin/ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Agent a = new Agent(p, socket);
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!Files.exists(socket)) {
                if (!p.isAlive()) throw new IllegalStateException("ssh-agent ended (exit " + p.exitValue() + ") before its socket " + socket + " was there");
                if (System.nanoTime() > deadline) throw new IllegalStateException("ssh-agent's socket " + socket + " is not there after 20 s");
                Thread.onSpinWait();
            }
            Proc.run(List.of("/usr/bin/ssh-add", privateKey().toString()), a.env(), null, null, 60).ok();
            return a;
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
    }

    /** A running ssh-agent; closing it ends it (and waits until it ended). */
    public record Agent(Process process, Path socket) implements AutoCloseable {
        /** The environment that points ssh at this agent ({@code SSH_AUTH_SOCK}). */
        public Map<String, String> env() {
            return Map.of("SSH_AUTH_SOCK", socket.toString());
        }

        @Override
        public void close() {
            process.destroy();
            process.onExit().join();
        }
    }

    /** Stops sshd (and its connections) and deletes the folder. */
    @Override
    public synchronized void close() {
        if (process != null) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroy();
            try {
                process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp folder
        }
    }
}
