package org.lifeboat.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.lifeboat.backend.BackendMetrics.Op;
import org.lifeboat.backend.FaultInjectingBackend.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every backend passes (after restic's backend test suite and kopia's
 * VerifyStorage): a subclass gives a fresh, created backend; decorators are tested over it too.
 */
abstract class BackendContract {
    /** Fast retries for the stacks built here: many attempts, waits of a few ms. */
    static final RetryPolicy FAST = new RetryPolicy(30, Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(60));

    Backend b;

    /** A fresh backend with its layout created, the one under test. */
    abstract Backend newBackend() throws IOException;

    /** Whether the backend says when a file was modified (null from stat is allowed: "the backend does not say"). */
    boolean reportsModified() {
        return true;
    }

    @BeforeEach
    void open() throws IOException {
        b = newBackend();
    }

    @AfterEach
    void closeIt() throws IOException {
        b.close();
    }

    static String id(int i) {
        byte[] h = new byte[32];
        new Random(i).nextBytes(h);
        return HexFormat.of().formatHex(h);
    }

    static byte[] bytes(int n, int seed) {
        byte[] d = new byte[n];
        new Random(seed).nextBytes(d);
        return d;
    }

    /** A stack over the backend under test with a fault injector (no random faults) right above it. */
    Backend injected(BackendOptions o) {
        return Backends.stack(new FaultInjectingBackend(b, FaultInjectingBackend.Spec.NONE), o.retry(FAST));
    }

    static FaultInjectingBackend injector(Backend stack) {
        return Backends.find(stack, FaultInjectingBackend.class);
    }

    @Test
    void savedFilesLoadStatListAndRemove() throws IOException {
        Handle h = new Handle(FileType.SNAPSHOT, id(1));
        byte[] d = bytes(1000, 1);
        assertThat(b.exists(h)).isFalse();
        b.save(h, d);
        assertThat(b.exists(h)).isTrue();
        assertThat(b.load(h)).isEqualTo(d);
        FileStat st = b.stat(h);
        assertThat(st.size()).isEqualTo(1000);
        if (reportsModified()) assertThat(st.modified()).isNotNull();
        else assertThat(st.modified()).isNull();
        assertThat(st.retainUntil()).isNull();
        assertThat(b.size(h)).isEqualTo(1000);
        assertThat(b.list(FileType.SNAPSHOT)).containsExactly(new FileInfo(h.name(), 1000));
        assertThat(b.list(FileType.INDEX)).isEmpty();
        byte[] buf = new byte[2000];
        assertThat(b.loadInto(h, buf)).isEqualTo(1000);
        assertThat(Arrays.copyOf(buf, 1000)).isEqualTo(d);
        assertThat(b.loadInto(h, new byte[10])).isEqualTo(-1000);
        b.remove(h);
        assertThat(b.exists(h)).isFalse();
        assertThat(b.list(FileType.SNAPSHOT)).isEmpty();
        b.remove(h); // missing is not an error
        // An empty file is a file.
        Handle empty = new Handle(FileType.KEY, id(2));
        b.save(empty, new byte[0]);
        assertThat(b.load(empty)).isEmpty();
        assertThat(b.stat(empty).size()).isZero();
    }

    @Test
    void theConfigIsListedOnceByTheEmptyName() throws IOException {
        assertThat(b.list(FileType.CONFIG)).isEmpty();
        b.save(Handle.CONFIG, bytes(50, 3));
        assertThat(b.list(FileType.CONFIG)).containsExactly(new FileInfo("", 50));
        assertThat(b.containerExists()).isTrue();
        assertThatThrownBy(b::create).isInstanceOf(StorageError.AlreadyExists.class);
    }

