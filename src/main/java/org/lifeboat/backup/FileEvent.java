package org.lifeboat.backup;

/**
 * One entry of a backup, once it is done.
 *
 * @param path the entry's path as the snapshot names it
 * @param dir true for a folder (its sizes are 0)
 * @param status new, changed (restic: "modified") or unchanged, compared with the parent snapshot
 * @param size the bytes of content the file has in the snapshot (raw, as read)
 * @param addedBytes plain bytes of new blobs this entry added to the repository (in a dry run: would add)
 * @param storedBytes the same blobs as stored in packs, compressed and encrypted, in bytes (0 in a dry run)
 * @param seconds how long reading and storing it took (0 when it was not read)
 */
public record FileEvent(String path, boolean dir, Status status, long size, long addedBytes, long storedBytes,
                        double seconds) {

    /** How an entry compares with the parent snapshot. */
    public enum Status {
        NEW("new"), CHANGED("modified"), UNCHANGED("unchanged");

        private final String word;

        Status(String word) {
            this.word = word;
        }

        /** restic's word for it in verbose output: "new", "modified" or "unchanged". */
        public String word() {
            return word;
        }
    }

    /**
     * Plain bytes added per byte stored ({@code addedBytes / storedBytes}); above 1 when the new
     * data compressed, a little below 1 for incompressible (encrypted, already compressed) data;
     * 0 when nothing was stored.
     */
    public double compressionRatio() {
        return storedBytes == 0 ? 0 : (double) addedBytes / storedBytes;
    }
}
