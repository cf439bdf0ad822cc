package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backend.StorageError;
import org.lifeboat.testutil.DelegatingBackend;

/**
 * A lock file the storage cannot deliver (a server gone, through every retry) is the storage's
 * failure, which ends the command; only a lock file that arrives and is unusable is "damaged" and
 * skipped with a warning advising 'unlock --remove-all'.
 */
class LockReadFailureTest {
    @Test
    void aLockTheServerCannotDeliverIsNoDamagedLock() throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:locks");
        Repository.init(mem, "pw", 2, 0x3DA3358B4DC173L).close();
        byte[] junk = "not a lock".getBytes();
        Id id = Id.hash(junk);
        mem.save(new Handle(FileType.LOCK, id.hex()), junk);
        boolean[] serverGone = {false};
        DelegatingBackend flaky = new DelegatingBackend(mem) {
            @Override
            public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
                if (serverGone[0] && h.type() == FileType.LOCK) throw new StorageError.Transient("cannot connect to 127.0.0.1:9: connection refused", null);
                inner.load(h, offset, length, consumer);
            }

            @Override
            public byte[] load(Handle h) throws IOException {
                if (serverGone[0] && h.type() == FileType.LOCK) throw new StorageError.Transient("cannot connect to 127.0.0.1:9: connection refused", null);
                return inner.load(h);
            }
        };
        try (Repository repo = Repository.open(flaky, "pw")) {
            List<String> warnings = new ArrayList<>();
            // a lock that arrives but is junk: a warning, the command goes on
            assertThat(repo.listLocks(warnings::add)).isEmpty();
            assertThat(warnings).singleElement().asString().contains("is damaged").contains("unlock --remove-all");
            // the server gone: the failure ends the listing, no "damaged" warning
            serverGone[0] = true;
            warnings.clear();
            assertThatThrownBy(() -> repo.listLocks(warnings::add)).isInstanceOf(StorageError.Transient.class)
                    .hasMessageContaining("connection refused");
            assertThat(warnings).isEmpty();
        }
    }
}
