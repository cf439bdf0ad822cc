package org.lifeboat.restore;

import java.io.IOException;
import org.lifeboat.repository.tree.Node;

/** What {@code dump} writes a folder into: a tar ({@link TarWriter}) or a zip ({@link ZipWriter}) archive. */
public interface ArchiveWriter extends AutoCloseable {
    /**
     * Writes one member for the snapshot entry {@code n} named {@code name} (a path inside the
     * dump in {@link org.lifeboat.fs.RawNames} form) whose content, for files, is {@code size}
     * bytes given by {@code content}.
     *
     * @return what was written (nothing for a name that cannot be a safe member)
     * @throws IOException if writing, or reading the content, fails
     */
    TarWriter.Outcome entry(String name, Node n, long size, TarWriter.Content content) throws IOException;

    /** Ends the archive (its trailer or central directory) and flushes it. */
    @Override
    void close() throws IOException;
}
