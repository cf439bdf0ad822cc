package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry of location schemes, redaction, the stack's order and its knobs. */
class BackendsTest {
    @TempDir
    Path dir;

    /** The layers of a stack, outermost first. */
    static List<Class<?>> layers(Backend b) {
        List<Class<?>> out = new java.util.ArrayList<>();
        for (Backend x = b; ; x = ((ForwardingBackend) x).inner()) {
            out.add(x.getClass());
            if (!(x instanceof ForwardingBackend)) return out;
        }
    }

    @Test
    void aPlainPathAndLocalSchemeOpenTheSameFolderThroughTheWholeStackInItsOrder() throws Exception {
        Path repo = dir.resolve("repo");
        Backend a = Backends.open(repo.toString(), BackendOptions.DEFAULT);
        Backend b = Backends.open("local:" + repo, BackendOptions.parse(List.of("local.connections=3")).readOnly(true).limits(10, 20));
        assertThat(a.location()).isEqualTo(repo.toString());
        assertThat(b.location()).isEqualTo(repo.toString());
        assertThat(b.connections()).isEqualTo(3);
        assertThat(layers(a)).containsExactly(MetricsBackend.class, ConcurrencyLimitBackend.class, RetryBackend.class, LocalBackend.class);
        assertThat(layers(b)).containsExactly(ReadOnlyBackend.class, MetricsBackend.class, RateLimitedBackend.class,
                ConcurrencyLimitBackend.class, RetryBackend.class, LocalBackend.class);
        Backend c = Backends.stack(new MemoryBackend("memory:x"), BackendOptions.DEFAULT,
                Map.of(Backends.FAULTS_ENV, "latency=0ms,transient=0.05,seed=7"));
        assertThat(layers(c)).containsExactly(MetricsBackend.class, ConcurrencyLimitBackend.class, RetryBackend.class,
                FaultInjectingBackend.class, MemoryBackend.class);
        assertThat(a.containerExists()).isFalse();
    }

