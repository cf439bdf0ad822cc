package org.lifeboat.backend;

import java.io.IOException;

/** Refuses every write (create, save, retain, remove; lock files too) with {@link StorageError.Denied}. */
final class ReadOnlyBackend extends ForwardingBackend {
    ReadOnlyBackend(Backend inner) {
        super(inner);
    }

    private StorageError.Denied denied(String what) {
        return new StorageError.Denied(location(), "the repository is opened read-only; " + what + " was refused");
    }

    @Override
    public void create() throws IOException {
        throw denied("creating it");
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        throw denied("writing " + h);
    }

    @Override
    public void retain(Handle h, PutOptions.Retention mode, java.time.Instant until) throws IOException {
        throw denied("extending the retention of " + h);
    }

    @Override
    public void remove(Handle h) throws IOException {
        throw denied("removing " + h);
    }

    @Override
    public void checkRemovals(FileType type) throws IOException {
        throw denied("removing " + type.folder() + "/ files");
    }
}
