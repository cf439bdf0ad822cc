package org.lifeboat.backend;

import java.io.IOException;
import java.util.function.Consumer;

/** The listing of {@link FileType#CONFIG} for backends whose config is one file found by a stat. */
final class ConfigListing {
    private ConfigListing() {}

    /**
     * Lists the config (name "", its size in bytes) if {@code type} is {@link FileType#CONFIG} and
     * it exists; a missing config lists nothing.
     *
     * @return true if {@code type} was the config (then the caller lists nothing more)
     * @throws IOException if the stat fails other than by the config being missing
     */
    static boolean listed(Backend b, FileType type, Consumer<FileInfo> fn) throws IOException {
        if (type != FileType.CONFIG) return false;
        try {
            fn.accept(new FileInfo("", b.stat(Handle.CONFIG).size()));
        } catch (StorageError.NotFound e) {
            // no config: nothing listed
        }
        return true;
    }
}
