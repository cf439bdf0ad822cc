package org.lifeboat.anomaly;

import java.util.List;

/**
 * What changed between a snapshot and its parent, as counts of regular files and bytes. A file
 * whose name changed in its folder ({@code a.docx} to {@code a.docx.locked}, or {@code a.docx} to
 * {@code a.xyz}) counts as renamed, not as deleted and added; its content is compared like a
 * modified file's.
 *
 * @param filesBefore regular files in the parent (0 for a first snapshot)
 * @param filesAfter regular files in the snapshot
 * @param added files only in the snapshot (renames not counted)
 * @param deleted files only in the parent (renames not counted)
 * @param modified files in both whose content changed
 * @param renamed files that got a new name in the same folder
 * @param extensionChanged renamed files whose extension changed (appended or replaced)
 * @param ransomNotes new files named as ransom notes are ({@code HOW_TO_DECRYPT.txt}, ...)
 * @param ransomExtensions new or renamed files with an extension encryptors use ({@code .locked}, ...)
 * @param rewritten modified or renamed files of at least 512 bytes whose old version compressed
 *     (zstd ratio of at least 1.3), plus the files counted as replaced (see {@code lostCompression})
 * @param lostCompression of the {@code rewritten}, those whose new version does not compress
 *     (ratio of at most 1.05) or is at least 40% random (see {@code SignalReader.lost}): the mark of
 *     encrypted data, which looks random; plus as many compressible files deleted as random-looking
 *     files came under unrelated names (written anew, the originals deleted)
 * @param modifiedBytes the new versions' size of modified files of at least 4 MiB (before and
 *     after: smaller ones are a chunk or two, new whenever they change), in bytes
 * @param newBytes of {@code modifiedBytes}, the bytes in chunks the old version did not have
 *     (the opposite of deduplication against the parent)
 * @param bytesBefore bytes of regular files in the parent
 * @param bytesAfter bytes of regular files in the snapshot
 * @param compressionKnown false when the repository stores data uncompressed (version 1 or
 *     compression off): then {@code rewritten} and {@code lostCompression} say nothing
 * @param examples up to {@link #MAX_EXAMPLES} paths of files that look most like an attack
 *     (notes, lost compression, ransom extensions), for the evidence
 */
public record Signals(long filesBefore, long filesAfter, long added, long deleted, long modified, long renamed,
                      long extensionChanged, long ransomNotes, long ransomExtensions, long rewritten,
                      long lostCompression, long modifiedBytes, long newBytes, long bytesBefore, long bytesAfter,
                      boolean compressionKnown, List<String> examples) {

    /** At most this many example paths are kept. */
    public static final int MAX_EXAMPLES = 5;

    /** Modified bytes below this (1 MiB) make {@link #newDataShare} 0: small files are one chunk, always new. */
    static final long NEW_DATA_MIN_BYTES = 1L << 20;

    public Signals {
        examples = List.copyOf(examples);
    }

    /**
     * Share (0..1+) of the parent's files modified (deletions and renames have their own signals,
     * so one fact never counts twice).
     */
    public double modifiedShare() {
        return share(modified);
    }

    /** Share of the parent's files deleted. */
    public double deletedShare() {
        return share(deleted);
    }

    /** Share of the parent's files whose new version lost its compressibility. */
    public double compressionLossShare() {
        return share(lostCompression);
    }

    /** Share of the parent's files renamed to another extension. */
    public double extensionShare() {
        return share(extensionChanged);
    }

    /** Share of the parent's files that came back with a ransomware extension (at least 1 file counts). */
    public double ransomExtensionShare() {
        return share(ransomExtensions);
    }

    /** Share (0..1) of modified files' bytes not deduplicated against the parent; 0 under 1 MiB modified. */
    public double newDataShare() {
        return modifiedBytes < NEW_DATA_MIN_BYTES ? 0 : (double) newBytes / modifiedBytes;
    }

    /** |bytesAfter - bytesBefore| / bytesBefore; 0 for a first snapshot. */
    public double sizeChange() {
        return bytesBefore <= 0 ? 0 : Math.abs((double) bytesAfter - bytesBefore) / bytesBefore;
    }

    private double share(long n) {
        // a first snapshot has nothing to compare with; a one-file tree must not make 1 file 100%
        return filesBefore <= 0 ? 0 : (double) n / Math.max(filesBefore, 1);
    }
}
