package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OpenSshServer;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/**
 * Faults a tester found in the sftp: backend, each against the real sshd: known_hosts patterns and
 * markers, a passphrase key held by ssh-agent, a full or read-only disk on the server, temporary
 * files left by a dropped save, library log lines, a server that never greets, a port that is no
 * number.
 */
class SftpFaultsTest {
    @TempDir
    Path tmp;

    private static int n;

    private static OpenSshServer server() {
        return OpenSshServer.shared();
    }

    private static String newFolder() {
        return server().dir().resolve("faults/repo" + n++).toString();
    }

    private static Backend raw(String location, Map<String, String> options) {
        return Backends.raw(location, new BackendOptions(options));
    }

    private static String hostKey() throws IOException {
        String[] pub = Files.readString(server().hostPublicKey()).strip().split(" ");
        return pub[0] + " " + pub[1];
    }

    private Backend withKnownHosts(String knownHostsText, String moreArgs) throws IOException {
        Path known = tmp.resolve("known_hosts");
        Files.writeString(known, knownHostsText);
        OpenSshServer s = server();
        return raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + s.privateKey() + " -o UserKnownHostsFile=" + known + moreArgs));
    }

    // ------------------------------------------------------------------ 1. known_hosts patterns

    @Test
    void knownHostsPatternsMatchAsOpenSshMatchesThem() {
        assertThat(SftpKnownHosts.hostMatches("*", "[127.0.0.1]:2222")).isTrue();
        assertThat(SftpKnownHosts.hostMatches("example.org,[127.0.0.?]:2222", "[127.0.0.1]:2222")).isTrue();
        assertThat(SftpKnownHosts.hostMatches("*.EXAMPLE.org", "backup.example.org")).isTrue();
        assertThat(SftpKnownHosts.hostMatches("*.example.org,!backup.example.org", "backup.example.org")).isFalse();
        assertThat(SftpKnownHosts.hostMatches("!backup.example.org", "other.example.org")).isFalse();
        assertThat(SftpKnownHosts.hostMatches("127.0.0.1", "[127.0.0.1]:2222")).isFalse();
        assertThat(SftpKnownHosts.hostMatches("|1|bad", "127.0.0.1")).isFalse();
    }

    @Test
    void aWildcardLineAndAHashedLineAreAcceptedAsSshAcceptsThem() throws Exception {
        OpenSshServer s = server();
        try (Backend b = withKnownHosts("* " + hostKey() + "\n", "")) {
            assertThat(b.containerExists()).isFalse();
        }
        // ssh-keygen -H hashes the names as ssh writes them with HashKnownHosts=yes.
        Path hashed = tmp.resolve("hashed");
        Files.writeString(hashed, "[127.0.0.1]:" + s.port() + " " + hostKey() + "\n");
        Proc.run(List.of("ssh-keygen", "-q", "-H", "-f", hashed.toString()), Map.of(), null, null, 60).ok();
        assertThat(Files.readString(hashed)).startsWith("|1|");
        try (Backend b = withKnownHosts(Files.readString(hashed), "")) {
            assertThat(b.containerExists()).isFalse();
        }
        // A negated pattern excludes the host although * names it: the key is unknown.
        try (Backend b = withKnownHosts("*,![127.0.0.1]:" + s.port() + " " + hostKey() + "\n", "")) {
            assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class).hasMessageContaining("is not in ");
        }
    }

    @Test
    void aRevokedKeyIsRefusedWhateverElseListsItAndWithStrictHostKeyCheckingNo() throws Exception {
        OpenSshServer s = server();
        String revoked = "@revoked * " + hostKey() + "\n";
        try (Backend b = withKnownHosts(revoked + "[127.0.0.1]:" + s.port() + " " + hostKey() + "\n", "")) {
            assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class)
                    .hasMessageStartingWith("the host key of [127.0.0.1]:" + s.port() + " (ssh-ed25519 SHA256:")
                    .hasMessageContaining("is marked @revoked in " + tmp.resolve("known_hosts"));
        }
        try (Backend b = withKnownHosts(revoked, " -o StrictHostKeyChecking=no")) {
            assertThatThrownBy(b::containerExists).hasMessageContaining("is marked @revoked");
        }
        assertThat(Files.readString(tmp.resolve("known_hosts"))).isEqualTo(revoked);
    }

    // ------------------------------------------------------------------ 2. a passphrase key in the agent

    @Test
    void aPassphraseKeyNamedWithDashIIsUsedThroughTheAgentOrSaidInOneSentence() throws Exception {
        OpenSshServer s = server();
        // ppkey: the authorized key with a passphrase; the agent holds the same key.
        Path pp = tmp.resolve("ppkey");
        Files.copy(s.privateKey(), pp);
        Files.copy(Path.of(s.privateKey() + ".pub"), Path.of(pp + ".pub"));
        Files.setPosixFilePermissions(pp, PosixFilePermissions.fromString("rw-------"));
        Proc.run(List.of("ssh-keygen", "-q", "-p", "-P", "", "-N", "secret", "-f", pp.toString()), Map.of(), null, null, 60).ok();
        try (OpenSshServer.Agent agent = s.agent(tmp.resolve("agent.sock"))) {
            Map<String, String> env = agent.env();
            String loc = s.location(Path.of(newFolder()));
            BackendOptions o = new BackendOptions(Map.of("sftp.args", "-i " + pp + " -o IdentitiesOnly=yes -o UserKnownHostsFile=" + s.knownHosts()));
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, env)) {
                assertThat(b.containerExists()).isFalse();
            }
            // Without ppkey.pub the public key comes from the OpenSSH key file's clear header, as ssh reads it.
            Files.delete(Path.of(pp + ".pub"));
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, env)) {
                assertThat(b.containerExists()).isFalse();
            }
            String says = "the key " + pp + " has a passphrase; load it into ssh-agent (ssh-add " + pp + ")";
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, Map.of())) {
                assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class).hasMessage(says);
            }
            Proc.run(List.of("/usr/bin/ssh-add", "-D"), env, null, null, 60).ok();
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, env)) {
                assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class).hasMessage(says);
            }
        }
    }

    // ------------------------------------------------------------------ 3. a full or read-only disk

    @Test
    void aFullOrReadOnlyDiskOnTheServerIsOneSentenceNamingTheFileAndIsNotRetried() throws Exception {
        OpenSshServer s = server();
        String folder = newFolder();
        String loc = s.location(Path.of(folder));
        Map<String, String> o = Map.of("sftp.args", s.sftpArgs());
        Path sub = Path.of(folder, "data", "99");
        String id = "99" + BackendContract.id(3).substring(2);
        Handle h = new Handle(FileType.DATA, id);
        try (Backend b = raw(loc, o)) {
            b.create();
            // A 64 KiB file system on data/99: a 1 MiB pack does not fit.
            Proc.run(List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", sub.toString()), Map.of(), null, null, 60).ok();
            try {
                String says = "the SFTP server refused to write " + loc + "/data/99/" + id
                        + ": the server reports a failure (is its disk full or the folder read-only?)";
                assertThatThrownBy(() -> b.save(h, BackendContract.bytes(1 << 20, 3))).isInstanceOf(IOException.class)
                        .isNotInstanceOf(StorageError.class).hasMessage(says);
                try (Stream<Path> left = Files.list(sub)) {
                    assertThat(left).as("the partial temporary file is removed").isEmpty();
                }
                // Read-only: the same sentence, and through the stack no retry.
                Proc.run(List.of("mount", "-o", "remount,ro", sub.toString()), Map.of(), null, null, 60).ok();
                try (Backend st = Backends.stack(raw(loc, o), new BackendOptions(o).retry(BackendContract.FAST))) {
                    assertThatThrownBy(() -> st.save(h, new byte[] {1})).hasMessage(says);
                    assertThat(Backends.metrics(st).op(BackendMetrics.Op.SAVE).retries()).isZero();
                }
            } finally {
                Proc.run(List.of("umount", sub.toString()), Map.of(), null, null, 60).ok();
            }
        }
        assertThat(SftpBackend.refusal(org.apache.sshd.sftp.common.SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM, "write"))
                .isEqualTo("the server's disk is full");
        assertThat(SftpBackend.refusal(org.apache.sshd.sftp.common.SftpConstants.SSH_FX_QUOTA_EXCEEDED, "write")).contains("quota");
        assertThat(SftpBackend.refusal(org.apache.sshd.sftp.common.SftpConstants.SSH_FX_WRITE_PROTECT, "write")).contains("read-only");
    }

    // ------------------------------------------------------------------ 4. no temporary file left by a dropped save

    @Test
    void aSaveWhoseConnectionDropsLeavesNoTemporaryFileWhenTheRetrySucceeds() throws Exception {
        OpenSshServer s = server();
        String folder = newFolder();
        Map<String, String> o = Map.of("sftp.args", s.sftpArgs());
        String loc = s.location(Path.of(folder));
        Handle h = new Handle(FileType.DATA, BackendContract.id(7));
        Path sub = Path.of(folder, "data", h.name().substring(0, 2));
        byte[] d = BackendContract.bytes(64 << 20, 7);
        try (Backend st = Backends.stack(raw(loc, o), new BackendOptions(o).retry(BackendContract.FAST))) {
            st.create();
            AtomicBoolean dropped = new AtomicBoolean();
            // Drops the connections as soon as the temporary file has bytes: mid-save.
            Thread dropper = new Thread(() -> {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    try (Stream<Path> l = Files.list(sub)) {
                        if (l.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-") && p.toFile().length() > 0)) {
                            dropped.set(s.dropConnections() > 0);
                            return;
                        }
                    } catch (IOException e) {
                        // listing raced a rename: look again
                    }
                    Thread.onSpinWait();
                }
            });
            dropper.start();
            st.save(h, d);
            dropper.join();
            assertThat(dropped).as("the connection dropped during the save").isTrue();
            assertThat(Backends.metrics(st).op(BackendMetrics.Op.SAVE).retries()).isPositive();
            assertThat(st.load(h)).isEqualTo(d);
            try (Stream<Path> l = Files.list(sub)) {
                assertThat(l.map(p -> p.getFileName().toString())).containsExactly(h.name());
            }
        }
    }

    // ------------------------------------------------------------------ 5. no library log lines

    @Test
    void aChangedHostKeyPrintsExactlyOneLine() throws Exception {
        OpenSshServer s = server();
        Path other = tmp.resolve("other");
        Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()), Map.of(), null, null, 60).ok();
        String[] pub = Files.readString(tmp.resolve("other.pub")).split(" ");
        Path known = tmp.resolve("known_hosts");
        Files.writeString(known, "[127.0.0.1]:" + s.port() + " " + pub[0] + " " + pub[1] + "\n");
        Path pw = Cli.passwordFile(tmp);
        Run r = Cli.raw(null, "-r", "sftp:root@127.0.0.1:" + newFolder(), "--password-file", pw.toString(),
                "-o", "sftp.args=-p " + s.port() + " -i " + s.privateKey() + " -o UserKnownHostsFile=" + known, "snapshots");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("Fatal: the host key of [127.0.0.1]:" + s.port() + " has changed");
    }

    // ------------------------------------------------------------------ 6. a server that never greets

    @Test
    void aServerThatNeverGreetsIsOneSentenceAfterConnectTimeoutAndRetriedOnceOnly() throws Exception {
        // The kernel completes the TCP handshake into the backlog; nothing ever answers.
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = silent.getLocalPort();
            String loc = "sftp://root@127.0.0.1:" + port + "//tmp/x";
            Map<String, String> o = Map.of("sftp.args", "-o ConnectTimeout=1 -o UserKnownHostsFile=" + tmp.resolve("kh"));
            String says = "root@127.0.0.1:" + port + " did not answer as an SSH server within 1 s";
            long start = System.nanoTime();
            try (Backend b = raw(loc, o)) {
                assertThatThrownBy(b::containerExists).isInstanceOf(StorageError.Transient.class).hasMessage(says);
                assertThatThrownBy(b::containerExists).isInstanceOf(IOException.class).isNotInstanceOf(StorageError.class).hasMessage(says);
            }
            try (Backend st = Backends.stack(raw(loc, o), new BackendOptions(o).retry(BackendContract.FAST))) {
                assertThatThrownBy(() -> st.stat(Handle.CONFIG)).hasMessage(says);
                assertThat(Backends.metrics(st).op(BackendMetrics.Op.STAT).retries()).isEqualTo(1);
            }
            assertThat((System.nanoTime() - start) / 1_000_000_000L).as("seconds for four 1 s timeouts").isLessThan(20);
            // ConnectTimeout must be a number of seconds.
            assertThatThrownBy(() -> SftpSshArgs.parseArgs("-o ConnectTimeout=soon")).hasMessageContaining("ConnectTimeout=soon");
        }
    }

    // ------------------------------------------------------------------ 7. a port that is no number

    @Test
    void aPortThatIsNoNumberIsSaidAsSuch() {
        assertThatThrownBy(() -> raw("sftp://root@127.0.0.1:notaport//x", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("repository location 'sftp://root@127.0.0.1:notaport//x' gives the port 'notaport', which is not a number "
                        + "from 1 to 65535");
        assertThatThrownBy(() -> raw("sftp://root@127.0.0.1:70000//x", Map.of())).hasMessageContaining("the port '70000'");
    }
}
