package org.lifeboat.restore;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.FileInfo;
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
    public boolean exists(Handle h) throws IOException {
        return inner.exists(h);
    }

    @Override
    public long size(Handle h) throws IOException {
        return inner.size(h);
    }

    @Override
    public byte[] load(Handle h) throws IOException {
        count(h);
        return inner.load(h);
    }

    @Override
    public int loadInto(Handle h, byte[] buf) throws IOException {
        count(h);
        return inner.loadInto(h, buf);
    }

    @Override
    public byte[] load(Handle h, long offset, int length) throws IOException {
        count(h);
        return inner.load(h, offset, length);
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length) throws IOException {
        inner.save(h, data, offset, length);
    }

    @Override
    public void remove(Handle h) throws IOException {
        inner.remove(h);
    }

    @Override
    public List<FileInfo> list(FileType type) throws IOException {
        return inner.list(type);
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
