package org.lifeboat.backend;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Where a repository's bytes live. Deliberately small (like kopia's blob.Storage): decorators for
 * retries, read-only use or fault injection wrap it without knowing the repository format.
 * Files are written once and never changed.
 */
public interface Backend extends Closeable {

    /** A human-readable location, e.g. the folder or URL. */
    String location();

    /** Creates the repository layout; fails if a config already exists. */
    void create() throws IOException;

    /** True if the file exists. */
    boolean exists(Handle h) throws IOException;

    /** Size in bytes; NoSuchFileException when missing. */
    long size(Handle h) throws IOException;

    /** Reads the whole file; NoSuchFileException when missing. */
    byte[] load(Handle h) throws IOException;

    /**
     * Reads a whole file into {@code buf} when it fits and returns its length; a file larger than
     * the buffer returns -size without reading. Lets callers that read many large files (check)
     * reuse one buffer.
     */
    default int loadInto(Handle h, byte[] buf) throws IOException {
        byte[] b = load(h);
        if (b.length > buf.length) return -b.length;
        System.arraycopy(b, 0, buf, 0, b.length);
        return b.length;
    }

    /** Reads {@code length} bytes at {@code offset}; EOFException when the file is shorter. */
    byte[] load(Handle h, long offset, int length) throws IOException;

    /**
     * Stores a file atomically and durably: after return it is complete on stable storage, and an
     * interruption never leaves a partial file under the final name. Existing files are not overwritten.
     */
    void save(Handle h, byte[] data, int offset, int length) throws IOException;

    default void save(Handle h, byte[] data) throws IOException {
        save(h, data, 0, data.length);
    }

    /** Removes a file; missing is not an error. */
    void remove(Handle h) throws IOException;

    /** Lists the files of a type whose names are 64-hex IDs; others are ignored, as restic does. */
    List<FileInfo> list(FileType type) throws IOException;

    /**
     * How many requests this backend wants in flight at once (restic's {@code Connections()}):
     * the upload and read stages size their worker pools from it. A local folder wants 2; remote
     * stores want more (restic: 5 for S3, SFTP and REST).
     */
    default int connections() {
        return 2;
    }

    @Override
    default void close() throws IOException {}

    static NoSuchFileException missing(Handle h, String location) {
        return new NoSuchFileException(location + "/" + h, null, "no such file or directory");
    }
}
