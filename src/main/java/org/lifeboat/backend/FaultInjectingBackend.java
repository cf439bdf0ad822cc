package org.lifeboat.backend;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.lifeboat.backend.BackendMetrics.Op;

/**
 * For tests and benchmarks only (kopia's FaultyStorage): adds latency to every request, fails a
 * share of them with {@link StorageError.Transient} (before the request, after a save was
 * written, half-way through a load's stream or a listing), and simulates a crash at the Nth save.
 * Sits right above the real backend, below the retry layer. Configured by {@link Spec}, from
 * {@code LIFEBOAT_BACKEND_FAULTS}.
 */
final class FaultInjectingBackend extends ForwardingBackend {
    /**
     * @param latencyMillis  added to every request, in ms
     * @param transientRate  the share of requests failed with a transient fault, 0 to 1
     * @param seed           seeds the choice of failed requests, so a run can be repeated
     * @param crashAfterSave the Nth save (from 1) is written whole, then it and every later request fail; 0 for never
     * @param crashDuringSave the Nth save is interrupted while it writes, then it and every later request fail; 0 for never
     */
    record Spec(long latencyMillis, double transientRate, long seed, int crashAfterSave, int crashDuringSave) {
        static final Spec NONE = new Spec(0, 0, 1, 0, 0);

        /**
         * Parses "latency=20ms,transient=0.05,seed=7,crash-after-save=3,crash-during-save=3" (any subset).
         *
         * @throws IllegalArgumentException naming the bad part
         */
        static Spec parse(String s) {
            long latency = 0;
            double rate = 0;
            long seed = 1;
            int after = 0;
            int during = 0;
            for (String part : s.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) continue;
                int eq = p.indexOf('=');
                String k = eq < 0 ? p : p.substring(0, eq).strip();
                String v = eq < 0 ? "" : p.substring(eq + 1).strip();
                try {
                    switch (k) {
                        case "latency" -> latency = Long.parseLong(v.endsWith("ms") ? v.substring(0, v.length() - 2) : v);
                        case "transient" -> rate = Double.parseDouble(v);
                        case "seed" -> seed = Long.parseLong(v);
                        case "crash-after-save" -> after = Integer.parseInt(v);
                        case "crash-during-save" -> during = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("LIFEBOAT_BACKEND_FAULTS: unknown fault '" + k
                                + "' (known: latency=MSms, transient=RATE, seed=N, crash-after-save=N, crash-during-save=N)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("LIFEBOAT_BACKEND_FAULTS: '" + p + "' does not have a number as its value");
                }
            }
            if (latency < 0 || !(rate >= 0 && rate <= 1) || after < 0 || during < 0) {
                throw new IllegalArgumentException("LIFEBOAT_BACKEND_FAULTS: '" + s + "' has a value out of range (transient is 0 to 1, the others at least 0)");
            }
            return new Spec(latency, rate, seed, after, during);
        }
    }

    /** A fault scripted by a test for the next request. */
    enum Fault {
        /** a transient fault before the request reaches the backend */
        BEFORE,
        /** a transient fault after a save was written, half-way through a load's stream or a listing */
        AFTER,
        /** the request is refused as denied */
        DENIED
    }

    private final Spec spec;
    private final Random random;
    private final Deque<Fault> script = new ArrayDeque<>();
    private final Map<Op, AtomicLong> requests = new EnumMap<>(Op.class);
    private final AtomicInteger saves = new AtomicInteger();
    private volatile boolean crashed;

    FaultInjectingBackend(Backend inner, Spec spec) {
        super(inner);
        this.spec = spec;
        this.random = new Random(spec.seed());
        for (Op op : Op.values()) requests.put(op, new AtomicLong());
    }

    /** Scripts faults for the next requests, in order (they come before the random ones). */
    synchronized void script(Fault... faults) {
        for (Fault f : faults) script.addLast(f);
    }

    /** Requests (attempts) that reached this layer, per operation. */
    long requests(Op op) {
        return requests.get(op).get();
    }

    /** The fault for this request: a scripted one, else a random draw, else null. */
    private Fault next(Op op) throws IOException {
        requests.get(op).incrementAndGet();
        if (crashed) throw new IOException("injected crash: the backend is gone (LIFEBOAT_BACKEND_FAULTS)");
        if (spec.latencyMillis() > 0) {
            try {
                Thread.sleep(spec.latencyMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted during injected latency");
            }
        }
        Fault f;
        synchronized (this) {
            f = script.pollFirst();
            if (f == null && spec.transientRate() > 0 && random.nextDouble() < spec.transientRate()) {
                f = random.nextBoolean() ? Fault.BEFORE : Fault.AFTER;
            }
        }
        if (f == Fault.BEFORE) throw injected(op);
        if (f == Fault.DENIED) throw new StorageError.Denied(location(), "injected denial (test)");
        return f;
    }

    private static StorageError.Transient injected(Op op) {
        return new StorageError.Transient("injected transient fault in " + op.name().toLowerCase(java.util.Locale.ROOT), null);
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        next(Op.STAT);
        return inner.stat(h);
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        next(Op.STAT);
        return inner.exists(h);
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        if (next(Op.LOAD) != Fault.AFTER) {
            inner.load(h, offset, length, consumer);
            return;
        }
        inner.load(h, offset, length, in -> consumer.read(new FilterInputStream(in) {
            private long left = Math.max(0, (length == 0 ? in.available() : length) / 2);

            @Override
            public int read() throws IOException {
                if (left-- <= 0) throw injected(Op.LOAD);
                return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) throw injected(Op.LOAD);
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        }));
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        Fault f = next(Op.SAVE);
        int n = saves.incrementAndGet();
        if (n == spec.crashDuringSave()) {
            crashed = true;
            // The thread's interrupt stops the write part-way (a local save checks it between
            // pieces, a channel refuses to write): what a killed process leaves behind.
            Thread.currentThread().interrupt();
            try {
                inner.save(h, data, offset, length, options);
            } finally {
                Thread.interrupted();
            }
            throw new IOException("injected crash during save " + n + " (LIFEBOAT_BACKEND_FAULTS)");
        }
        inner.save(h, data, offset, length, options);
        if (n == spec.crashAfterSave()) {
            crashed = true;
            throw new IOException("injected crash after save " + n + " (LIFEBOAT_BACKEND_FAULTS)");
        }
        if (f == Fault.AFTER) throw injected(Op.SAVE);
    }

    @Override
    public void remove(Handle h) throws IOException {
        Fault f = next(Op.REMOVE);
        inner.remove(h);
        if (f == Fault.AFTER) throw injected(Op.REMOVE);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        if (next(Op.LIST) != Fault.AFTER) {
            inner.list(type, fn);
            return;
        }
        java.util.List<FileInfo> all = new java.util.ArrayList<>();
        inner.list(type, all::add);
        for (int i = 0; i < all.size() / 2; i++) fn.accept(all.get(i));
        throw injected(Op.LIST);
    }
}
