package org.lifeboat.backend;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a repository's bytes live. Deliberately small (after restic's {@code backend.Backend} and
 * kopia's {@code blob.Storage}): retries, rate and connection limits, metrics, read-only use and
 * fault injection are decorators stacked by {@link Backends#stack} without knowing the format.
 * Files are written once and never changed.
 *
 * <p>The primitives are {@link #stat}, {@link #load(Handle, long, int, Reader)}, {@link
 * #save(Handle, byte[], int, int, PutOptions)}, {@link #retain}, {@link #remove}, {@link #list(FileType, Consumer)}
 * and {@link #create}; the other methods are conveniences built on them (a backend may override
 * them for speed, but decorators only pass the primitives on). Failures are {@link StorageError}s
 * where they are one of its kinds; any other IOException is permanent. All methods may be called
 * from many threads at once.
 */
public interface Backend extends Closeable {

    /**
     * Reads a stream of a file's bytes. It may be run more than once for one load (a retry after a
     * transient fault runs it again from the range's start), so it must start from scratch each
     * time and keep no state from an earlier run. It must not call the same backend: it runs while
     * the load holds one of the backend's connections.
     */
    @FunctionalInterface
    interface Reader {
        /**
         * @param in the range's bytes, from its first byte; closed by the backend when this returns.
         *     It need not be read to the end. A read from it may throw a {@link StorageError.Transient}.
         */
        void read(InputStream in) throws IOException;
    }

    /** A human-readable location (a folder, a URL), never holding a credential (see {@link Backends#redact}). */
    String location();

    /**
     * Creates the repository layout (folders); nothing for stores that have none.
     *
     * @throws StorageError.AlreadyExists if a config already exists
     */
    void create() throws IOException;

    /**
     * Size, modification time and retention of a file (one request).
     *
     * @throws StorageError.NotFound if it is missing
     */
    FileStat stat(Handle h) throws IOException;

    /**
     * Streams {@code length} bytes from {@code offset} of a file into {@code consumer} (one request,
     * restic's {@code Load}).
     *
     * @param offset where to start, in bytes, at least 0
     * @param length how many bytes, or 0 for all up to the file's end
     * @throws StorageError.NotFound if the file is missing
     * @throws StorageError.BadRange if {@code offset + length} (or {@code offset} with length 0) is past the file's end
     * @throws IllegalArgumentException for a negative offset or length
     * @throws IOException what the consumer throws, passed on unchanged
     */
    void load(Handle h, long offset, int length, Reader consumer) throws IOException;

    /**
     * Stores a file atomically and durably: after return it is complete on stable storage, and an
     * interruption never leaves a partial file under the final name.
     *
     * @param options the retention asked for; a backend that cannot keep a retention refuses it
     * @throws StorageError.AlreadyExists if a file of that name exists (it is left as it is)
     * @throws StorageError.Denied if the backend refuses writes or the retention
     */
    void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException;

    /**
     * Extends the retention of a stored file (S3 Object Lock's PutObjectRetention) so that it
     * cannot be removed before {@code until}; a retention already longer is kept (a retention is
     * never shortened, and compliance is never weakened to governance).
     *
     * @param mode  {@link PutOptions.Retention#GOVERNANCE} or {@link PutOptions.Retention#COMPLIANCE}
     * @param until the earliest time the file may be removed
     * @throws StorageError.NotFound if the file is missing
     * @throws StorageError.Denied if the backend keeps no retention (every backend but S3 with
     *     Object Lock) or refuses writes
     */
    default void retain(Handle h, PutOptions.Retention mode, java.time.Instant until) throws IOException {
        throw new StorageError.Denied(location() + "/" + h, "this storage keeps no retention (only S3 with Object Lock does)");
    }

    /**
     * Removes a file; missing is not an error.
     *
     * @throws StorageError.Denied if the file is under retention or the backend refuses writes
     */
    void remove(Handle h) throws IOException;

    /**
     * Fails when this storage refuses every removal of files of {@code type}, whichever the file
     * (an append-only REST server deletes only locks), so that a command that writes first and
     * removes after (prune, tag, rewrite --forget, repair) can stop before it writes anything.
     * Changes nothing. Storage that decides per file (S3 Object Lock, file permissions) passes:
     * such a refusal is said at the removal itself. Decorators pass it on.
     *
     * @param type any type but {@link FileType#CONFIG}
     * @throws StorageError.Denied naming the type's folder when such removals are refused
     */
    default void checkRemovals(FileType type) throws IOException {}

    /**
     * Calls {@code fn} once for each file of a type whose name is a 64-hex ID (others are ignored,
     * as restic does), in no particular order; for {@link FileType#CONFIG} once with name "" if it
     * exists. A missing folder lists nothing. {@code fn} must not call the same backend.
     */
    void list(FileType type, Consumer<FileInfo> fn) throws IOException;

    /**
     * How many requests this backend wants in flight at once (restic's {@code Connections()}):
     * the upload and read stages size their worker pools from it, and the stack's concurrency
     * limit allows this many. A local folder wants 2; remote stores want more (restic: 5).
     */
    default int connections() {
        return 2;
    }

    /**
     * Whether the place that would hold the repository (a local folder, a bucket) exists at all:
     * false lets a missing repository be reported as a missing folder, not a missing config.
     */
    default boolean containerExists() throws IOException {
        return true;
    }

    @Override
    default void close() throws IOException {}

    // ------------------------------------------------------------ conveniences on the primitives

    /** True if the file exists (a {@link #stat}). */
    default boolean exists(Handle h) throws IOException {
        try {
            stat(h);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Size in bytes. @throws StorageError.NotFound when missing */
    default long size(Handle h) throws IOException {
        return stat(h).size();
    }

    /** Reads the whole file. @throws StorageError.NotFound when missing */
    default byte[] load(Handle h) throws IOException {
        byte[][] out = new byte[1][];
        load(h, 0, 0, in -> out[0] = in.readAllBytes());
        return out[0];
    }

    /**
     * Reads exactly {@code length} bytes at {@code offset} (0 bytes reads nothing but still fails
     * for a missing file).
     *
     * @throws StorageError.BadRange (an EOFException) when the file is shorter
     * @throws StorageError.NotFound when missing
     */
    default byte[] load(Handle h, long offset, int length) throws IOException {
        if (length == 0) {
            stat(h);
            return new byte[0];
        }
        byte[] buf = new byte[length];
        load(h, offset, length, in -> {
            int n = in.readNBytes(buf, 0, length);
            if (n < length) throw new StorageError.BadRange(location() + "/" + h + ": file ends before byte " + (offset + length));
        });
        return buf;
    }

    /**
     * Reads a whole file into {@code buf} when it fits and returns its length; a file larger than
     * the buffer returns -size (at most -Integer.MAX_VALUE). Lets callers that read many large
     * files (check) reuse one buffer.
     *
     * @throws StorageError.NotFound when missing
     */
    default int loadInto(Handle h, byte[] buf) throws IOException {
        int[] n = new int[1];
        boolean[] more = new boolean[1];
        load(h, 0, 0, in -> {
            n[0] = in.readNBytes(buf, 0, buf.length);
            more[0] = n[0] == buf.length && in.read() >= 0;
        });
        if (more[0]) return (int) -Math.min(size(h), Integer.MAX_VALUE);
        return n[0];
    }

    /** Stores a file with no retention; see {@link #save(Handle, byte[], int, int, PutOptions)}. */
    default void save(Handle h, byte[] data, int offset, int length) throws IOException {
        save(h, data, offset, length, PutOptions.NONE);
    }

    /** Stores a whole array with no retention; see {@link #save(Handle, byte[], int, int, PutOptions)}. */
    default void save(Handle h, byte[] data) throws IOException {
        save(h, data, 0, data.length, PutOptions.NONE);
    }

    /** The files of a type, collected from {@link #list(FileType, Consumer)}. */
    default List<FileInfo> list(FileType type) throws IOException {
        List<FileInfo> out = new ArrayList<>();
        list(type, out::add);
        return out;
    }

    /** A NotFound naming {@code location/handle}. */
    static NoSuchFileException missing(Handle h, String location) {
        return new StorageError.NotFound(location + (location.endsWith("/") ? "" : "/") + h);
    }

    /** @throws IllegalArgumentException for a negative offset or length (a caller's bug) */
    static void checkRange(long offset, int length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("a load needs a non-negative offset and length, not " + offset + "/" + length);
        }
    }

    /** True for a 64-hex-digit ID, the only names {@link #list} reports. */
    static boolean isId(String s) {
        if (s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }
}
