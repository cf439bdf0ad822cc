package org.lifeboat.repair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;

/**
 * Replaces a repository's index files with new ones naming exactly the given blobs, in the
 * crash-safe order: the new files first (each superseding every old one, so a reader that finds
 * both ignores the old), then the old files removed. A crash in between leaves both, which a
 * second repair replaces again.
 */
final class IndexReplacer {
    /** Blobs per new index file, as restic splits its index (a bounded file to load). */
    static final int BLOBS_PER_FILE = 50_000;

    /**
     * What {@link #replace} did.
     *
     * @param written the new index files
     * @param removed the old index files removed
     * @param kept    the old index files that could not be removed (each already said to the printer)
     */
    record Outcome(List<Id> written, List<Id> removed, List<Id> kept) {}

    private IndexReplacer() {}

    /**
     * Writes the new index files for {@code blobs}, calls {@code afterNewIndex}, then removes the
     * {@code old} index files and the {@code temporary} ones (written by the caller on the way, e.g.
     * for salvaged blobs; removed but not counted as old). An old file the storage keeps (S3 Object Lock) or cannot remove is
     * reported to {@code out} and listed in {@link Outcome#kept()}; the new files supersede it.
     *
     * @throws IOException if a new index file cannot be written (then no old one was removed)
     */
    static Outcome replace(Repository repo, Collection<PackedBlob> blobs, List<Id> old, List<Id> temporary,
                           Runnable afterNewIndex, Consumer<String> out) throws IOException {
        List<Id> superseded = new ArrayList<>(old);
        for (Id t : temporary) if (!superseded.contains(t)) superseded.add(t);
        List<Id> written = new ArrayList<>();
        List<PackedBlob> all = new ArrayList<>(blobs);
        // An empty index still supersedes the old files: after a crash they stay ignored.
        if (all.isEmpty() && !superseded.isEmpty()) written.add(repo.saveIndex(List.of(), superseded));
        for (int i = 0; i < all.size(); i += BLOBS_PER_FILE) {
            int end = Math.min(all.size(), i + BLOBS_PER_FILE);
            // Only the last file supersedes the old ones: a crash before it leaves the old files in force
            // beside the new ones (duplicates), never blobs that no live index file describes.
            written.add(repo.saveIndex(all.subList(i, end), end == all.size() ? superseded : List.of()));
        }
        for (Id w : written) out.accept("saved new index " + w.shortHex());
        afterNewIndex.run();
        List<Id> removed = new ArrayList<>();
        List<Id> kept = new ArrayList<>();
        int removedOld = 0;
        for (Id id : superseded) {
            if (written.contains(id)) continue; // the same content again: it is the new index
            try {
                repo.removeFile(Repository.FileKind.INDEX, id);
                removed.add(id);
                if (old.contains(id)) removedOld++;
            } catch (RetainedException e) {
                out.accept("warning: old index " + id.shortHex() + " was kept: " + e.getMessage()
                        + " (the new index supersedes it)");
                kept.add(id);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                out.accept("warning: old index " + id.shortHex() + " could not be removed: " + e.getMessage()
                        + " (the new index supersedes it)");
                kept.add(id);
            }
        }
        if (removedOld > 0) out.accept("removed " + removedOld + " old index file" + (removedOld == 1 ? "" : "s"));
        return new Outcome(List.copyOf(written), List.copyOf(removed), List.copyOf(kept));
    }
}
