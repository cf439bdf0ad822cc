package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.LocalBackend;

/**
 * The upload stage of the save path: a slow backend (a pack upload held until the test releases
 * it) does not hold back the threads that fill packs until the bounded queue is full; memory stays
 * bounded; blobs reach the index only after their pack is stored; a failed upload is reported
 * naming the pack and gives its blobs back.
 */
class UploadStageTest {
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final int BLOB = 40 * 1024;

    @TempDir
    Path dir;

    /** A local backend with one connection whose pack saves wait for {@link #release} (or fail). */
    static final class HeldBackend extends org.lifeboat.testutil.DelegatingBackend {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger entered = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        volatile boolean hold = true;
        volatile String failWith;

        final Backend local;

        HeldBackend(Path root) {
            super(new LocalBackend(root));
            local = inner;
        }

        @Override
        public int connections() {
            return 1;
        }

        @Override
        public void save(Handle h, byte[] data, int offset, int length) throws IOException {
            if (h.type() == FileType.DATA) {
                entered.incrementAndGet();
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    if (failWith != null) throw new IOException(failWith);
                    if (hold && !release.await(60, TimeUnit.SECONDS)) throw new IOException("never released");
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                } finally {
                    running.decrementAndGet();
                }
            }
            inner.save(h, data, offset, length);
        }
    }

    /** Waits (without sleeping) until {@code cond} holds, failing after a minute. */
    private static void until(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static byte[][] blobs(int n, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        byte[][] b = new byte[n][BLOB];
        for (byte[] x : b) rnd.nextBytes(x);
        return b;
    }

    @Test
    void aHeldUploadDoesNotBlockPackingUntilTheBoundedQueueIsFull() throws Exception {
        HeldBackend backend = new HeldBackend(dir);
        try (Repository repo = Repository.init(backend, "pw", 2, POLY)) {
            repo.setPackSize(64 * 1024); // two 40 KiB blobs fill a pack
            byte[][] data = blobs(10, 1);
            AtomicInteger saved = new AtomicInteger();
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread packer = new Thread(() -> {
                try {
                    for (byte[] b : data) {
                        repo.saveBlob(BlobType.DATA, Id.hash(b), b, 0, b.length);
                        saved.incrementAndGet();
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            });
            packer.start();
            // one connection: one pack uploading (held), one queued, and the third full pack waits
            // both conditions: the uploader may still be finishing the first pack (header, hash)
            // when the packer already waits; a loaded machine made that window visible
            until("the packing thread waits for room and the first upload is held",
                    () -> repo.threadsWaitingForUploads() == 1 && backend.entered.get() >= 1);
            assertThat(repo.maxPacksInFlight()).isEqualTo(2);
            assertThat(backend.entered.get()).as("uploads started: the first, held").isEqualTo(1);
            assertThat(repo.packsHandedOver()).as("packs handed over while the first upload is held").isEqualTo(2);
            assertThat(saved.get()).as("blobs saved while the first upload is held (the sixth fills the third pack)").isEqualTo(5);
            Id first = Id.hash(data[0]);
            assertThat(repo.index().has(BlobType.DATA, first)).as("not indexed before its pack is stored").isFalse();
            assertThat(repo.hasBlob(BlobType.DATA, first)).as("but found by lookups: it is being stored").isTrue();
            assertThat(repo.saveBlob(BlobType.DATA, first, data[0], 0, BLOB).stored()).as("and never stored twice").isFalse();

            backend.release.countDown();
            packer.join(TimeUnit.MINUTES.toMillis(1));
            assertThat(error.get()).isNull();
            repo.flush();
            assertThat(repo.maxPacksPending()).as("packs pending at once: the memory bound").isLessThanOrEqualTo(2);
            assertThat(backend.maxRunning.get()).as("uploads at once: backend.connections()").isEqualTo(1);
            assertThat(backend.local.list(FileType.DATA)).hasSize(5);
            for (byte[] b : data) assertThat(repo.loadBlob(BlobType.DATA, Id.hash(b))).isEqualTo(b);
        }
        try (Repository again = Repository.open(new LocalBackend(dir), "pw")) {
            again.loadIndex();
            for (byte[] b : blobs(10, 1)) assertThat(again.loadBlob(BlobType.DATA, Id.hash(b))).isEqualTo(b);
        }
    }

    @Test
    void aFailedUploadNamesThePackWritesNoIndexAndGivesItsBlobsBack() throws Exception {
        HeldBackend backend = new HeldBackend(dir);
        backend.hold = false;
        backend.failWith = "no space left on device";
        try (Repository repo = Repository.init(backend, "pw", 2, POLY)) {
            repo.setPackSize(64 * 1024);
            byte[][] data = blobs(3, 2);
            assertThatThrownBy(() -> {
                for (byte[] b : data) repo.saveBlob(BlobType.DATA, Id.hash(b), b, 0, b.length);
                repo.flush();
            }).isInstanceOf(IOException.class)
                    .hasMessageMatching("cannot store pack [0-9a-f]{8} \\(data/[0-9a-f]{64}\\): no space left on device");
            assertThat(backend.local.list(FileType.INDEX)).as("no index names a pack that is not stored").isEmpty();
            assertThat(backend.local.list(FileType.DATA)).isEmpty();

            backend.failWith = null;
            Id first = Id.hash(data[0]);
            assertThat(repo.hasBlob(BlobType.DATA, first)).as("the failed pack's blobs were given back").isFalse();
            for (byte[] b : data) {
                assertThat(repo.saveBlob(BlobType.DATA, Id.hash(b), b, 0, b.length).stored()).as("stored again").isTrue();
            }
            repo.flush();
            for (byte[] b : data) assertThat(repo.loadBlob(BlobType.DATA, Id.hash(b))).isEqualTo(b);
        }
    }

    @Test
    void aWaitForRoomEndsWhenTheWriterIsCancelled() throws Exception {
        HeldBackend backend = new HeldBackend(dir);
        try (Repository repo = Repository.init(backend, "pw", 2, POLY)) {
            repo.setPackSize(64 * 1024);
            Cancel cancel = new Cancel();
            Repository.BlobWriter writer = repo.newBlobWriter(cancel);
            byte[][] data = blobs(10, 3);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread packer = new Thread(() -> {
                try {
                    for (byte[] b : data) writer.save(BlobType.DATA, Id.hash(b), b, 0, b.length);
                } catch (Throwable t) {
                    error.set(t);
                }
            });
            packer.start();
            until("the packing thread waits for room", () -> repo.threadsWaitingForUploads() == 1);
            cancel.cancel("stopped by the test");
            packer.join(TimeUnit.MINUTES.toMillis(1));
            assertThat(error.get()).isInstanceOf(Cancel.Cancelled.class).hasMessage("stopped by the test");
            Id sixth = Id.hash(data[5]);
            assertThat(repo.hasBlob(BlobType.DATA, sixth)).as("the pack not taken gave its blobs back").isFalse();
            backend.release.countDown();
            repo.settleUploads();
        }
    }
}
