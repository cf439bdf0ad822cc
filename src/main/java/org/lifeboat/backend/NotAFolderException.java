package org.lifeboat.backend;

import java.nio.file.NotDirectoryException;

/**
 * A file where a folder is needed (a repository folder, or a folder above it), with a reason that
 * says so in words: {@code getMessage()} is "FILE: REASON", e.g.
 * "some/file.txt: it is a file, not a repository folder".
 */
public final class NotAFolderException extends NotDirectoryException {
    private static final long serialVersionUID = 1L;

    /** The reason; NotDirectoryException itself carries none. */
    private final String why;

    /**
     * @param file the file that is in the way, as the user named it
     * @param why what is wrong, e.g. "it is a file, not a repository folder"
     */
    public NotAFolderException(String file, String why) {
        super(file);
        this.why = why;
    }

    @Override
    public String getReason() {
        return why;
    }
}
