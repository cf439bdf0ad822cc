package org.lifeboat.testutil;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileStat;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.PutOptions;

/**
 * A test backend that hands every call, primitive and convenience alike, to another backend; tests
 * extend it and override the one call they hold, fail or count.
 */
public abstract class DelegatingBackend implements Backend {
    protected final Backend inner;

    protected DelegatingBackend(Backend inner) {
        this.inner = inner;
    }

    @Override public String location() { return inner.location(); }
    @Override public void create() throws IOException { inner.create(); }
    @Override public FileStat stat(Handle h) throws IOException { return inner.stat(h); }
    @Override public void load(Handle h, long offset, int length, Reader consumer) throws IOException { inner.load(h, offset, length, consumer); }
    @Override public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException { save(h, data, offset, length); }
    @Override public void remove(Handle h) throws IOException { inner.remove(h); }
    @Override public void list(FileType type, Consumer<FileInfo> fn) throws IOException { inner.list(type, fn); }
    @Override public int connections() { return inner.connections(); }
    @Override public boolean exists(Handle h) throws IOException { return inner.exists(h); }
    @Override public long size(Handle h) throws IOException { return inner.size(h); }
    @Override public byte[] load(Handle h) throws IOException { return inner.load(h); }
    @Override public byte[] load(Handle h, long offset, int length) throws IOException { return inner.load(h, offset, length); }
    @Override public int loadInto(Handle h, byte[] buf) throws IOException { return inner.loadInto(h, buf); }
    /** Every save of this backend comes here (the primitive too): override this one to hold or fail saves. */
    @Override public void save(Handle h, byte[] data, int offset, int length) throws IOException { inner.save(h, data, offset, length); }
    @Override public List<FileInfo> list(FileType type) throws IOException { return inner.list(type); }
    @Override public void close() throws IOException { inner.close(); }
}