    @Test
    void rangedLoadsReadExactlyTheRangeAndRefuseRangesPastTheEnd() throws IOException {
        Handle h = new Handle(FileType.DATA, id(3));
        byte[] d = bytes(5000, 3);
        b.save(h, d);
        assertThat(b.load(h, 100, 200)).isEqualTo(Arrays.copyOfRange(d, 100, 300));
        assertThat(b.load(h, 4990, 10)).isEqualTo(Arrays.copyOfRange(d, 4990, 5000));
        byte[][] tail = new byte[1][];
        b.load(h, 4000, 0, in -> tail[0] = in.readAllBytes());
        assertThat(tail[0]).isEqualTo(Arrays.copyOfRange(d, 4000, 5000));
        b.load(h, 5000, 0, in -> tail[0] = in.readAllBytes());
        assertThat(tail[0]).isEmpty();
        // A consumer need not read all of it.
        b.load(h, 0, 0, in -> tail[0] = in.readNBytes(3));
        assertThat(tail[0]).isEqualTo(Arrays.copyOf(d, 3));

        assertThatThrownBy(() -> b.load(h, 4990, 11)).isInstanceOf(StorageError.BadRange.class).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> b.load(h, 6000, 1)).isInstanceOf(StorageError.BadRange.class);
        assertThatThrownBy(() -> b.load(h, 5001, 0, in -> {})).isInstanceOf(StorageError.BadRange.class);
        assertThatThrownBy(() -> b.load(h, -1, 1)).isInstanceOf(IllegalArgumentException.class);

