package org.lifeboat.backend;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A backend in memory, for tests and as a second implementation of the contract. It keeps
 * retentions as Object Lock would: a file saved with GOVERNANCE or COMPLIANCE retention cannot be
 * removed until its period ends ({@link StorageError.Denied}).
 */
public final class MemoryBackend implements Backend {
    private record Entry(byte[] data, Instant modified, Instant retainUntil) {}

    private final String location;
    private final int connections;
    private final Map<Handle, Entry> files = new ConcurrentHashMap<>();

    /** @param location its name in messages, e.g. "memory:test" */
    public MemoryBackend(String location) {
        this(location, 2);
    }

    /** @param connections requests in flight at once, at least 1 */
    public MemoryBackend(String location, int connections) {
        this.location = location;
        this.connections = connections;
    }

    @Override
    public String location() {
        return Backends.redact(location);
    }

    @Override
    public int connections() {
        return connections;
    }

    @Override
    public void create() throws IOException {
        if (files.containsKey(Handle.CONFIG)) throw new StorageError.AlreadyExists(location() + "/config", "a repository already exists here");
    }

    private Entry entry(Handle h) throws StorageError.NotFound {
        Entry e = files.get(h);
        if (e == null) throw new StorageError.NotFound(location() + "/" + h);
        return e;
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        Entry e = entry(h);
        return new FileStat(e.data().length, e.modified(), e.retainUntil());
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        Backend.checkRange(offset, length);
        byte[] d = entry(h).data();
        long end = length == 0 ? d.length : offset + length;
        if (offset > d.length || end > d.length) {
            throw new StorageError.BadRange(location() + "/" + h + ": file ends before offset " + end + " (it has " + d.length + " bytes)");
        }
        try (InputStream in = new ByteArrayInputStream(d, (int) offset, (int) (end - offset))) {
            consumer.read(in);
        }
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        // A killed writer leaves nothing: the file appears whole at once, or not at all.
        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted while writing " + h);
        Instant now = Instant.now();
        Instant until = options.retention() == PutOptions.Retention.NONE ? null : now.plus(options.period());
        Entry e = new Entry(Arrays.copyOfRange(data, offset, offset + length), now, until);
        if (files.putIfAbsent(h, e) != null) {
            throw new StorageError.AlreadyExists(location() + "/" + h, "the file already exists; repository files are written once");
        }
    }

    @Override
    public void remove(Handle h) throws IOException {
        Entry e = files.get(h);
        if (e == null) return;
        if (e.retainUntil() != null && Instant.now().isBefore(e.retainUntil())) {
            throw new StorageError.Denied(location() + "/" + h, "it is under retention until " + e.retainUntil());
        }
        files.remove(h, e);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) {
        for (Map.Entry<Handle, Entry> e : files.entrySet()) {
            Handle h = e.getKey();
            if (h.type() != type) continue;
            if (type == FileType.CONFIG || Backend.isId(h.name())) fn.accept(new FileInfo(h.name(), e.getValue().data().length));
        }
    }
}
