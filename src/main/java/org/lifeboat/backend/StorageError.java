package org.lifeboat.backend;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * The failures a backend reports, as one sealed family, so that a retry switches over them
 * exhaustively and never retries what cannot get better (after restic's {@code IsNotExist} and
 * {@code IsPermanentError}).
 *
 * <p>Design: each failure is a final exception class that extends the JDK exception callers
 * already catch ({@link NoSuchFileException}, {@link EOFException}, {@link
 * FileAlreadyExistsException}, {@link AccessDeniedException}, {@link IOException}) and implements
 * this sealed interface; one sealed root class could not extend them all. So {@code catch
 * (NoSuchFileException e)} keeps catching a missing file of any backend, and {@code switch
 * (storageError)} stays exhaustive. An IOException that is not a StorageError (a full disk, a
 * damaged layout, {@link Cancel.Cancelled}) is permanent: it is never retried.
 */
public sealed interface StorageError permits StorageError.NotFound, StorageError.BadRange, StorageError.AlreadyExists,
        StorageError.Denied, StorageError.NotAFile, StorageError.Transient {

    /** The file is not there (not retried). {@code getFile()} names it as the backend sees it. */
    final class NotFound extends NoSuchFileException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param file the file, e.g. "/repo/data/ab/abcd…"; the message is "FILE: no such file or directory" */
        public NotFound(String file) {
            super(file, null, "no such file or directory");
        }
    }

    /** A read past the file's end (not retried): the stored file is shorter than the range asked for. */
    final class BadRange extends EOFException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param message one sentence naming the file, its size and the range asked for */
        public BadRange(String message) {
            super(message);
        }
    }

    /** A save to a name that already holds a file (not retried; files are written once). */
    final class AlreadyExists extends FileAlreadyExistsException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param file the file; @param reason why it matters, e.g. "the file already exists" */
        public AlreadyExists(String file, String reason) {
            super(file, null, reason);
        }
    }

    /** The backend refuses the operation: no permission, read-only, retention (not retried). */
    final class Denied extends AccessDeniedException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param file the file or location; @param reason one sentence, e.g. "the backend is read-only" */
        public Denied(String file, String reason) {
            super(file, null, reason);
        }
    }

    /**
     * The name holds a folder, a link or a special file where a file belongs (not retried): a
     * damaged or hostile layout, reported as such instead of being read as a 4 KiB file.
     */
    final class NotAFile extends IOException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param message one sentence naming the file and what it is, e.g. "/repo/snapshots/ab… is a folder, not a file" */
        public NotAFile(String message) {
            super(message);
        }
    }

    /**
     * A failure that may pass (a dropped connection, a timeout, a 5xx): the only kind the retry
     * decorator retries. Local folders never report it; remote backends map network faults to it.
     */
    final class Transient extends IOException implements StorageError {
        private static final long serialVersionUID = 1L;

        /** @param message one sentence saying what failed; @param cause the underlying fault, or null */
        public Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
