package org.lifeboat.backend;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.ConfigFileHostEntryResolver;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHFsyncExtension;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;
import org.apache.sshd.sftp.client.impl.SftpInputStreamAsync;
import org.apache.sshd.sftp.client.impl.SftpOutputStreamAsync;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * The {@code sftp:} backend: a repository in a folder on an SSH server, over SFTP, with Lifeboat's
 * own SSH client (Apache MINA SSHD), laid out as restic's (config, data/XX/, keys/, locks/,
 * snapshots/, index/).
 *
 * <p>Connecting: the location's user, host and port ({@link SftpLocation}), then {@code -o
 * sftp.args} ({@link SftpSshArgs}), then ~/.ssh/config's Host entries (HostName, Port, User,
 * IdentityFile); keys from -i/IdentityFile and ~/.ssh/id_ed25519, id_ecdsa, id_rsa (without a
 * passphrase). The server's host key must be in ~/.ssh/known_hosts (or the UserKnownHostsFile
 * given): an unknown or changed key is refused, never accepted silently.
 *
 * <p>One SSH session carries up to {@link #MAX_CHANNELS} SFTP channels ({@code sftp.connections},
 * restic's default 5), shared by all threads (each channel matches replies to requests by id, so
 * it is safe to share). A session that dropped is opened again on the next request; the request
 * that saw it drop fails with {@link StorageError.Transient}, which the stack's retry repeats.
 *
 * <p>A save writes a temporary name in the file's folder, fsyncs it when the server offers
 * fsync@openssh.com, and renames it with SFTP's plain rename, which never replaces a file (OpenSSH
 * links the new name, failing when it is taken): a name already taken is {@link
 * StorageError.AlreadyExists} and keeps its bytes. (posix-rename@openssh.com would replace it.)
 */
final class SftpBackend implements Backend {
    /** At most this many SFTP channels on one session: OpenSSH allows 10 per connection by default. */
    static final int MAX_CHANNELS = 8;
    /** Bytes per SFTP read or write request (OpenSSH serves up to 256 KiB; 64 KiB suits every server). */
    private static final int CHUNK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private final String location;
    private final SftpLocation where;
    private final SftpSshArgs args;
    private final int connections;
    private final String root;
    private final java.util.Map<String, String> env;

    private final Object lock = new Object();
    private SshClient client;
    private Connection conn;
    private volatile boolean closed;
    private final AtomicInteger next = new AtomicInteger();
    /** How often the server did not answer within ConnectTimeout (guarded by {@link #lock}). */
    private int unanswered;
    /** Temporary files of failed saves that could not be removed then (the connection was gone): removed on the next one. */
    private final java.util.Set<String> leftovers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** One SSH session and its SFTP channels (a slot is null until first used, or after it broke). */
    private record Connection(ClientSession session, SftpClient[] channels, String target) {}

    private SftpBackend(String location, SftpLocation where, SftpSshArgs args, int connections, java.util.Map<String, String> env) {
        this.location = location;
        this.env = env;
        this.where = where;
        this.args = args;
        this.connections = connections;
        this.root = where.path();
    }

    /**
     * Opens {@code sftp:SPEC}; nothing is connected until the first request.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code sftp:}
     * @throws IllegalArgumentException with one sentence naming the location or option when the
     *     location cannot be parsed or an ssh option is not supported
     */
    static Backend open(String location, String spec, BackendOptions options) {
        return open(location, spec, options, System.getenv());
    }

