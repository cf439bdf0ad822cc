package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.OpenSshServer;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/** The sftp: backend's location syntax, ssh options, host key checks, login failures and reconnects, against the real sshd. */
class SftpBackendTest {
    @TempDir
    Path tmp;

    private static int n;

    private static OpenSshServer server() {
        return OpenSshServer.shared();
    }

    private static Backend raw(String location, Map<String, String> options) {
        return Backends.raw(location, new BackendOptions(options));
    }

    private static String newFolder() {
        return server().dir().resolve("t/repo" + n++).toString();
    }

    // ------------------------------------------------------------------ parsing

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "sftp:alice@example.org:/srv/repo       | alice      | example.org | 0    | /srv/repo",
        "sftp:alice@example.org:backups/repo    | alice      | example.org | 0    | backups/repo",
        "sftp:example.org:/srv/repo             | null       | example.org | 0    | /srv/repo",
        "sftp:backup-host:/srv/./a/../repo/     | null       | backup-host | 0    | /srv/repo",
        "sftp:alice@corp@example.org:/srv/repo  | alice@corp | example.org | 0    | /srv/repo",
        "sftp:example.org:                      | null       | example.org | 0    | .",
        "sftp://alice@example.org:2222//srv/repo | alice     | example.org | 2222 | /srv/repo",
        "sftp://alice@example.org:2222/backups/repo | alice  | example.org | 2222 | backups/repo",
        "sftp://example.org/repo                | null       | example.org | 0    | repo",
        "sftp://alice@[::1]:2222//srv/repo      | alice      | ::1         | 2222 | /srv/repo",
    })
    void locationsParseAsResticParsesThem(String location, String user, String host, int port, String path) {
        assertThat(SftpLocation.parse(location, location.substring("sftp:".length())))
                .isEqualTo(new SftpLocation(user, host, port, path));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "sftp:example.org                | names no folder",
        "sftp://alice@example.org:22     | names no folder",
        "sftp:example.org:~/repo         | starts its path with ~",
        "sftp://alice:s3cret@example.org//srv | holds a password",
        "sftp:alice:s3cret@example.org:/srv   | holds a password",
    })
    void badLocationsAreRefusedInOneSentenceWithoutThePassword(String location, String says) {
        assertThatThrownBy(() -> raw(location, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(says).hasMessageNotContaining("s3cret").hasMessageNotContaining("\n");
    }

    @Test
    void sshArgsAreReadAndWhatTheClientCannotDoIsRefusedNamingIt() {
        SftpSshArgs a = SftpSshArgs.parseArgs("-i /k/one -p 2222 -l bob -o UserKnownHostsFile=/k/hosts -oIdentityFile=\"/k/t w o\" "
                + "-o 'StrictHostKeyChecking accept-new' -o BatchMode=yes");
        assertThat(a.identities()).containsExactly(Path.of("/k/one"), Path.of("/k/t w o"));
        assertThat(a.port()).isEqualTo(2222);
        assertThat(a.user()).isEqualTo("bob");
        assertThat(a.knownHosts()).containsExactly(Path.of("/k/hosts"));
        assertThat(a.strict()).isEqualTo("accept-new");
        assertThat(SftpSshArgs.NONE.strict()).isEqualTo("yes");

        assertThatThrownBy(() -> SftpSshArgs.parseArgs("-J jump.example.org")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'-J'").hasMessageContaining("-i FILE");
        assertThatThrownBy(() -> SftpSshArgs.parseArgs("-o ProxyCommand=nc")).hasMessageContaining("-o ProxyCommand=nc");
        assertThatThrownBy(() -> SftpSshArgs.parseArgs("-p 99999")).hasMessageContaining("not a number from 1 to 65535");
        assertThatThrownBy(() -> SftpSshArgs.parseArgs("-i 'unclosed")).hasMessageContaining("unclosed");

        // restic users' sftp.command lines of the usual form are read as the same options ...
        SftpSshArgs c = SftpSshArgs.parseCommand("ssh -i /k/one -p 2200 -o UserKnownHostsFile=/k/h backup@nas -s sftp");
        assertThat(c.destination()).isEqualTo("backup@nas");
        assertThat(c.port()).isEqualTo(2200);
        assertThat(c.identities()).containsExactly(Path.of("/k/one"));
        // ... anything else is refused, saying that Lifeboat runs no program and what replaces it.
        assertThatThrownBy(() -> raw("sftp:nas:/r", Map.of("sftp.command", "plink -batch nas -s sftp")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own SSH client")
                .hasMessageContaining("sftp.args").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> raw("sftp:nas:/r", Map.of("sftp.command", "ssh nas -s sftp", "sftp.args", "-p 1")))
                .hasMessageContaining("cannot be given together");
    }

    // ------------------------------------------------------------------ against the real sshd

    @Test
    void theScpFormWithPortAndKeyInSftpArgsAndASftpCommandReachTheSameRepository() throws IOException {
        OpenSshServer s = server();
        String folder = newFolder();
        try (Backend a = raw("sftp:root@127.0.0.1:" + folder, Map.of("sftp.args", "-p " + s.port() + " " + s.sftpArgs()))) {
            assertThat(a.containerExists()).isFalse();
            a.create();
            assertThat(a.containerExists()).isTrue();
            a.save(new Handle(FileType.KEY, BackendContract.id(1)), new byte[] {1, 2, 3});
        }
        assertThat(Files.isDirectory(Path.of(folder, "data", "ff"))).isTrue();
        assertThat(Files.readAllBytes(Path.of(folder, "keys", BackendContract.id(1)))).containsExactly(1, 2, 3);
        try (Backend b = raw("sftp:ignored-host:" + folder, Map.of("sftp.command", s.sshCommand()))) {
            assertThat(b.list(FileType.KEY)).containsExactly(new FileInfo(BackendContract.id(1), 3));
        }
    }

    @Test
    void aFileWhereTheRepositoryFolderWouldBeIsSaidAsSuchAndNotRetried() throws IOException {
        OpenSshServer s = server();
        Path file = Path.of(newFolder());
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not a folder");
        try (Backend b = raw(s.location(file.resolve("repo")), Map.of("sftp.args", s.sftpArgs()))) {
            assertThatThrownBy(b::create).isInstanceOf(NotAFolderException.class).isNotInstanceOf(StorageError.class)
                    .hasMessageContaining("it is a file, not a folder");
        }
        assertThat(Files.readString(file)).isEqualTo("not a folder");
    }

    @Test
    void aHostAliasOfTheSshConfigGivesHostNamePortUserKeyAndKnownHosts() throws IOException {
        OpenSshServer s = server();
        Path config = tmp.resolve("ssh_config");
        Files.writeString(config, String.join("\n",
                "Host backup-box",
                "  HostName 127.0.0.1",
                "  Port " + s.port(),
                "  User root",
                "  IdentityFile " + s.privateKey(),
                "  IdentitiesOnly yes",
                "  UserKnownHostsFile " + s.knownHosts(),
                ""));
        String folder = newFolder();
        try (Backend b = raw("sftp:backup-box:" + folder, Map.of("sftp.args", "-F " + config))) {
            b.create();
            b.save(Handle.CONFIG, new byte[] {4, 2});
        }
        assertThat(Files.readAllBytes(Path.of(folder, "config"))).containsExactly(4, 2);
        try (Backend b = raw("sftp:backup-box:" + folder, Map.of("sftp.args", "-F " + tmp.resolve("missing")))) {
            assertThatThrownBy(b::containerExists).hasMessage("the ssh config file " + tmp.resolve("missing") + " (-F) does not exist");
        }
    }

    @Test
    void aRelativePathIsBelowTheLoginFolder() throws IOException {
        OpenSshServer s = server();
        String rel = "lifeboat-sftp-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path home = Path.of(System.getProperty("user.home"));
        try (Backend b = raw("sftp://root@127.0.0.1:" + s.port() + "/" + rel + "/repo", Map.of("sftp.args", s.sftpArgs()))) {
            b.create();
            b.save(Handle.CONFIG, new byte[] {7});
            assertThat(Files.readAllBytes(home.resolve(rel).resolve("repo/config"))).containsExactly(7);
        } finally {
            Proc.run(List.of("rm", "-rf", home.resolve(rel).toString()), Map.of(), null, null, 60);
        }
    }

    @Test
    void anUnknownHostKeyIsRefusedSayingHowToAddItAndIsNeverAccepted() throws IOException {
        OpenSshServer s = server();
        Path known = tmp.resolve("known_hosts");
        Files.writeString(known, "");
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + s.privateKey() + " -o UserKnownHostsFile=" + known))) {
            assertThatThrownBy(b::containerExists).isInstanceOf(IOException.class).isNotInstanceOf(StorageError.class)
                    .hasMessageStartingWith("the host key of [127.0.0.1]:" + s.port() + " (ssh-ed25519 SHA256:")
                    .hasMessageContaining("is not in " + known)
                    .hasMessageContaining("ssh-keyscan -p " + s.port() + " 127.0.0.1 >> " + known)
                    .hasMessageNotContaining("\n");
        }
        assertThat(Files.readString(known)).isEmpty();

        // accept-new (asked for) records it, and then it is known.
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + s.privateKey() + " -o UserKnownHostsFile=" + known
                + " -o StrictHostKeyChecking=accept-new"))) {
            assertThat(b.containerExists()).isFalse();
        }
        assertThat(Files.readString(known)).startsWith("[127.0.0.1]:" + s.port() + " ssh-ed25519 ");
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + s.privateKey() + " -o UserKnownHostsFile=" + known))) {
            assertThat(b.containerExists()).isFalse();
        }
    }

    @Test
    void aChangedHostKeyIsRefusedEvenWithAcceptNew() throws IOException {
        OpenSshServer s = server();
        Path other = tmp.resolve("other");
        Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()), Map.of(), null, null, 60).ok();
        Path known = tmp.resolve("known_hosts");
        String[] pub = Files.readString(tmp.resolve("other.pub")).split(" ");
        Files.writeString(known, "[127.0.0.1]:" + s.port() + " " + pub[0] + " " + pub[1] + "\n");
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + s.privateKey() + " -o UserKnownHostsFile=" + known
                + " -o StrictHostKeyChecking=accept-new"))) {
            assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class)
                    .hasMessageStartingWith("the host key of [127.0.0.1]:" + s.port() + " has changed")
                    .hasMessageContaining("ssh-keygen -R '[127.0.0.1]:" + s.port() + "' -f " + known)
                    .hasMessageNotContaining("\n");
        }
        assertThat(Files.readAllLines(known)).hasSize(1);
    }

    @Test
    void aKeyTheServerDoesNotAcceptIsOneSentenceNamingUserAndHostAndExit1() throws IOException {
        OpenSshServer s = server();
        Path wrong = tmp.resolve("wrong");
        Proc.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrong.toString()), Map.of(), null, null, 60).ok();
        String args = "-i " + wrong + " -o IdentitiesOnly=yes -o UserKnownHostsFile=" + s.knownHosts();
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", args))) {
            assertThatThrownBy(b::containerExists).isInstanceOf(IOException.class).isNotInstanceOf(StorageError.class)
                    .hasMessageStartingWith("root@127.0.0.1:" + s.port() + " refused the login of root with the key " + wrong)
                    .hasMessageNotContaining("\n");
        }
        Path pw = Cli.passwordFile(tmp);
        Run r = Cli.raw(null, "-r", "sftp:root@127.0.0.1:" + newFolder(), "--password-file", pw.toString(),
                "-o", "sftp.args=-p " + s.port() + " " + args, "snapshots");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("Fatal: root@127.0.0.1:" + s.port() + " refused the login of root").doesNotContain("\n");
        // A missing -i file is said as such.
        try (Backend b = raw(s.location(Path.of(newFolder())), Map.of("sftp.args", "-i " + tmp.resolve("nope")))) {
            assertThatThrownBy(b::containerExists).hasMessage("the identity file " + tmp.resolve("nope") + " (-i) does not exist");
        }
    }

    @Test
    void theSshAgentsKeyLogsInAndWithoutTheAgentTheLoginIsRefused() throws Exception {
        OpenSshServer s = server();
        try (OpenSshServer.Agent agent = s.agent(tmp.resolve("agent.sock"))) {
            String folder = newFolder();
            String loc = s.location(Path.of(folder));
            // No key file is named: only the agent holds the authorized key.
            BackendOptions o = new BackendOptions(Map.of("sftp.args", "-o UserKnownHostsFile=" + s.knownHosts()));
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, agent.env())) {
                b.create();
                b.save(Handle.CONFIG, new byte[] {9});
            }
            assertThat(Files.readAllBytes(Path.of(folder, "config"))).containsExactly(9);
            try (Backend b = SftpBackend.open(loc, loc.substring(5), o, Map.of())) {
                assertThatThrownBy(b::containerExists).isNotInstanceOf(StorageError.class)
                        .hasMessageStartingWith("root@127.0.0.1:" + s.port() + " refused the login of root with ");
            }
        }
    }

    @Test
    void aRefusedConnectionIsTransient() throws IOException {
        int closed;
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = ss.getLocalPort();
        }
        try (Backend b = raw("sftp://root@127.0.0.1:" + closed + "//tmp/x", Map.of())) {
            assertThatThrownBy(b::containerExists).isInstanceOf(StorageError.Transient.class)
                    .hasMessageStartingWith("cannot connect to root@127.0.0.1:" + closed);
        }
    }

    @Test
    void aDroppedConnectionIsTransientAndTheNextRequestConnectsAgainSoTheRetryCarriesOn() throws IOException {
        OpenSshServer s = server();
        Map<String, String> o = Map.of("sftp.args", s.sftpArgs());
        String loc = s.location(Path.of(newFolder()));
        Handle h = new Handle(FileType.DATA, BackendContract.id(5));
        byte[] d = BackendContract.bytes(1 << 20, 5);
        try (Backend b = raw(loc, o)) {
            b.create();
            b.save(h, d);
            // The connection drops while a pack is read: the read that finds it gone is transient ...
            assertThatThrownBy(() -> b.load(h, 0, 0, in -> {
                in.readNBytes(16);
                assertThat(s.dropConnections()).isPositive();
                in.readAllBytes();
            })).isInstanceOf(StorageError.Transient.class).hasMessageContaining("the connection to root@127.0.0.1:" + s.port() + " was lost");
            // ... and the next request connects again.
            assertThat(b.load(h)).isEqualTo(d);
        }
        // Through the stack, the retry hides it: the load runs again on a new connection.
        try (Backend st = Backends.stack(raw(loc, o), new BackendOptions(o).retry(BackendContract.FAST))) {
            int[] runs = {0};
            byte[][] got = new byte[1][];
            st.load(h, 1000, 500_000, in -> {
                if (runs[0]++ == 0) {
                    in.readNBytes(16);
                    s.dropConnections();
                }
                got[0] = in.readAllBytes();
            });
            assertThat(got[0]).isEqualTo(java.util.Arrays.copyOfRange(d, 1000, 501_000));
            assertThat(runs[0]).isEqualTo(2);
            assertThat(Backends.metrics(st).op(BackendMetrics.Op.LOAD).retries()).isEqualTo(1);
            // A server restart between requests: the next save and load work (reconnected before or after a retry).
            assertThat(s.dropConnections()).isPositive();
            Handle h2 = new Handle(FileType.SNAPSHOT, BackendContract.id(6));
            st.save(h2, d);
            assertThat(st.load(h2)).isEqualTo(d);
        }
    }
}
