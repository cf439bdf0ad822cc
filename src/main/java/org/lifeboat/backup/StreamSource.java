package org.lifeboat.backup;

import java.io.IOException;
import java.io.InputStream;

/**
 * A file in the snapshot whose content is a stream (a database dump, a command's output), stored at
 * the absolute snapshot path {@code path} without ever being staged on disk. The stream's close()
 * must throw when its producer failed: a failed dump then fails the backup instead of being saved
 * short. With {@code requireData}, a stream that ends before its first byte fails the backup with
 * {@link Archiver.NoDataException} (a producer that died before writing, as restic's --stdin).
 */
public record StreamSource(String path, Opener opener, boolean requireData) {
    public interface Opener {
        InputStream open() throws IOException;
    }

    public StreamSource {
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.contains("/../") || path.contains("/./")) {
            throw new IllegalArgumentException("stream path must be an absolute file path, not '" + path + "'");
        }
    }

    /** A stream that may be empty (an empty output is data too). */
    public StreamSource(String path, Opener opener) {
        this(path, opener, false);
    }
}