    /** {@link #open(String, String, BackendOptions)} with the environment (SSH_AUTH_SOCK) given. */
    static Backend open(String location, String spec, BackendOptions options, java.util.Map<String, String> env) {
        SftpLocation where = SftpLocation.parse(location, spec);
        String command = options.value("sftp.command");
        String extra = options.value("sftp.args");
        SftpSshArgs args;
        if (command != null) {
            if (extra != null && !extra.isBlank()) {
                throw new IllegalArgumentException("-o sftp.command and -o sftp.args cannot be given together (as in restic)");
            }
            args = SftpSshArgs.parseCommand(command);
            // The command's destination is where restic connects; the location gives the folder.
            String dest = args.destination();
            int at = dest.lastIndexOf('@');
            where = new SftpLocation(at >= 0 ? dest.substring(0, at) : where.user(), at >= 0 ? dest.substring(at + 1) : dest,
                    where.port(), where.path());
        } else {
            args = extra == null || extra.isBlank() ? SftpSshArgs.NONE : SftpSshArgs.parseArgs(extra);
        }
        return new SftpBackend(Backends.redact(location), where, args, options.connections("sftp", 5), env);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public int connections() {
        return connections;
    }

    // ---------------------------------------------------------------- paths

    private String path(Handle h) {
        return switch (h.type()) {
            case CONFIG -> join(root, "config");
            case DATA -> join(root, "data/" + h.name().substring(0, Math.min(2, h.name().length())) + "/" + h.name());
            default -> join(root, h.type().folder() + "/" + h.name());
        };
    }

    private static String join(String dir, String name) {
        if (dir.equals(".")) return name;
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static String parent(String p) {
        int slash = p.lastIndexOf('/');
        if (slash < 0) return ".";
        return slash == 0 ? "/" : p.substring(0, slash);
    }

    /** The file as messages name it: the location and the path below the repository. */
    private String shown(String p) {
        return location + (p.startsWith(root) && !root.equals(".") ? p.substring(root.length()) : "/" + p);
    }

    // ---------------------------------------------------------------- the connection

    /** An operation on one SFTP channel. */
    @FunctionalInterface
    private interface Op<T> {
        T run(SftpClient sftp) throws IOException;
    }

    /**
     * Runs {@code op} on a channel, connecting first if needed, and maps what fails: SFTP's "no
     * such file" to NotFound, "permission denied" to Denied, a lost connection to Transient (and
     * drops it, so that the next request connects again).
     */
    private <T> T on(String verb, String file, Op<T> op) throws IOException {
        SftpClient sftp = channel();
        try {
            return op.run(sftp);
        } catch (IOException | RuntimeException e) {
            throw failure(sftp, verb, file, e);
        }
    }

    /**
     * The failure for {@code e} in a request on {@code sftp} to {@code verb} (read, write, list,
     * remove, create) {@code file}.
     */
    private IOException failure(SftpClient sftp, String verb, String file, Exception e) {
        if (e instanceof StorageError se && e instanceof IOException io) return io;
        if (e instanceof InterruptedIOException || Thread.currentThread().isInterrupted()) {
            // An interrupt can stop a write inside an SSH packet, leaving the session's stream out
            // of step for every channel (seen once as a later request's "Timeout expired" within
            // a second): the next request connects afresh.
            dropConnection();
            if (e instanceof InterruptedIOException ie) return ie;
        }
        if (e instanceof SftpException s) {
            return switch (s.getStatus()) {
                case SftpConstants.SSH_FX_NO_SUCH_FILE, SftpConstants.SSH_FX_NO_SUCH_PATH -> new StorageError.NotFound(shown(file));
                case SftpConstants.SSH_FX_PERMISSION_DENIED -> new StorageError.Denied(shown(file), "permission denied by the SFTP server");
                case SftpConstants.SSH_FX_CONNECTION_LOST, SftpConstants.SSH_FX_NO_CONNECTION -> {
                    broken(sftp);
                    yield new StorageError.Transient("the connection to " + target() + " was lost (" + s.getMessage() + ")", s);
                }
                // Permanent: a full disk or a read-only folder does not pass by retrying.
                default -> new IOException("the SFTP server refused to " + verb + " " + shown(file) + ": " + refusal(s.getStatus(), verb), s);
            };
        }
        if (e instanceof IOException io) {
            // From the SSH layer (closed, reset, EOF, timeout) the channel or the session is gone;
            // any other IOException is this class's own sentence (a file in the way, a damaged layout).
            boolean lost = e instanceof org.apache.sshd.common.SshException || e instanceof EOFException
                    || e instanceof java.net.SocketException || e instanceof java.nio.channels.ClosedChannelException
                    || e instanceof SocketTimeoutException || sftp == null || !sftp.isOpen();
            if (!lost) return io;
            broken(sftp);
            return new StorageError.Transient("the connection to " + target() + " was lost (" + describe(e) + ")", e);
        }
        if (e instanceof RuntimeException r && sftp != null && !sftp.isOpen()) {
            broken(sftp);
            return new StorageError.Transient("the connection to " + target() + " was lost (" + describe(e) + ")", e);
        }
        if (e instanceof RuntimeException r) throw r;
        return new IOException(e);
    }

    /** What an SFTP status code says about the server, as one clause (SSH_FX_* of draft-ietf-secsh-filexfer-13). */
    static String refusal(int status, String verb) {
        boolean writes = !verb.equals("read") && !verb.equals("list");
        return switch (status) {
            case SftpConstants.SSH_FX_FAILURE -> "the server reports a failure" + (writes ? " (is its disk full or the folder read-only?)" : "");
            case SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM -> "the server's disk is full";
            case SftpConstants.SSH_FX_QUOTA_EXCEEDED -> "the user's disk quota on the server is used up";
            case SftpConstants.SSH_FX_WRITE_PROTECT -> "the server's file system is read-only";
            case SftpConstants.SSH_FX_NO_MEDIA -> "the server's storage is not available (no medium)";
            case SftpConstants.SSH_FX_OP_UNSUPPORTED -> "the server does not support this operation";
            case SftpConstants.SSH_FX_BAD_MESSAGE -> "the server found the request malformed (a name too long or not allowed?)";
            case SftpConstants.SSH_FX_INVALID_FILENAME -> "the server does not allow this file name";
            case SftpConstants.SSH_FX_FILE_ALREADY_EXISTS -> "a file of that name already exists";
            case SftpConstants.SSH_FX_NOT_A_DIRECTORY -> "a part of the path is a file, not a folder";
            case SftpConstants.SSH_FX_FILE_IS_A_DIRECTORY -> "it is a folder, not a file";
            case SftpConstants.SSH_FX_DIR_NOT_EMPTY -> "the folder is not empty";
            case SftpConstants.SSH_FX_LOCK_CONFLICT, SftpConstants.SSH_FX_BYTE_RANGE_LOCK_CONFLICT -> "another program holds a lock on it";
            case SftpConstants.SSH_FX_LINK_LOOP -> "its path runs in a loop of symbolic links";
            case SftpConstants.SSH_FX_INVALID_HANDLE -> "the server lost track of the open file";
            default -> "the server answers SFTP status " + status + " (" + SftpConstants.getStatusName(status) + ")";
        };
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private String target() {
        Connection c = conn;
        return c != null ? c.target : (where.user() == null ? "" : where.user() + "@") + where.host()
                + (where.port() > 0 ? ":" + where.port() : "");
    }

    /** Closes the whole connection, so that the next request connects again. */
    private void dropConnection() {
        synchronized (lock) {
            Connection c = conn;
            conn = null;
            if (c != null) closeQuietly(c);
        }
    }

    /** Forgets a channel (and the session, if it is closed), so that the next request makes a new one. */
    private void broken(SftpClient sftp) {
        synchronized (lock) {
            Connection c = conn;
            if (c == null) return;
            if (!c.session.isOpen()) {
                conn = null;
                closeQuietly(c);
                return;
            }
            for (int i = 0; i < c.channels.length; i++) {
                if (c.channels[i] == sftp) {
                    c.channels[i] = null;
                    try {
                        sftp.close();
                    } catch (IOException | RuntimeException ignored) {
                        // already gone
                    }
                }
            }
        }
    }

    /** A channel of the current session, connecting (again) when there is none. */
    private SftpClient channel() throws IOException {
        if (closed) throw new IOException("the sftp backend " + location + " is closed");
        int slot = Math.floorMod(next.getAndIncrement(), Math.min(connections, MAX_CHANNELS));
        synchronized (lock) {
            Connection c = conn;
            if (c != null && !c.session.isOpen()) {
                conn = null;
                closeQuietly(c);
                c = null;
            }
            boolean fresh = c == null;
            if (c == null) {
                c = connect();
                conn = c;
                unanswered = 0;
            }
            SftpClient s = c.channels[slot];
            if (s == null || !s.isOpen()) {
                try {
                    s = SftpClientFactory.instance().createSftpClient(c.session);
                } catch (IOException | RuntimeException e) {
                    conn = null;
                    closeQuietly(c);
                    throw new StorageError.Transient("cannot open an SFTP channel to " + c.target + " (" + describe(e) + ")", e);
                }
                c.channels[slot] = s;
            }
            if (fresh) sweep(s);
            return s;
        }
    }

    /** Removes the temporary files failed saves left when their connection broke (best effort). */
    private void sweep(SftpClient s) {
        for (String tmp : List.copyOf(leftovers)) {
            if (removeQuietly(s, tmp)) leftovers.remove(tmp);
        }
    }

    private static void closeQuietly(Connection c) {
        for (SftpClient s : c.channels) {
            if (s == null) continue;
            try {
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
        }
        // Waits for the socket to be closed: the client's stop() right after would shut the I/O
        // executor down under the session's pending read, whose completion then fails on a JVM
        // thread with a stack trace on stderr ("Executor has been shut down").
        try {
            c.session.close(true).await(java.time.Duration.ofSeconds(5));
        } catch (IOException e) {
            // closing anyway (interrupted or timed out)
        }
    }

    /** Connects and logs in (called with {@link #lock} held). */
    private Connection connect() throws IOException {
        if (client == null) {
            SshClient c = SshClient.setUpDefaultClient();
            c.start();
            client = c;
        }
        // The effective host: the location, then -p/-l, then ~/.ssh/config (HostName, Port, User, IdentityFile).
        int port = where.port() > 0 ? where.port() : args.port();
        String user = where.user() != null ? where.user() : args.user();
        if (args.config() != null) {
            if (!Files.isRegularFile(args.config())) throw new IOException("the ssh config file " + args.config() + " (-F) does not exist");
            client.setHostConfigEntryResolver(new ConfigFileHostEntryResolver(args.config()));
        }
        HostConfigEntry entry = client.getHostConfigEntryResolver().resolveEffectiveHost(where.host(), port, null, user, null, null);
        if (entry == null) entry = new HostConfigEntry(where.host(), where.host(), port, user, null);
        if (entry.getPort() <= 0) entry.setPort(port > 0 ? port : 22);
        if (entry.getUsername() == null || entry.getUsername().isEmpty()) entry.setUsername(System.getProperty("user.name"));
        if (entry.getHostName() == null || entry.getHostName().isEmpty()) entry.setHostName(where.host());
        String target = entry.getUsername() + "@" + entry.getHostName() + ":" + entry.getPort();

        List<Path> keyFiles = new ArrayList<>(args.identities());
        if (entry.getIdentities() != null) for (String f : entry.getIdentities()) keyFiles.add(Path.of(SftpSshArgs.expand(f)));
        boolean only = args.identitiesOnly() || "yes".equalsIgnoreCase(entry.getProperty("IdentitiesOnly"));
        if (!only) {
            Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
            for (String f : List.of("id_ed25519", "id_ecdsa", "id_rsa")) keyFiles.add(ssh.resolve(f));
        }
        String agentSocket = env.get("SSH_AUTH_SOCK");
        boolean haveAgent = agentSocket != null && !agentSocket.isBlank() && Files.exists(Path.of(agentSocket));
        List<KeyPair> keys = new ArrayList<>();
        List<String> tried = new ArrayList<>();
        // Public keys of named identity files that have a passphrase: the agent signs with them (as ssh does).
        List<java.security.PublicKey> viaAgent = new ArrayList<>();
        for (Path f : keyFiles) {
            if (!Files.exists(f)) {
                if (args.identities().contains(f)) throw new IOException("the identity file " + f + " (-i) does not exist");
                continue;
            }
            boolean named = args.identities().contains(f) || !isDefaultKey(f);
            boolean[] encrypted = {false};
            // Lifeboat never prompts: a passphrase asked for means the agent must hold the key.
            FilePasswordProvider none = (session, resource, retry) -> {
                encrypted[0] = true;
                return null;
            };
            try (InputStream in = Files.newInputStream(f)) {
                Iterable<KeyPair> kps = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(f.toString()), in, none);
                if (kps != null) for (KeyPair kp : kps) keys.add(kp);
                tried.add(f.toString());
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                if (encrypted[0] || isEncryptedFailure(e)) {
                    java.security.PublicKey pub = SftpAgent.publicKeyOf(f);
                    if (pub != null && haveAgent && SftpAgent.holds(Path.of(agentSocket), pub)) {
                        viaAgent.add(pub);
                        tried.add(f.toString());
                        continue;
                    }
                    if (named) throw new IOException("the key " + f + " has a passphrase; load it into ssh-agent (ssh-add " + f + ")");
                    continue;
                }
                // A key of an unknown kind: say so if it was asked for.
                if (args.identities().contains(f)) {
                    throw new IOException("cannot use the identity file " + f + " (" + describe(e)
                            + "); Lifeboat reads OpenSSH and PEM keys (without a passphrase, or with one through ssh-agent)");
                }
            }
        }

        // The ssh agent first (as ssh does); with IdentitiesOnly only its keys that match named identity files.
        boolean agent = haveAgent && (!only || !viaAgent.isEmpty());
        client.setAgentFactory(agent ? SftpAgent.factory(Path.of(agentSocket), only ? viaAgent : null) : null);

        // UserKnownHostsFile: -o first, then the Host entry's.
        List<Path> knownHosts = args.knownHosts();
        String fromConfig = entry.getProperty("UserKnownHostsFile");
        if (knownHosts.isEmpty() && fromConfig != null && !fromConfig.isBlank()) {
            knownHosts = new ArrayList<>();
            for (String f : fromConfig.strip().split("\\s+")) knownHosts.add(Path.of(SftpSshArgs.expand(f)));
        }
        SftpKnownHosts verifier = new SftpKnownHosts(knownHosts, "accept-new".equals(args.strict()), entry.getHost(),
                entry.getHostName(), entry.getPort());
        // Set on the client before connecting: the key exchange starts as soon as the session exists.
        client.setServerKeyVerifier(verifier);
        client.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(keys));
        // ConnectTimeout (as ssh): the TCP connect, then the server's SSH greeting, each within it.
        Duration answer = args.connectTimeout() > 0 ? Duration.ofSeconds(args.connectTimeout()) : CONNECT_TIMEOUT;
        ClientSession session;
        org.apache.sshd.client.future.ConnectFuture cf = client.connect(entry);
        try {
            if (!cf.await(answer)) {
                cf.cancel();
                throw unanswered(target + " did not accept the connection within " + answer.toSeconds() + " s");
            }
            session = cf.verify().getSession();
        } catch (IOException | RuntimeException e) {
            if (verifier.refusal() != null) throw new IOException(verifier.refusal());
            if (e instanceof StorageError || e instanceof UnansweredException) throw (IOException) e;
            throw connectFailure(target, e);
        }
        try {
            org.apache.sshd.client.future.AuthFuture af = session.auth();
            if (!af.await(answer) && session.getServerVersion() == null) {
                // A server that takes TCP but never speaks SSH (a wrong port, a hung sshd): no use waiting longer.
                session.close(true);
                throw unanswered(target + " did not answer as an SSH server within " + answer.toSeconds() + " s");
            }
            af.verify(CONNECT_TIMEOUT);
        } catch (StorageError.Transient | UnansweredException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            session.close(true);
            if (verifier.refusal() != null) throw new IOException(verifier.refusal());
            if (e instanceof InterruptedIOException ie) throw ie;
            if (!session.isAuthenticated() && isAuthFailure(e)) {
                String with = tried.isEmpty() ? "" : "the key" + (tried.size() == 1 ? " " : "s ") + String.join(", ", tried);
                if (agent) with = "the ssh agent's keys" + (with.isEmpty() ? "" : " and " + with);
                if (with.isEmpty()) with = "no key (no ssh agent, none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists and none was given with -i)";
                throw new IOException(target + " refused the login of " + entry.getUsername() + " with " + with
                        + "; add the public key to ~/.ssh/authorized_keys there, or name the right key with -o sftp.args=\"-i KEY\"");
            }
            throw connectFailure(target, e);
        }
        return new Connection(session, new SftpClient[Math.min(connections, MAX_CHANNELS)], target);
    }

    /**
     * A server that did not answer within ConnectTimeout: transient the first time (a moment's
     * overload), permanent after that, so that the stack's retry gives up after one more try
     * instead of waiting the timeout out ten times.
     */
    private IOException unanswered(String sentence) {
        if (unanswered++ == 0) return new StorageError.Transient(sentence, null);
        return new UnansweredException(sentence);
    }

    /** A server that again did not answer in time: permanent. */
    private static final class UnansweredException extends IOException {
        UnansweredException(String message) {
            super(message);
        }
    }

    /** Whether f is one of the default keys ~/.ssh/id_* (tried silently, as ssh does). */
    private static boolean isDefaultKey(Path f) {
        Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
        return f.equals(ssh.resolve("id_ed25519")) || f.equals(ssh.resolve("id_ecdsa")) || f.equals(ssh.resolve("id_rsa"));
    }

    /** MINA's words for a key whose passphrase was not given (when it did not ask the password provider). */
    private static boolean isEncryptedFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("no password data") || m.contains("encrypted")) return true;
        }
        return false;
    }

    private static boolean isAuthFailure(Exception e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("authentication") || m.contains("no more") || m.contains("auth");
    }

    /** A failure to reach the server: transient when it may pass (refused, reset, timed out), permanent otherwise. */
    private IOException connectFailure(String target, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new IOException("cannot connect to " + target + ": unknown host");
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof SocketTimeoutException
                    || t instanceof java.net.SocketException || t instanceof EOFException) {
                return new StorageError.Transient("cannot connect to " + target + " (" + describe(t) + ")", e);
            }
        }
        if (e instanceof InterruptedIOException ie) return ie;
        return new StorageError.Transient("cannot connect to " + target + " (" + describe(e) + ")", e);
    }

    // ---------------------------------------------------------------- the primitives

    @Override
    public void create() throws IOException {
        if (exists(Handle.CONFIG)) throw new StorageError.AlreadyExists(shown(path(Handle.CONFIG)), "a repository already exists here");
        mkdirs(root);
        for (FileType t : FileType.values()) {
            if (t != FileType.CONFIG) mkdirs(join(root, t.folder()));
        }
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < 256; i++) mkdirs(join(root, "data/" + hex.toHexDigits((byte) i)));
    }

    /**
     * mkdir -p on the server: a mkdir first (one round trip when the parent exists, as for the
     * 256 data/XX folders), else each missing folder from the top down; a file in the way is said
     * as such.
     */
    private void mkdirs(String dir) throws IOException {
        on("create the folder", dir, sftp -> {
            mkdirs(sftp, dir);
            return null;
        });
    }

    private void mkdirs(SftpClient sftp, String dir) throws IOException {
        try {
            sftp.mkdir(dir);
            return;
        } catch (SftpException e) {
            SftpClient.Attributes a = statOrNull(sftp, dir);
            if (a != null) {
                if (a.isDirectory()) return; // there already, or made by another writer meanwhile
                throw new NotAFolderException(shown(dir), "it is a file, not a folder, so the repository folder cannot be made there");
            }
            String up = parent(dir);
            if (up.equals(dir) || dir.equals(".")) throw e;
            SftpClient.Attributes p = statOrNull(sftp, up);
            if (p != null && p.isDirectory()) throw e; // the parent is there: the mkdir itself was refused
        }
        mkdirs(sftp, parent(dir));
        try {
            sftp.mkdir(dir);
        } catch (SftpException e) {
            SftpClient.Attributes a = statOrNull(sftp, dir);
            if (a == null || !a.isDirectory()) throw e;
        }
    }

    private static SftpClient.Attributes statOrNull(SftpClient sftp, String p) throws IOException {
        try {
            return sftp.stat(p);
        } catch (SftpException e) {
            if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE || e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_PATH) return null;
            throw e;
        }
    }

    @Override
    public boolean containerExists() throws IOException {
        String dir = root;
        return on("read", dir, sftp -> {
            SftpClient.Attributes a = statOrNull(sftp, dir);
            return a != null;
        });
    }

    /**
     * {@inheritDoc} A lock is read without following a link (lstat) and refused, naming its kind,
     * when it is not a regular file.
     */
    @Override
    public FileStat stat(Handle h) throws IOException {
        String p = path(h);
        SftpClient.Attributes a = on("read", p, sftp -> h.type() == FileType.LOCK ? sftp.lstat(p) : sftp.stat(p));
        if (h.type() == FileType.LOCK && !a.isRegularFile()) {
            throw new StorageError.NotAFile(shown(p) + ": it is " + (a.isDirectory() ? "a folder" : a.isSymbolicLink() ? "a symbolic link" : "a special file")
                    + ", not a file");
        }
        // a folder's size is no file's size: said as what it is
        if (a.isDirectory()) throw new StorageError.NotAFile(shown(p) + " is a folder, not a file");
        return new FileStat(a.getSize(), a.getModifyTime() == null ? null : a.getModifyTime().toInstant(), null);
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        Backend.checkRange(offset, length);
        String p = path(h);
        SftpClient sftp = channel();
        SftpClient.CloseableHandle handle;
        long size;
        try {
            if (h.type() == FileType.LOCK) {
                SftpClient.Attributes a = sftp.lstat(p);
                if (!a.isRegularFile()) throw new StorageError.NotAFile(shown(p) + ": it is not a file");
            }
            handle = sftp.open(p, SftpClient.OpenMode.Read);
        } catch (IOException | RuntimeException e) {
            throw failure(sftp, "read", p, e);
        }
        try {
            try {
                SftpClient.Attributes a = sftp.stat(handle);
                if (a.isDirectory()) throw new StorageError.NotAFile(shown(p) + " is a folder, not a file");
                size = a.getSize();
            } catch (IOException | RuntimeException e) {
                throw failure(sftp, "read", p, e);
            }
            long end = length == 0 ? size : offset + length;
            if (offset > size || end > size) {
                throw new StorageError.BadRange(shown(p) + ": file ends before offset " + end + " (it has " + size + " bytes)");
            }
            try (InputStream in = new SftpRange(sftp, handle, p, offset, end)) {
                consumer.read(in);
            }
        } finally {
            try {
                handle.close();
            } catch (IOException | RuntimeException e) {
                // the handle dies with a broken channel; a failure here changes nothing read
            }
        }
    }

    /**
     * SFTP reads of one open file from {@code pos} to {@code end}: pipelined (MINA's read-ahead
     * stream keeps many requests in flight, as restic's client does, so a pack over a slow link is
     * not one round trip per piece), each request at most {@link #CHUNK} bytes and no larger than
     * the range.
     */
    private final class SftpRange extends RangeStream {
        private final SftpClient sftp;
        private final SftpClient.CloseableHandle handle;
        private final String p;
        private InputStream ahead;

        SftpRange(SftpClient sftp, SftpClient.CloseableHandle handle, String p, long pos, long end) {
            super(pos, end);
            this.sftp = sftp;
            this.handle = handle;
            this.p = p;
        }

        @Override
        int readAt(byte[] b, int off, int want) throws IOException {
            try {
                if (sftp instanceof AbstractSftpClient a) {
                    if (ahead == null) {
                        int piece = (int) Math.max(1, Math.min(CHUNK, end - pos));
                        ahead = new SftpInputStreamAsync(a, piece, pos, end, p, handle, false);
                    }
                    return ahead.read(b, off, want);
                }
                return sftp.read(handle, pos, b, off, Math.min(want, CHUNK));
            } catch (IOException | RuntimeException e) {
                throw failure(sftp, "read", p, e);
            }
        }

        @Override
        String shown() {
            return SftpBackend.this.shown(p);
        }

        /** Once read-ahead has started, skipped bytes are read through it (its position is its own). */
        @Override
        public long skip(long n) throws IOException {
            if (ahead == null) return super.skip(n);
            long k = Math.max(0, Math.min(n, end - pos));
            byte[] scratch = new byte[(int) Math.min(k, 8192)];
            long done = 0;
            while (done < k) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, k - done));
                if (r < 0) break;
                done += r;
            }
            return done;
        }

        @Override
        public void close() throws IOException {
            if (ahead != null) {
                try {
                    ahead.close(); // the handle stays open: load closes it
                } catch (IOException | RuntimeException e) {
                    // replies still in flight on a broken channel: nothing more is read
                }
            }
        }
    }

    /**
     * {@inheritDoc} SFTP keeps no retention: COMPLIANCE is refused with {@link StorageError.Denied}
     * (the server's owner can always remove a file), GOVERNANCE is accepted and not kept, as for a
     * local folder.
     */
    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        String p = path(h);
        if (options.retention() == PutOptions.Retention.COMPLIANCE) {
            throw new StorageError.Denied(shown(p), "an SFTP server cannot keep a file under COMPLIANCE retention");
        }
        // Inside the write gate: an interrupted process writes nothing after it removed its lock.
        WriteStop.enter();
        try {
            saveFile(p, data, offset, length);
        } finally {
            WriteStop.leave();
        }
    }

    private void saveFile(String p, byte[] data, int offset, int length) throws IOException {
        String dir = parent(p);
        String name = p.substring(p.lastIndexOf('/') + 1);
        // Not a 64-hex ID, so restic and Lifeboat ignore a leftover.
        String tmp = join(dir, ".tmp-" + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        SftpClient sftp = channel();
        try {
            if (statOrNull(sftp, p) != null) throw exists(p);
            SftpClient.CloseableHandle handle;
            try {
                handle = sftp.open(tmp, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Exclusive);
            } catch (SftpException e) {
                if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE && e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_PATH) throw e;
                // The folder is missing (a repository made by a tool that makes data/XX/ on demand).
                mkdirs(dir);
                handle = sftp.open(tmp, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Exclusive);
            }
            boolean done = false;
            try {
                try (SftpClient.CloseableHandle w = handle) {
                    if (sftp instanceof AbstractSftpClient a) {
                        // Pipelined: writes go out without waiting for each reply; close waits for all of them.
                        try (SftpOutputStreamAsync out = new SftpOutputStreamAsync(a, 0, tmp, w, false)) {
                            for (int at = 0; at < length; ) {
                                checkInterrupt(p);
                                int n = Math.min(4 * CHUNK, length - at);
                                out.write(data, offset + at, n);
                                at += n;
                            }
                        }
                    } else {
                        for (int at = 0; at < length; ) {
                            checkInterrupt(p);
                            int n = Math.min(CHUNK, length - at);
                            sftp.write(w, at, data, offset + at, n);
                            at += n;
                        }
                    }
                    OpenSSHFsyncExtension fsync = sftp.getExtension(OpenSSHFsyncExtension.class);
                    if (fsync != null && fsync.isSupported()) fsync.fsync(w);
                }
                try {
                    // Plain SFTP rename never replaces a file (OpenSSH: link + unlink, failing on a taken name).
                    sftp.rename(tmp, p);
                } catch (SftpException e) {
                    if (statOrNull(sftp, p) != null) throw exists(p);
                    throw e;
                }
                done = true;
            } finally {
                // A failed save leaves no temporary file: removed now, or on the next connection if this one is gone.
                if (!done && !removeQuietly(sftp, tmp)) leftovers.add(tmp);
            }
        } catch (IOException | RuntimeException e) {
            throw failure(sftp, "write", p, e);
        }
    }

    private void checkInterrupt(String p) throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted while writing " + shown(p));
    }

    /** Removes tmp; true when it is gone (removed, or never made), false when the server could not be asked. */
    private static boolean removeQuietly(SftpClient sftp, String tmp) {
        try {
            if (!sftp.isOpen() || Thread.currentThread().isInterrupted()) return false;
            sftp.remove(tmp);
            return true;
        } catch (SftpException e) {
            return e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE || e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_PATH;
        } catch (IOException | RuntimeException e) {
            return false; // a leftover temporary name is ignored by every reader; the next connection removes it
        }
    }

    private StorageError.AlreadyExists exists(String p) {
        return new StorageError.AlreadyExists(shown(p), "the file already exists; repository files are written once");
    }

    @Override
    public void remove(Handle h) throws IOException {
        String p = path(h);
        on("remove", p, sftp -> {
            try {
                sftp.remove(p);
            } catch (SftpException e) {
                if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE && e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_PATH) throw e;
            }
            return null;
        });
    }

    /**
     * {@inheritDoc} A missing folder lists nothing (as restic); a folder that is a file is an
     * IOException naming it. A lock entry that is not a regular file is listed with size -1.
     */
    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        if (type == FileType.CONFIG) {
            String p = path(Handle.CONFIG);
            SftpClient.Attributes a = on("read", p, sftp -> statOrNull(sftp, p));
            if (a != null) fn.accept(new FileInfo("", a.getSize()));
            return;
        }
        String dir = join(root, type.folder());
        if (type == FileType.DATA) {
            List<String> subs = new ArrayList<>();
            on("list", dir, sftp -> {
                for (SftpClient.DirEntry e : entries(sftp, dir)) {
                    if (e.getFilename().matches("[0-9a-f]{2}") && e.getAttributes().isDirectory()) subs.add(e.getFilename());
                }
                return null;
            });
            for (String s : subs) listInto(join(dir, s), type, fn);
        } else {
            listInto(dir, type, fn);
        }
    }

    /** The entries of a folder, read whole before any is passed on (a consumer must not hold the channel). */
    private List<SftpClient.DirEntry> entries(SftpClient sftp, String dir) throws IOException {
        SftpClient.Attributes a = statOrNull(sftp, dir);
        if (a == null) return List.of();
        if (!a.isDirectory()) {
            throw new IOException("the repository's folder " + shown(dir) + " is not a folder; the repository layout is damaged");
        }
        List<SftpClient.DirEntry> out = new ArrayList<>();
        for (SftpClient.DirEntry e : sftp.readDir(dir)) out.add(e);
        return out;
    }

    private void listInto(String dir, FileType type, Consumer<FileInfo> fn) throws IOException {
        List<FileInfo> found = new ArrayList<>();
        on("list", dir, sftp -> {
            for (SftpClient.DirEntry e : entries(sftp, dir)) {
                if (!Backend.isId(e.getFilename())) continue;
                SftpClient.Attributes a = e.getAttributes();
                if (type == FileType.DATA) {
                    // outside data/<its first two hex digits>/, or not a file: listed as such, never as a pack to read
                    String folder = dir.substring(dir.lastIndexOf('/') + 1);
                    String foundAt = e.getFilename().startsWith(folder) ? null : "data/" + folder + "/" + e.getFilename();
                    found.add(new FileInfo(e.getFilename(), a.isRegularFile() ? a.getSize() : -1, a.isRegularFile(), foundAt));
                    continue;
                }
                found.add(new FileInfo(e.getFilename(), type == FileType.LOCK && !a.isRegularFile() ? -1 : a.getSize(),
                        type != FileType.LOCK || a.isRegularFile(), null));
            }
            return null;
        });
        found.forEach(fn);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            if (conn != null && conn.session.isOpen() && !leftovers.isEmpty()) {
                for (SftpClient s : conn.channels) {
                    if (s != null && s.isOpen()) {
                        sweep(s);
                        break;
                    }
                }
            }
            if (conn != null) closeQuietly(conn);
            conn = null;
            if (client != null) {
                try {
                    client.stop();
                } catch (RuntimeException e) {
                    // closing anyway
                }
                client = null;
            }
        }
    }
}
