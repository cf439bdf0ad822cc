package org.lifeboat.backend;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * The base of the stack's decorators: passes every primitive to {@link #inner()} unchanged. The
 * conveniences are not passed on (they are built on the primitives), so a decorator sees every
 * request of every caller. The location is redacted once more, so no credential of a backend
 * added later can leak through the stack. Public so that a layer above (the repository's
 * retention, copy's read-only source) adds its one rule without copying the forwarding.
 */
public abstract class ForwardingBackend implements Backend {
    final Backend inner;

    /** @param inner the backend every primitive is passed to */
    protected ForwardingBackend(Backend inner) {
        this.inner = inner;
    }

    /** The wrapped backend. */
    public Backend inner() {
        return inner;
    }

    @Override
    public String location() {
        return Backends.redact(inner.location());
    }

    @Override
    public void create() throws IOException {
        inner.create();
    }

    @Override
    public FileStat stat(Handle h) throws IOException {
        return inner.stat(h);
    }

    @Override
    public boolean exists(Handle h) throws IOException {
        return inner.exists(h);
    }

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        inner.load(h, offset, length, consumer);
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        inner.save(h, data, offset, length, options);
    }

    @Override
    public void retain(Handle h, PutOptions.Retention mode, java.time.Instant until) throws IOException {
        inner.retain(h, mode, until);
    }

    @Override
    public void remove(Handle h) throws IOException {
        inner.remove(h);
    }

    @Override
    public void checkRemovals(FileType type) throws IOException {
        inner.checkRemovals(type);
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
    public boolean containerExists() throws IOException {
        return inner.containerExists();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
