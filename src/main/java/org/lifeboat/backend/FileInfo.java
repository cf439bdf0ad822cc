package org.lifeboat.backend;

/**
 * A listed file: its name and size in bytes, whether it is a regular file, and where it was found
 * when that is not where a {@link Handle} of its name reads it.
 *
 * @param name    the file's name (a 64-hex ID; "" for the config)
 * @param size    its length in bytes; -1 when it is not a regular file
 * @param file    false for a folder, a link that leads nowhere readable, a FIFO, a device: no
 *                bytes can be read from it as from a repository file
 * @param foundAt its path in the repository (e.g. {@code data/00/f3…}) when it lies outside the
 *                folder its name places it in ({@code data/f3/}), so that loading it by name
 *                fails; null when it is in its place
 */
public record FileInfo(String name, long size, boolean file, String foundAt) {
    /** A regular file in its place. */
    public FileInfo(String name, long size) {
        this(name, size, true, null);
    }

    /** True when it lies outside the folder its name places it in. */
    public boolean misplaced() {
        return foundAt != null;
    }
}
