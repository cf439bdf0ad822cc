package org.lifeboat.repository;

import java.io.IOException;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.ForwardingBackend;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.PutOptions;
import org.lifeboat.backend.StorageError;

/**
 * The one place where the repository's retention setting reaches its writes: every file a
 * repository stores through this (packs, index, snapshots, keys, config) is saved with the
 * setting's retention, lock files never (a lock must go when its holder ends). A repository
 * without retention passes every call on unchanged.
 */
final class RetainingBackend extends ForwardingBackend {
    private final PutOptions options;

    private RetainingBackend(Backend inner, PutOptions options) {
        super(inner);
        this.options = options;
    }

    /** {@code b} itself when {@code retention} is null, else {@code b} with every write but a lock's retained. */
    static Backend wrap(Backend b, Retention retention) {
        if (retention == null) return b;
        return new RetainingBackend(b, putOptions(retention));
    }

    /** The backend's form of a retention setting. */
    static PutOptions putOptions(Retention r) {
        PutOptions.Retention mode = r.mode() == Retention.Mode.COMPLIANCE ? PutOptions.Retention.COMPLIANCE
                : PutOptions.Retention.GOVERNANCE;
        return new PutOptions(mode, r.period());
    }

    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions asked) throws IOException {
        PutOptions o = h.type() == FileType.LOCK || asked.retention() != PutOptions.Retention.NONE ? asked : options;
        try {
            inner().save(h, data, offset, length, o);
        } catch (StorageError.Denied e) {
            if (o == asked) throw e;
            // The config asks for a retention this storage cannot keep (a copy of an S3 repository
            // made into a local folder, say): said as such, not as a bare "permission denied".
            throw new RepositoryException("cannot store " + h + " at " + location() + ": the repository's config asks for "
                    + describe(options) + " and the storage refused it (" + reason(e) + ")", e);
        }
    }

    private static String describe(PutOptions o) {
        return o.retention().name().toLowerCase(java.util.Locale.ROOT) + " retention of "
                + new Retention(o.retention() == PutOptions.Retention.COMPLIANCE ? Retention.Mode.COMPLIANCE
                        : Retention.Mode.GOVERNANCE, o.period()).periodText();
    }

    private static String reason(StorageError.Denied e) {
        return e.getReason() != null ? e.getReason() : "permission denied";
    }
}
