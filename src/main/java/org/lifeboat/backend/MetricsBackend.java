package org.lifeboat.backend;

import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.lifeboat.backend.BackendMetrics.Op;

/**
 * Counts requests, bytes, errors and latency per operation; writes them as JSON to a file when
 * closed, if one is given (the LIFEBOAT_BACKEND_METRICS knob).
 */
final class MetricsBackend extends ForwardingBackend {
    /** The counters, shared with the retry layer below, which adds its retries. */
    static final class Meter {
        private final Map<Op, LongAdder[]> c = new EnumMap<>(Op.class);

        Meter() {
            for (Op op : Op.values()) c.put(op, new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()});
        }

        void request(Op op, long bytes, boolean failed, long nanos) {
            LongAdder[] a = c.get(op);
            a[0].increment();
            a[1].add(bytes);
            if (failed) a[2].increment();
            a[4].add(nanos);
        }

        void bytes(Op op, long n) {
            c.get(op)[1].add(n);
        }

        void retry(Op op) {
            c.get(op)[3].increment();
        }

        BackendMetrics snapshot() {
            Map<Op, BackendMetrics.OpStats> m = new EnumMap<>(Op.class);
            c.forEach((op, a) -> m.put(op, new BackendMetrics.OpStats(a[0].sum(), a[1].sum(), a[2].sum(), a[3].sum(), a[4].sum())));
            return new BackendMetrics(m);
        }
    }

    private final Meter meter;
    private final Path file;

    MetricsBackend(Backend inner, Meter meter, Path file) {
        super(inner);
        this.meter = meter;
        this.file = file;
    }

    BackendMetrics snapshot() {
        return meter.snapshot();
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T time(Op op, long bytes, Call<T> call) throws IOException {
        long t0 = System.nanoTime();
        boolean failed = true;
        try {
            T r = call.run();
            failed = false;
            return r;
        } finally {
            meter.request(op, bytes, failed, System.nanoTime() - t0);
        }
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return time(Op.STAT, 0, () -> inner.stat(h));
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        return time(Op.STAT, 0, () -> inner.exists(h));
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        time(Op.LOAD, 0, () -> {
            inner.load(h, offset, length, in -> consumer.read(new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) meter.bytes(Op.LOAD, 1);
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) meter.bytes(Op.LOAD, n);
                    return n;
                }
            }));
            return null;
        });
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        time(Op.SAVE, length, () -> {
            inner.save(h, data, offset, length, options);
            return null;
        });
    }

    @Override
    public void remove(Handle h) throws IOException {
        time(Op.REMOVE, 0, () -> {
            inner.remove(h);
            return null;
        });
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        time(Op.LIST, 0, () -> {
            inner.list(type, fn);
            return null;
        });
    }

    /** Closes the backend, then writes the figures to the metrics file if one was given. */
    @Override
    public void close() throws IOException {
        try {
            inner.close();
        } finally {
            if (file != null) {
                // A test and benchmark knob: a file it cannot write is a warning, never a failed command.
                try {
                    Files.writeString(file, meter.snapshot().toJson());
                } catch (IOException e) {
                    Path dir = file.toAbsolutePath().getParent();
                    String why = dir != null && !Files.isDirectory(dir) ? "its folder " + dir + " does not exist"
                            : e.getMessage();
                    System.err.println("warning: the backend metrics (LIFEBOAT_BACKEND_METRICS) could not be written to "
                            + file + ": " + why);
                }
            }
        }
    }

}
