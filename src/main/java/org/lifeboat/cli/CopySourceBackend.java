package org.lifeboat.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.ForwardingBackend;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.backend.StorageError;

/**
 * The source of {@code copy} and {@code init --copy-chunker-params} as they may use it: read-only
 * but for its lock files (a copy takes a shared lock on the source, as restic does), and with the
 * key named by {@code --from-key-hint} tried first (the repository tries at most 20 key files).
 */
final class CopySourceBackend extends ForwardingBackend {
    private final String keyHint;

    /** @param keyHint a key file ID or a prefix of one, or null */
    CopySourceBackend(Backend inner, String keyHint) {
        super(inner);
        this.keyHint = keyHint == null || keyHint.isBlank() ? null : keyHint.strip().toLowerCase(Locale.ROOT);
    }

    private StorageError.Denied denied(String what) {
        return new StorageError.Denied(location(), "the copy's source is opened read-only; " + what + " was refused");
    }

    @Override
    public void create() throws IOException {
        throw denied("creating it");
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        if (h.type() != FileType.LOCK) throw denied("writing " + h);
        inner().save(h, data, offset, length, options);
    }

    @Override
    public void retain(Handle h, PutOptions.Retention mode, java.time.Instant until) throws IOException {
        throw denied("extending the retention of " + h);
    }

    @Override
    public void remove(Handle h) throws IOException {
        if (h.type() != FileType.LOCK) throw denied("removing " + h);
        inner().remove(h);
    }

    @Override
    public void list(FileType type, Consumer<FileInfo> fn) throws IOException {
        if (type != FileType.KEY || keyHint == null) {
            inner().list(type, fn);
            return;
        }
        // The hinted key first: the repository tries at most 20 key files, in listed order.
        List<FileInfo> hinted = new ArrayList<>();
        List<FileInfo> rest = new ArrayList<>();
        inner().list(type, f -> (f.name().startsWith(keyHint) ? hinted : rest).add(f));
        hinted.forEach(fn);
        rest.forEach(fn);
    }
}
