package org.lifeboat.restore;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileStat;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;

/** A backend that counts read requests per file (whole, ranged, into a buffer), delegating to another. */
public final class CountingBackend implements Backend {
    private final Backend inner;
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();

    public CountingBackend(Backend inner) {
        this.inner = inner;
    }

    private void count(Handle h) {
        reads.computeIfAbsent(h.type() + "/" + h.name(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Read requests made on a pack file so far. */
    public int packReads(String packHex) {
        AtomicInteger n = reads.get(FileType.DATA + "/" + packHex);
        return n == null ? 0 : n.get();
    }

    /** Read requests on all pack files. */
    public int allPackReads() {
        int n = 0;
        for (Map.Entry<String, AtomicInteger> e : reads.entrySet()) {
            if (e.getKey().startsWith(FileType.DATA + "/")) n += e.getValue().get();
        }
        return n;
    }

    public void reset() {
        reads.clear();
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void create() throws IOException {
        inner.create();
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return inner.stat(h);
    }

    /** Every read (whole, ranged, into a buffer) reaches this primitive once: one count per request. */
    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        count(h);
        inner.load(h, offset, length, consumer);
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        inner.save(h, data, offset, length, options);
    }

    @Override
    public void remove(Handle h) throws IOException {
        inner.remove(h);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        inner.list(type, fn);
    }

    @Override
    public int connections() {
        return inner.connections();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
