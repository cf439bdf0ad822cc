package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoryBackend} keeps retentions as S3 Object Lock does, on a clock the test sets: a file
 * saved with retention records its retain-until and cannot be removed before it; retain extends
 * and never shortens; COMPLIANCE is never weakened; a file without retention can be given one.
 */
class MemoryBackendRetentionTest {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Handle PACK = new Handle(FileType.DATA, "a".repeat(64));
    private static final Handle OTHER = new Handle(FileType.DATA, "b".repeat(64));

    private static MemoryBackend at(MemoryBackend m, Instant t) {
        m.clock(Clock.fixed(t, ZoneOffset.UTC));
        return m;
    }

    @Test
    void aSaveWithRetentionRecordsItsEndAndRemovesAreDeniedUntilThen() throws Exception {
        MemoryBackend m = at(new MemoryBackend("memory:lock"), T0);
        m.save(PACK, new byte[] {1, 2, 3}, 0, 3, new PutOptions(PutOptions.Retention.GOVERNANCE, Duration.ofDays(1)));
        assertThat(m.stat(PACK).retainUntil()).isEqualTo(T0.plus(Duration.ofDays(1)));
        assertThat(m.stat(PACK).modified()).isEqualTo(T0);
        assertThatThrownBy(() -> m.remove(PACK)).isInstanceOf(StorageError.Denied.class)
                .hasMessageContaining("memory:lock/data/" + "a".repeat(64)).hasMessageContaining("under retention until 2026-11-02T00:00:00Z");
        // nor can it be overwritten
        assertThatThrownBy(() -> m.save(PACK, new byte[] {9}, 0, 1, PutOptions.NONE)).isInstanceOf(StorageError.AlreadyExists.class);
        assertThat(m.load(PACK)).containsExactly(1, 2, 3);
        at(m, T0.plus(Duration.ofDays(1)));
        m.remove(PACK);
        assertThat(m.exists(PACK)).isFalse();
    }

    @Test
    void retainExtendsNeverShortensAndNeverWeakensCompliance() throws Exception {
        MemoryBackend m = at(new MemoryBackend("memory:retain"), T0);
        m.save(PACK, new byte[] {1}, 0, 1, new PutOptions(PutOptions.Retention.COMPLIANCE, Duration.ofDays(10)));
        m.retain(PACK, PutOptions.Retention.COMPLIANCE, T0.plus(Duration.ofDays(20)));
        assertThat(m.stat(PACK).retainUntil()).isEqualTo(T0.plus(Duration.ofDays(20)));
        m.retain(PACK, PutOptions.Retention.COMPLIANCE, T0.plus(Duration.ofDays(5)));
        assertThat(m.stat(PACK).retainUntil()).as("never shortened").isEqualTo(T0.plus(Duration.ofDays(20)));
        m.retain(PACK, PutOptions.Retention.GOVERNANCE, T0.plus(Duration.ofDays(30)));
        assertThat(m.retentionMode(PACK)).as("compliance stays compliance").isEqualTo(PutOptions.Retention.COMPLIANCE);
        assertThat(m.stat(PACK).retainUntil()).isEqualTo(T0.plus(Duration.ofDays(30)));
        at(m, T0.plus(Duration.ofDays(29)));
        assertThatThrownBy(() -> m.remove(PACK)).isInstanceOf(StorageError.Denied.class);
        // a file saved without retention gets one
        m.save(OTHER, new byte[] {2}, 0, 1, PutOptions.NONE);
        assertThat(m.stat(OTHER).retainUntil()).isNull();
        m.retain(OTHER, PutOptions.Retention.GOVERNANCE, T0.plus(Duration.ofDays(40)));
        assertThatThrownBy(() -> m.remove(OTHER)).isInstanceOf(StorageError.Denied.class);
        assertThatThrownBy(() -> m.retain(new Handle(FileType.DATA, "c".repeat(64)), PutOptions.Retention.GOVERNANCE, T0))
                .isInstanceOf(StorageError.NotFound.class);
    }

    @Test
    void theStackPassesRetentionOnToTheMemoryBackend() throws Exception {
        MemoryBackend m = at(new MemoryBackend("memory:stacked"), T0);
        Backend stacked = Backends.stack(m, BackendOptions.DEFAULT);
        stacked.save(PACK, new byte[] {1}, 0, 1, new PutOptions(PutOptions.Retention.COMPLIANCE, Duration.ofHours(1)));
        stacked.retain(PACK, PutOptions.Retention.COMPLIANCE, T0.plus(Duration.ofHours(5)));
        assertThat(stacked.stat(PACK).retainUntil()).isEqualTo(T0.plus(Duration.ofHours(5)));
        assertThatThrownBy(() -> stacked.remove(PACK)).isInstanceOf(StorageError.Denied.class);
    }
}