        Handle gone = new Handle(FileType.DATA, id(4));
        assertThatThrownBy(() -> b.load(gone, 0, 10)).isInstanceOf(StorageError.NotFound.class).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> b.load(gone)).isInstanceOf(StorageError.NotFound.class);
        assertThatThrownBy(() -> b.stat(gone)).isInstanceOf(StorageError.NotFound.class);
        assertThatThrownBy(() -> b.size(gone)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aNameIsWrittenOnceASecondSaveIsRefusedAndChangesNothing() throws IOException {
        Handle h = new Handle(FileType.INDEX, id(5));
        byte[] first = bytes(300, 5);
        b.save(h, first);
        assertThatThrownBy(() -> b.save(h, bytes(300, 6))).isInstanceOf(StorageError.AlreadyExists.class)
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(b.load(h)).isEqualTo(first);
    }

    @Test
    void listCallsBackExactlyOncePerFileAndIgnoresNamesThatAreNotIds() throws IOException {
        int n = 300;
        for (int i = 0; i < n; i++) b.save(new Handle(FileType.DATA, id(1000 + i)), bytes(10 + i % 7, i));
        b.save(new Handle(FileType.DATA, "zz-not-an-id"), bytes(5, 1));
        b.save(new Handle(FileType.DATA, id(1).substring(0, 2) + "-not-an-id"), bytes(5, 1));
        b.save(new Handle(FileType.SNAPSHOT, "README"), bytes(5, 1));
        b.save(new Handle(FileType.SNAPSHOT, id(1).toUpperCase()), bytes(5, 1));
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        b.list(FileType.DATA, f -> {
            calls.computeIfAbsent(f.name(), k -> new AtomicInteger()).incrementAndGet();
            assertThat(f.size()).isBetween(10L, 16L);
        });
        assertThat(calls).hasSize(n);
        assertThat(calls.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        for (int i = 0; i < n; i++) assertThat(calls).containsKey(id(1000 + i));
        assertThat(b.list(FileType.SNAPSHOT)).isEmpty();
    }

    @Test
    void concurrentWritersOfDifferentFilesAllLandAndOfOneFileExactlyOneWins() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Handle shared = new Handle(FileType.DATA, id(7));
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                results.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20; i++) b.save(new Handle(FileType.DATA, id(100 * tt + i + 5000)), bytes(2000, tt * 100 + i));
                    try {
                        b.save(shared, bytes(4096, 70_000 + tt));
                        return true;
                    } catch (StorageError.AlreadyExists e) {
                        return false;
                    }
                }));
            }
            go.countDown();
            int winners = 0;
            int winner = -1;
            for (int t = 0; t < threads; t++) {
                if (results.get(t).get(60, TimeUnit.SECONDS)) {
                    winners++;
                    winner = t;
                }
            }
            assertThat(winners).isEqualTo(1);
            assertThat(b.load(shared)).isEqualTo(bytes(4096, 70_000 + winner));
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < 20; i++) {
                    assertThat(b.load(new Handle(FileType.DATA, id(100 * t + i + 5000)))).isEqualTo(bytes(2000, t * 100 + i));
                }
            }
            assertThat(b.list(FileType.DATA)).hasSize(threads * 20 + 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSavedFileIsAtOnceVisibleToOtherThreads() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 20; i++) {
                Handle h = new Handle(FileType.LOCK, id(200 + i));
                byte[] d = bytes(100 + i, i);
                b.save(h, d);
                assertThat(other.submit(() -> b.load(h)).get(30, TimeUnit.SECONDS)).isEqualTo(d);
                assertThat(other.submit(() -> b.exists(h)).get(30, TimeUnit.SECONDS)).isTrue();
                assertThat(other.submit(() -> b.list(FileType.LOCK)).get(30, TimeUnit.SECONDS)).hasSize(i + 1);
            }
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aSaveCrashedPartWayLeavesNoFileAndOneCrashedAfterWritingLeavesItWhole() throws IOException {
        byte[] big = bytes(3 << 20, 9);
        Handle h = new Handle(FileType.DATA, id(9));
        FaultInjectingBackend during = new FaultInjectingBackend(b, new FaultInjectingBackend.Spec(0, 0, 1, 0, 1));
        assertThatThrownBy(() -> during.save(h, big)).isInstanceOf(IOException.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        // Whole or none under the final name, and nothing partial listed.
        if (b.exists(h)) assertThat(b.load(h)).isEqualTo(big);
        assertThat(b.list(FileType.DATA)).allSatisfy(f -> assertThat(f.size()).isEqualTo(big.length));
        assertThatThrownBy(() -> during.load(h)).hasMessageContaining("injected crash");

        Handle h2 = new Handle(FileType.DATA, id(10));
        FaultInjectingBackend after = new FaultInjectingBackend(b, FaultInjectingBackend.Spec.parse("crash-after-save=2"));
        after.save(new Handle(FileType.DATA, id(11)), bytes(10, 1));
        assertThatThrownBy(() -> after.save(h2, big)).hasMessageContaining("injected crash after save 2");
        assertThat(b.load(h2)).isEqualTo(big);
        assertThatThrownBy(() -> after.stat(h2)).hasMessageContaining("injected crash");
    }

    @Test
    void aLoadRetriedAfterAFaultMidStreamRunsTheConsumerAgainFromTheStart() throws IOException {
        Handle h = new Handle(FileType.DATA, id(12));
        byte[] d = bytes(10_000, 12);
        b.save(h, d);
        Backend s = injected(BackendOptions.DEFAULT);
        injector(s).script(Fault.AFTER, Fault.AFTER);
        List<byte[]> runs = new ArrayList<>();
        byte[][] got = new byte[1][];
        s.load(h, 1000, 8000, in -> {
            runs.add(in.readNBytes(16));
            got[0] = in.readAllBytes();
        });
        assertThat(runs).hasSize(3);
        assertThat(runs).allSatisfy(r -> assertThat(r).isEqualTo(Arrays.copyOfRange(d, 1000, 1016)));
        assertThat(got[0]).isEqualTo(Arrays.copyOfRange(d, 1016, 9000));
        assertThat(Backends.metrics(s).op(Op.LOAD).retries()).isEqualTo(2);
        // The conveniences go through the same path.
        injector(s).script(Fault.AFTER);
        assertThat(s.load(h)).isEqualTo(d);
    }

    @Test
    void aFailureOfTheConsumerItselfIsNeverRetried() throws IOException {
        Handle h = new Handle(FileType.DATA, id(22));
        b.save(h, bytes(100, 22));
        Backend s = injected(BackendOptions.DEFAULT);
        AtomicInteger runs = new AtomicInteger();
        // Even a transient-looking failure is the consumer's (e.g. its own output), not the backend's.
        assertThatThrownBy(() -> s.load(h, 0, 0, in -> {
            runs.incrementAndGet();
            in.readNBytes(10);
            throw new StorageError.Transient("the consumer's own failure", null);
        })).hasMessage("the consumer's own failure");
        assertThat(runs.get()).isEqualTo(1);
        assertThat(injector(s).requests(Op.LOAD)).isEqualTo(1);
    }

    @Test
    void aListingRetriedAfterAFaultHalfWayStillCallsBackOncePerFile() throws IOException {
        for (int i = 0; i < 50; i++) b.save(new Handle(FileType.INDEX, id(300 + i)), bytes(10, i));
        Backend s = injected(BackendOptions.DEFAULT);
        injector(s).script(Fault.AFTER, Fault.AFTER);
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        s.list(FileType.INDEX, f -> calls.computeIfAbsent(f.name(), k -> new AtomicInteger()).incrementAndGet());
        assertThat(calls).hasSize(50);
        assertThat(calls.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        assertThat(injector(s).requests(Op.LIST)).isEqualTo(3);
    }

    @Test
    void aSaveWhoseReplyWasLostIsDoneWhenRetriedButAnotherWritersFileIsStillRefused() throws IOException {
        Backend s = injected(BackendOptions.DEFAULT);
        Handle h = new Handle(FileType.DATA, id(13));
        byte[] d = bytes(500, 13);
        injector(s).script(Fault.AFTER);
        s.save(h, d);
        assertThat(b.load(h)).isEqualTo(d);
        assertThat(injector(s).requests(Op.SAVE)).isEqualTo(2);
        // A transient fault before the request, then the name is found taken by other bytes.
        injector(s).script(Fault.BEFORE);
        assertThatThrownBy(() -> s.save(h, bytes(500, 14))).isInstanceOf(StorageError.AlreadyExists.class);
        assertThat(b.load(h)).isEqualTo(d);
    }

    @Test
    void retryNeverRepeatsNotFoundOrDeniedAndGivesUpAfterItsAttempts() throws IOException {
        Backend s = injected(BackendOptions.DEFAULT);
        FaultInjectingBackend inj = injector(s);
        Handle gone = new Handle(FileType.DATA, id(14));
        assertThatThrownBy(() -> s.load(gone)).isInstanceOf(StorageError.NotFound.class);
        assertThat(inj.requests(Op.LOAD)).isEqualTo(1);
        assertThat(Backends.metrics(s).op(Op.LOAD)).satisfies(m -> {
            assertThat(m.requests()).isEqualTo(1);
            assertThat(m.errors()).isEqualTo(1);
            assertThat(m.retries()).isZero();
        });
        inj.script(Fault.DENIED);
        Handle h = new Handle(FileType.DATA, id(15));
        assertThatThrownBy(() -> s.save(h, bytes(10, 1))).isInstanceOf(StorageError.Denied.class);
        assertThat(inj.requests(Op.SAVE)).isEqualTo(1);
        assertThat(Backends.metrics(s).op(Op.SAVE).retries()).isZero();
        assertThat(b.exists(h)).isFalse();

        inj.script(Fault.BEFORE, Fault.BEFORE);
        s.save(h, bytes(10, 1));
        assertThat(inj.requests(Op.SAVE)).isEqualTo(4);
        assertThat(Backends.metrics(s).op(Op.SAVE)).satisfies(m -> {
            assertThat(m.requests()).isEqualTo(2);
            assertThat(m.retries()).isEqualTo(2);
            assertThat(m.bytes()).isEqualTo(20);
        });

        Backend three = Backends.stack(new FaultInjectingBackend(b, FaultInjectingBackend.Spec.NONE),
                BackendOptions.DEFAULT.retry(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30))));
        injector(three).script(Fault.BEFORE, Fault.BEFORE, Fault.BEFORE, Fault.BEFORE);
        assertThatThrownBy(() -> three.stat(h)).isInstanceOf(StorageError.Transient.class);
        assertThat(injector(three).requests(Op.STAT)).isEqualTo(3);
    }

    @Test
    void retryStopsAtOnceWhenInterruptedOrCancelledAlsoWhileWaiting() throws Exception {
        Cancel cancel = new Cancel();
        RetryPolicy slow = new RetryPolicy(5, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(10));
        Backend s = Backends.stack(new FaultInjectingBackend(b, FaultInjectingBackend.Spec.NONE),
                BackendOptions.DEFAULT.retry(slow).cancel(cancel));
        Handle h = new Handle(FileType.DATA, id(16));
        b.save(h, bytes(10, 1));
        injector(s).script(Fault.BEFORE);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> f = other.submit(() -> s.load(h));
            while (injector(s).requests(Op.LOAD) < 1) Thread.onSpinWait();
            cancel.cancel("stopped by the test");
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(Cancel.Cancelled.class)
                    .hasMessageContaining("stopped by the test");
        } finally {
            other.shutdownNow();
        }
        assertThat(injector(s).requests(Op.LOAD)).isEqualTo(1);

        // On an interrupted thread a request is made once (a lock must still be released) but never retried.
        Backend t = Backends.stack(new FaultInjectingBackend(b, FaultInjectingBackend.Spec.NONE), BackendOptions.DEFAULT.retry(slow));
        Handle held = new Handle(FileType.LOCK, id(24));
        b.save(held, bytes(10, 1));
        injector(t).script(Fault.BEFORE);
        Thread.currentThread().interrupt();
        try {
            // (A lock file: other files would not even wait for a connection on an interrupted thread.)
            assertThatThrownBy(() -> t.load(held)).isInstanceOf(InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(injector(t).requests(Op.LOAD)).isEqualTo(1);
        // A cancelled job still releases its lock: the first attempt runs.
        Backend u = Backends.stack(b, BackendOptions.DEFAULT.retry(slow).cancel(cancel));
        Handle lock = new Handle(FileType.LOCK, id(23));
        b.save(lock, bytes(10, 1));
        u.remove(lock);
        assertThat(b.exists(lock)).isFalse();
    }

    @Test
    void readOnlyRefusesEveryWriteWithDenied() throws IOException {
        Handle h = new Handle(FileType.KEY, id(17));
        b.save(h, bytes(10, 1));
        Backend ro = Backends.stack(b, BackendOptions.DEFAULT.readOnly(true));
        Handle other = new Handle(FileType.LOCK, id(18));
        assertThatThrownBy(() -> ro.save(other, bytes(10, 2))).isInstanceOf(StorageError.Denied.class)
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("read-only");
        assertThatThrownBy(() -> ro.remove(h)).isInstanceOf(StorageError.Denied.class);
        assertThatThrownBy(ro::create).isInstanceOf(StorageError.Denied.class);
        assertThat(b.exists(other)).isFalse();
        assertThat(ro.load(h)).isEqualTo(bytes(10, 1));
        assertThat(ro.list(FileType.KEY)).hasSize(1);
    }

    @Test
    void theConcurrencyLimitNeverHoldsUpLockFiles() throws Exception {
        Backend s = Backends.stack(b, BackendOptions.DEFAULT);
        Semaphore permits = Backends.find(s, ConcurrencyLimitBackend.class).permits();
        int all = b.connections();
        assertThat(permits.availablePermits()).isEqualTo(all);
        permits.acquire(all);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Handle lock = new Handle(FileType.LOCK, id(19));
            s.save(lock, bytes(100, 1));
            assertThat(s.load(lock)).hasSize(100);
            assertThat(s.stat(lock).size()).isEqualTo(100);
            assertThat(s.list(FileType.LOCK)).hasSize(1);
            s.remove(lock);
            assertThat(s.exists(lock)).isFalse();
            // A pack upload waits for a connection meanwhile, and goes on once one is free.
            Handle pack = new Handle(FileType.DATA, id(20));
            Future<?> f = other.submit(() -> {
                s.save(pack, bytes(100, 2));
                return null;
            });
            while (!permits.hasQueuedThreads()) Thread.onSpinWait();
            assertThat(f.isDone()).isFalse();
            permits.release(all);
            f.get(30, TimeUnit.SECONDS);
            assertThat(b.exists(pack)).isTrue();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void metricsCountRequestsBytesAndErrorsPerOperationAndAreWrittenAtClose() throws IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("lifeboat-metrics", ".json");
        try {
            Backend s = Backends.stack(b, BackendOptions.DEFAULT, Map.of(Backends.METRICS_ENV, file.toString()));
            Handle h = new Handle(FileType.DATA, id(21));
            s.save(h, bytes(1000, 1));
            s.load(h, 10, 100);
            s.load(h);
            s.exists(h);
            s.list(FileType.DATA);
            s.remove(h);
            assertThatThrownBy(() -> s.stat(h)).isInstanceOf(NoSuchFileException.class);
            BackendMetrics m = Backends.metrics(s);
            assertThat(m.op(Op.SAVE).requests()).isEqualTo(1);
            assertThat(m.op(Op.SAVE).bytes()).isEqualTo(1000);
            assertThat(m.op(Op.LOAD).requests()).isEqualTo(2);
            assertThat(m.op(Op.LOAD).bytes()).isEqualTo(1100);
            assertThat(m.op(Op.STAT).requests()).isEqualTo(2);
            assertThat(m.op(Op.STAT).errors()).isEqualTo(1);
            assertThat(m.op(Op.LIST).requests()).isEqualTo(1);
            assertThat(m.op(Op.REMOVE).requests()).isEqualTo(1);
            s.close();
            b = newBackend(); // the stack closed the one under test
            assertThat(java.nio.file.Files.readString(file)).contains("\"save\":{\"requests\":1,\"bytes\":1000,\"errors\":0")
                    .contains("\"load\":{\"requests\":2,\"bytes\":1100,");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
