package org.lifeboat.backend;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A backend in memory, for tests and as a second implementation of the contract. It keeps
 * retentions as S3 Object Lock does: a file saved with GOVERNANCE or COMPLIANCE retention, or
 * given one by {@link #retain}, cannot be removed until it ends ({@link StorageError.Denied}); a
 * retention is extended, never shortened, and COMPLIANCE is never weakened to GOVERNANCE. Its
 * time comes from a clock that tests may set ({@link #clock(Clock)}).
 */
public final class MemoryBackend implements Backend {
    private record Entry(byte[] data, Instant modified, Instant retainUntil, PutOptions.Retention mode) {}

    private final String location;
    private final int connections;
    private final Map<Handle, Entry> files = new ConcurrentHashMap<>();
    private volatile Clock clock = Clock.systemUTC();

    /** @param location its name in messages, e.g. "memory:test" */
    public MemoryBackend(String location) {
        this(location, 2);
    }

    /** @param connections requests in flight at once, at least 1 */
    public MemoryBackend(String location, int connections) {
        this.location = location;
        this.connections = connections;
    }

    /**
     * Sets the clock that decides when retentions are set and end (tests move it forward instead
     * of waiting); the system's UTC clock by default.
     */
    public void clock(Clock clock) {
        this.clock = clock;
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
        return new FileStat(e.data().length, e.modified(), e.retainUntil(), e.mode());
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
        Instant now = clock.instant();
        boolean retained = options.retention() != PutOptions.Retention.NONE;
        Entry e = new Entry(Arrays.copyOfRange(data, offset, offset + length), now, retained ? now.plus(options.period()) : null,
                retained ? options.retention() : null);
        if (files.putIfAbsent(h, e) != null) {
            throw new StorageError.AlreadyExists(location() + "/" + h, "the file already exists; repository files are written once");
        }
    }

    /**
     * {@inheritDoc} As the contract says: a retention already longer is kept, and a COMPLIANCE one
     * stays COMPLIANCE while it runs (S3 refuses such requests; the result is the same).
     */
    @Override
    public void retain(Handle h, PutOptions.Retention mode, Instant until) throws IOException {
        if (mode == null || mode == PutOptions.Retention.NONE) throw new IllegalArgumentException("retain needs GOVERNANCE or COMPLIANCE");
        while (true) {
            Entry e = entry(h);
            boolean locked = e.retainUntil() != null && clock.instant().isBefore(e.retainUntil());
            PutOptions.Retention m = locked && e.mode() == PutOptions.Retention.COMPLIANCE ? e.mode() : mode;
            Instant u = locked && until.isBefore(e.retainUntil()) ? e.retainUntil() : until;
            if (files.replace(h, e, new Entry(e.data(), e.modified(), u, m))) return;
        }
    }

    /** The mode of a file's retention (tests), or null when it has none. @throws StorageError.NotFound when missing */
    public PutOptions.Retention retentionMode(Handle h) throws IOException {
        return entry(h).mode();
    }

    @Override
    public void remove(Handle h) throws IOException {
        Entry e = files.get(h);
        if (e == null) return;
        if (e.retainUntil() != null && clock.instant().isBefore(e.retainUntil())) {
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