    @Test
    void unknownAndRcloneOnlySchemesAreRefusedInOneSentenceWithoutTheirCredentials() {
        assertThatThrownBy(() -> Backends.open("b2:bucket:path", BackendOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("repository location 'b2:bucket:path' uses the b2 backend, which Lifeboat reaches through rclone"
                        + " (e.g. rclone:REMOTE:path with an rclone remote of type b2)");
        assertThatThrownBy(() -> Backends.open("ftp://u:pw@host/x", BackendOptions.DEFAULT))
                .hasMessage("repository location 'ftp://u:***@host/x' has the unknown scheme 'ftp:' (known: local:, s3:, sftp:,"
                        + " rest:, rclone:, and b2:, azure:, gs:, swift: through rclone:)");
    }

    @Test
    void redactRemovesPasswordsAndSecretQueryValues() {
        assertThat(Backends.redact("rest:https://user:s3cret@host:8000/repo")).isEqualTo("rest:https://user:***@host:8000/repo");
        assertThat(Backends.redact("rest:https://user@host/repo")).isEqualTo("rest:https://user@host/repo");
        assertThat(Backends.redact("s3:https://h/b?access_key=AK&secret_key=SK&region=eu&X-Amz-Signature=abc&token=t"))
                .isEqualTo("s3:https://h/b?access_key=***&secret_key=***&region=eu&X-Amz-Signature=***&token=***");
        assertThat(Backends.redact("/srv/restic-repo")).isEqualTo("/srv/restic-repo");
    }

    /** A password holding "@": the user information ends at the last "@", as Go's url.Parse (restic) reads it. */
    @Test
    void aPasswordWithAnAtSignIsHiddenWholeAndAccepted() {
        assertThat(Backends.redact("rest:http://alice:P@ss@127.0.0.1:8000/r1")).isEqualTo("rest:http://alice:***@127.0.0.1:8000/r1");
        assertThat(Backends.redact("sftp:u:p@w@host:/srv/a@b")).isEqualTo("sftp:u:***@host:/srv/a@b");
        assertThat(Backends.redact("rest:http://h/a@b")).isEqualTo("rest:http://h/a@b");
        // a password with "/" does not parse, and is hidden in the message that says so
        assertThat(Backends.redact("rest:http://alice:Sek/r@t@127.0.0.1:18931/r/")).isEqualTo("rest:http://alice:***@127.0.0.1:18931/r/");
        assertThat(RestBackend.escapeUserInfoAts("http://alice:P@ss@h:1/r")).isEqualTo("http://alice:P%40ss@h:1/r");
        assertThat(RestBackend.escapeUserInfoAts("http://h:1/a@b")).isEqualTo("http://h:1/a@b");
        Backend b = RestBackend.open("rest:http://alice:P@ss@127.0.0.1:8000/r1", "http://alice:P@ss@127.0.0.1:8000/r1",
                BackendOptions.DEFAULT, java.util.Map.of());
        assertThat(b.location()).isEqualTo("rest:http://alice:***@127.0.0.1:8000/r1");
    }

    /** Each retried request is said (what, why, the wait), as later restic's "retrying after" lines. */
    @Test
    void everyRetryIsSaid() throws Exception {
        MemoryBackend m = new MemoryBackend("memory:retries");
        int[] failures = {2};
        Backend flaky = new ForwardingBackend(m) {
            @Override
            public FileStat stat(Handle h) throws java.io.IOException {
                if (failures[0]-- > 0) throw new StorageError.Transient("cannot connect to memory:retries: connection refused", null);
                return super.stat(h);
            }
        };
        java.util.List<String> said = new java.util.ArrayList<>();
        Handle config = Handle.CONFIG;
        m.save(config, new byte[] {1});
        Backend s = Backends.stack(flaky, BackendOptions.DEFAULT.retry(new RetryPolicy(5, java.time.Duration.ofMillis(1),
                java.time.Duration.ofMillis(2), java.time.Duration.ofSeconds(10))).warn(said::add));
        assertThat(s.stat(config).size()).isEqualTo(1);
        assertThat(said).hasSize(2);
        assertThat(said.get(0)).startsWith("stat of " + config + " failed (cannot connect to memory:retries: connection refused); retrying in ")
                .endsWith("(attempt 2 of 5)");
        assertThat(said.get(1)).endsWith("(attempt 3 of 5)");
    }

    /** rest: locations as Go's url.Parse (restic) reads them: any scheme case; a bad port is one sentence. */
    @Test
    void restLocationsParseAsRestic() {
        Backend upper = RestBackend.open("rest:HTTP://h:8000/r/", "HTTP://h:8000/r/", BackendOptions.DEFAULT, java.util.Map.of());
        assertThat(upper).isNotNull();
        for (String bad : new String[] {"http://alice:x@127.0.0.1:99999/r/", "http://h:abc/r/"}) {
            assertThatThrownBy(() -> RestBackend.open("rest:" + bad, bad, BackendOptions.DEFAULT, java.util.Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has an invalid port")
                    .hasMessageNotContaining(":x@");
        }
    }

    @Test
    void aStackedBackendsLocationNeverHoldsACredential() throws Exception {
        Backend m = new MemoryBackend("rest:https://user:s3cret@host/repo?token=abc");
        Backend s = Backends.stack(m, BackendOptions.DEFAULT.readOnly(true));
        assertThat(s.location()).doesNotContain("s3cret").doesNotContain("abc").contains("user:***@host");
        assertThatThrownBy(() -> s.save(new Handle(FileType.KEY, "a".repeat(64)), new byte[1])).hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> s.load(new Handle(FileType.KEY, "a".repeat(64)))).hasMessageNotContaining("s3cret");
    }

    @Test
    void schemesAreCaseSensitiveAsRestics() {
        // restic refuses LOCAL:/x ("invalid backend"): Lifeboat must not create a folder there.
        assertThatThrownBy(() -> Backends.open("LOCAL:" + dir.resolve("x"), BackendOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown scheme 'LOCAL:'");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void scpLikeLocationsLoseTheirPasswordToo() {
        assertThat(Backends.redact("sftp:user:hunter2@host:/srv/repo")).isEqualTo("sftp:user:***@host:/srv/repo");
        assertThat(Backends.redact("sftp:user@host:/srv/repo")).isEqualTo("sftp:user@host:/srv/repo");
        assertThatThrownBy(() -> Backends.open("sftp:user:hunter2@host:/srv/repo", BackendOptions.DEFAULT))
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aFaultRateThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> Backends.stack(new MemoryBackend("m"), BackendOptions.DEFAULT, Map.of(Backends.FAULTS_ENV, "transient=NaN")))
                .hasMessageContaining("out of range");
    }

    @Test
    void aMetricsFileThatCannotBeWrittenIsNoFailure() throws Exception {
        Backend s = Backends.stack(new MemoryBackend("m"), BackendOptions.DEFAULT,
                Map.of(Backends.METRICS_ENV, dir.resolve("missing/m.json").toString()));
        s.close(); // a warning on standard error, no exception
        assertThat(dir.resolve("missing")).doesNotExist();
    }

    @Test
    void aMalformedFaultKnobIsRefusedNamingIt() {
        assertThatThrownBy(() -> Backends.stack(new MemoryBackend("m"), BackendOptions.DEFAULT, Map.of(Backends.FAULTS_ENV, "explode=1")))
                .hasMessageStartingWith("LIFEBOAT_BACKEND_FAULTS: unknown fault 'explode'");
        assertThatThrownBy(() -> Backends.stack(new MemoryBackend("m"), BackendOptions.DEFAULT, Map.of(Backends.FAULTS_ENV, "transient=2")))
                .hasMessageContaining("out of range");
        assertThat(FaultInjectingBackend.Spec.parse("latency=20ms,transient=0.05,seed=7,crash-after-save=3"))
                .isEqualTo(new FaultInjectingBackend.Spec(20, 0.05, 7, 3, 0));
    }

    @Test
    void metricsOfABackendNotBuiltByTheStackAreRefused() {
        assertThatThrownBy(() -> Backends.metrics(new MemoryBackend("memory:plain"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not built by Backends.stack");
    }

    @Test
    void localRefusesComplianceRetentionAndMemoryKeepsRetentionAgainstRemoval() throws Exception {
        LocalBackend l = new LocalBackend(dir.resolve("r"));
        l.create();
        Handle h = new Handle(FileType.SNAPSHOT, "b".repeat(64));
        PutOptions compliance = new PutOptions(PutOptions.Retention.COMPLIANCE, java.time.Duration.ofDays(30));
        assertThatThrownBy(() -> l.save(h, new byte[3], 0, 3, compliance)).isInstanceOf(StorageError.Denied.class)
                .hasMessageContaining("COMPLIANCE");
        assertThat(l.exists(h)).isFalse();
        l.save(h, new byte[3], 0, 3, new PutOptions(PutOptions.Retention.GOVERNANCE, java.time.Duration.ofDays(30)));
        assertThat(l.stat(h).retainUntil()).isNull();

        MemoryBackend m = new MemoryBackend("memory:lock");
        m.save(h, new byte[3], 0, 3, compliance);
        assertThat(m.stat(h).retainUntil()).isAfter(java.time.Instant.now().plus(java.time.Duration.ofDays(29)));
        assertThatThrownBy(() -> m.remove(h)).isInstanceOf(StorageError.Denied.class).hasMessageContaining("retention");
        assertThat(m.exists(h)).isTrue();
    }
}
