package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.MemoryBackend;
import org.lifeboat.backend.RetryPolicy;
import org.lifeboat.testutil.DelegatingBackend;

/**
 * A pack range is streamed blob by blob (a worker holds one blob, not the range): a request that
 * breaks mid-way and is retried hands over every blob exactly once; one that fails for good hands
 * over what came before the break and reads the rest on their own; the caller's own failure (a
 * full disk) ends the read without a retry and without being taken for a damaged pack.
 */
class StreamedRangeTest {
    private static final RetryPolicy FAST = new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(30));

    /** Breaks the first {@code breaks} pack reads after {@code cut} bytes, as a dropped connection. */
    private static final class BreakingBackend extends DelegatingBackend {
        final AtomicInteger breaks;
        final long cut;
        final AtomicInteger packReads = new AtomicInteger();

        BreakingBackend(Backend inner, int breaks, long cut) {
            super(inner);
            this.breaks = new AtomicInteger(breaks);
            this.cut = cut;
        }

        @Override
        public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
            if (h.type() != FileType.DATA) {
                inner.load(h, offset, length, consumer);
                return;
            }
            packReads.incrementAndGet();
            boolean breakThis = breaks.getAndDecrement() > 0;
            inner.load(h, offset, length, in -> consumer.read(!breakThis ? in : new FilterInputStream(in) {
                long read;

                @Override
                public int read() throws IOException {
                    if (read >= cut) throw new org.lifeboat.backend.StorageError.Transient("connection reset", null);
                    read++;
                    return super.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (read >= cut) throw new org.lifeboat.backend.StorageError.Transient("connection reset", null);
                    int n = super.read(b, off, (int) Math.min(len, cut - read));
                    if (n > 0) read += n;
                    return n;
                }

                @Override
                public long skip(long n) throws IOException {
                    return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
                }
            }));
        }
    }

    private record Setup(Repository repo, List<PackedBlob> blobs, Map<Id, byte[]> plain, BreakingBackend breaking) {}

    private static Setup setup(int breaks, long cutAfterBlobs) throws Exception {
        MemoryBackend mem = new MemoryBackend("memory:streamed", 2);
        Repository.init(mem, "pw", 2, 0x3DA3358B4DC173L).close();
        Map<Id, byte[]> plain = new HashMap<>();
        Random rnd = new Random(7);
        try (Repository w = Repository.open(mem, "pw")) {
            for (int i = 0; i < 20; i++) {
                byte[] data = new byte[10_000 + i * 97];
                rnd.nextBytes(data);
                Id id = Id.hash(data);
                plain.put(id, data);
                w.saveBlob(BlobType.DATA, id, data, 0, data.length);
            }
            w.flush();
        }
        // the break falls inside the blob after the first cutAfterBlobs ones
        Repository probe = Repository.open(mem, "pw");
        probe.loadIndex();
        List<PackedBlob> blobs = new ArrayList<>();
        for (Id id : plain.keySet()) blobs.add(probe.index().lookup(BlobType.DATA, id));
        probe.close();
        blobs.sort(java.util.Comparator.comparingLong(PackedBlob::offset));
        assertThat(blobs.stream().map(PackedBlob::pack).distinct()).as("one pack").hasSize(1);
        long cut = blobs.get((int) cutAfterBlobs).offset() - blobs.getFirst().offset() + 100;
        BreakingBackend breaking = new BreakingBackend(mem, breaks, cut);
        Repository repo = Repository.open(Backends.stack(breaking, BackendOptions.DEFAULT.retry(FAST)), "pw");
        repo.loadIndex();
        return new Setup(repo, blobs, plain, breaking);
    }

    @Test
    void aBrokenRequestIsRetriedAndEveryBlobArrivesOnce() throws Exception {
        Setup s = setup(2, 7); // two attempts break inside the 8th blob
        Map<Id, Integer> times = new HashMap<>();
        Repository.ReadBuffer buffer = new Repository.ReadBuffer();
        s.repo().loadBlobsFromPack(s.blobs().getFirst().pack(), s.blobs(), buffer, (b, plain, error) -> {
            assertThat(error).isNull();
            assertThat(plain).isEqualTo(s.plain().get(b.id()));
            times.merge(b.id(), 1, Integer::sum);
        }, new Cancel());
        assertThat(times).hasSize(20).allSatisfy((id, n) -> assertThat(n).as(id.shortHex()).isEqualTo(1));
        assertThat(s.breaking().packReads.get()).isEqualTo(3); // one range, retried twice
        // the worker's buffer held one blob at a time, not the ~200 KB range
        int largest = s.blobs().stream().mapToInt(PackedBlob::length).max().orElseThrow();
        assertThat(buffer.bytes().length).isEqualTo(largest);
        s.repo().close();
    }

    @Test
    void aRequestThatFailsForGoodHandsOverTheRestOneByOne() throws Exception {
        Setup s = setup(FAST.attempts(), 5); // every attempt of the range breaks inside the 6th blob
        Map<Id, Integer> times = new HashMap<>();
        s.repo().loadBlobsFromPack(s.blobs().getFirst().pack(), s.blobs(), (b, plain, error) -> {
            assertThat(error).as(b.id().shortHex()).isNull();
            assertThat(plain).isEqualTo(s.plain().get(b.id()));
            times.merge(b.id(), 1, Integer::sum);
        }, new Cancel());
        assertThat(times).hasSize(20).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        // the range's attempts, then the 15 blobs after the break read alone
        assertThat(s.breaking().packReads.get()).isEqualTo(FAST.attempts() + 15);
        s.repo().close();
    }

    @Test
    void theCallersOwnFailureIsNeitherRetriedNorAReadFailure() throws Exception {
        Setup s = setup(0, 1);
        AtomicInteger seen = new AtomicInteger();
        assertThatThrownBy(() -> s.repo().loadBlobsFromPack(s.blobs().getFirst().pack(), s.blobs(), (b, plain, error) -> {
            if (seen.incrementAndGet() == 3) throw new IOException("No space left on device");
        }, new Cancel())).isInstanceOf(IOException.class).hasMessage("No space left on device");
        assertThat(seen.get()).isEqualTo(3);
        assertThat(s.breaking().packReads.get()).isEqualTo(1);
        s.repo().close();
    }

    @Test
    void storedBlobsAreStreamedToo() throws Exception {
        Setup s = setup(1, 10);
        Map<Id, Integer> times = new HashMap<>();
        s.repo().loadStoredBlobsFromPack(s.blobs().getFirst().pack(), s.blobs(), new Repository.ReadBuffer(), (b, stored, error) -> {
            assertThat(error).isNull();
            assertThat(s.repo().decodeBlob(b, stored, 0)).isEqualTo(s.plain().get(b.id()));
            times.merge(b.id(), 1, Integer::sum);
        }, new Cancel());
        assertThat(times).hasSize(20).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        s.repo().close();
    }
}
