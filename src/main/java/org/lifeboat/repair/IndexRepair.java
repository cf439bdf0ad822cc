package org.lifeboat.repair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;

/**
 * restic's {@code repair index} (formerly {@code rebuild-index}): builds the index anew from the
 * packs. Packs the index describes correctly (every blob named, the sizes adding up to the file's
 * size) keep their entries; the headers of the others are read (all of them with
 * {@code readAllPacks}); packs that are gone lose their entries. A pack whose header cannot be read
 * (damaged, or gone with a truncated file) keeps the entries the old index has for it when a blob
 * still lies within the file: they are then the only description of its blobs, which
 * {@code repair packs} needs to salvage them; a pack neither the old index nor its header
 * describes (or too short to hold any blob whole) is reported and left out. A pack outside the
 * folder its name places it in (data/00/f3… for data/f3/f3…) cannot be read by its name: it keeps
 * the entries the old index has for it (moving it back makes them right; dropping them would cut
 * its data out of the snapshots) and the user is told to move it back. A folder with a pack's name
 * is no pack: its entries are removed as those of a missing pack. The new index is saved before
 * the old index files are removed. The caller holds an exclusive lock.
 */
public final class IndexRepair {
    /**
     * What the repair did.
     *
     * @param packs          packs in the new index
     * @param packsRead      packs whose header was read
     * @param missingPacks   packs the old index named that are not in the repository
     * @param unreadablePacks packs whose header could not be read and that the old index did not describe
     *                       (pack ID → why), left out
     * @param damagedPacks   packs whose header could not be read but whose old index entries were kept
     *                       (pack ID → why): {@code repair packs} salvages their blobs
     * @param invalidIndexes old index files that could not be read (ID → why)
     * @param newIndexes     the index files written
     * @param removedIndexes the old index files removed
     * @param keptIndexes    old index files that could not be removed (the new ones supersede them)
     * @param misplacedPacks packs outside the folder their name places them in, to be moved back
     *                       (their old index entries, if any, are kept)
     */
    public record Result(int packs, int packsRead, List<Id> missingPacks, Map<Id, String> unreadablePacks,
                         Map<Id, String> damagedPacks, List<String> invalidIndexes, List<Id> newIndexes, List<Id> removedIndexes,
                         List<Id> keptIndexes, List<Repository.StrayPack> misplacedPacks) {}

    private final Repository repo;
    private final Consumer<String> out;
    private final Cancel cancel;
    private final Runnable afterNewIndex;

    /**
     * @param repo          an open repository whose index is not yet loaded (a loaded one is used as loaded)
     * @param out           receives one line per thing done or found, as restic prints them
     * @param cancel        checked between packs
     * @param afterNewIndex run once the new index is saved, before the old files are removed
     */
    public IndexRepair(Repository repo, Consumer<String> out, Cancel cancel, Runnable afterNewIndex) {
        this.repo = repo;
        this.out = out;
        this.cancel = cancel;
        this.afterNewIndex = afterNewIndex;
    }

    /**
     * Runs the repair.
     *
     * @param readAllPacks read every pack's header instead of trusting the index's entries
     * @throws IOException if the packs or index files cannot be listed, or the new index cannot be
     *     saved (the old index files are then all still there)
     * @throws Cancel.Cancelled when cancelled before the new index is saved
     */
    public Result run(boolean readAllPacks) throws IOException {
        List<Id> oldIndexes = repo.listFiles(Repository.FileKind.INDEX);
        Map<Id, List<PackedBlob>> known = new HashMap<>();
        List<String> invalid = new ArrayList<>();
        // Loaded with --read-all-packs too: for a pack whose header is gone (a truncated file) the
        // old entries are the only description of its blobs, and dropping them loses what
        // repair packs could salvage.
        out.accept("loading indexes...");
        repo.loadIndex();
        for (String e : repo.indexErrors()) {
            out.accept("removing invalid index: " + e);
            invalid.add(e);
        }
        known = repo.blobsByPack();
        out.accept("getting pack files to read...");
        Map<Id, Long> onDisk = new TreeMap<>();
        List<Repository.StrayPack> strays = new ArrayList<>();
        for (Repository.PackFile f : repo.listPacks(strays::add)) onDisk.put(f.id(), f.size());
        Map<Id, Repository.StrayPack> misplaced = new TreeMap<>();
        Map<Id, Repository.StrayPack> folders = new TreeMap<>();
        for (Repository.StrayPack s : strays) {
            if (onDisk.containsKey(s.id())) continue; // a second file beside the pack in its place: not this pack
            (s.file() ? misplaced : folders).put(s.id(), s);
        }

        Map<Id, List<PackedBlob>> entries = new LinkedHashMap<>();
        for (Repository.StrayPack s : misplaced.values()) {
            List<PackedBlob> old = known.get(s.id()) == null ? List.of() : distinct(known.get(s.id()));
            if (!old.isEmpty()) entries.put(s.id(), old);
            out.accept(s.problem() + (old.isEmpty() ? ": no index describes it and its header cannot be read there, so it is"
                    + " left out; " + s.moveBack() + " and run repair index again"
                    : ": its " + Plural.of(old.size(), "index entry is", "index entries are") + " kept; " + s.moveBack()));
        }
        List<Id> toRead = new ArrayList<>();
        Set<Id> refused = repo.packsWithRefusedIndexEntries();
        for (Map.Entry<Id, Long> f : onDisk.entrySet()) {
            List<PackedBlob> blobs = known.get(f.getKey());
            List<PackedBlob> distinct = blobs == null ? null : distinct(blobs);
            if (!readAllPacks && distinct != null && !refused.contains(f.getKey()) && expectedSize(distinct) == f.getValue()) {
                entries.put(f.getKey(), distinct);
            } else {
                toRead.add(f.getKey());
            }
        }
        List<Id> missing = new ArrayList<>();
        for (Id p : new java.util.TreeSet<>(known.keySet())) {
            if (!onDisk.containsKey(p) && !misplaced.containsKey(p)) missing.add(p);
        }
        for (Id p : missing) {
            String entriesRemoved = Plural.of(known.get(p).size(), "index entry is", "index entries are") + " removed";
            out.accept(folders.containsKey(p) ? folders.get(p).problem() + ": pack " + p.hex() + " is missing, its " + entriesRemoved
                    + " (the folder is left as it is)" : "pack " + p.hex() + " is missing: its " + entriesRemoved);
        }
        if (!toRead.isEmpty()) out.accept("reading " + Plural.of(toRead.size(), "pack file"));
        Map<Id, String> unreadable = new LinkedHashMap<>();
        Map<Id, String> damaged = new LinkedHashMap<>();
        int tooShort = 0;
        for (Id p : toRead) {
            cancel.check();
            try {
                List<PackedBlob> blobs = fromHeader(p, repo.loadPackHeader(p), onDisk.get(p));
                entries.put(p, blobs);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                String why = org.lifeboat.repository.UnindexedPacks.withoutPackId(p, e);
                List<PackedBlob> old = known.get(p) == null ? List.of() : distinct(known.get(p));
                long size = onDisk.get(p);
                // kept only if a blob can still be salvaged: one lies wholly within the file
                if (old.stream().anyMatch(b -> b.offset() + b.length() <= size)) {
                    damaged.put(p, why);
                    entries.put(p, old);
                    out.accept("pack " + p.hex() + " is damaged (" + why + "): its "
                            + Plural.of(old.size(), "index entry is", "index entries are")
                            + " kept, the only description of its blobs; salvage them with"
                            + " 'lifeboat repair packs " + p.hex() + "'");
                } else if (size < org.lifeboat.repository.Pack.MIN_SIZE_WITH_BLOB) {
                    // nothing to salvage, so no repair waits for it (as check and UnindexedPacks say)
                    out.accept("skipped pack file " + p.hex() + ": " + why + " (too short to hold a blob"
                            + (old.isEmpty() ? "" : ": its " + Plural.of(old.size(), "index entry is", "index entries are") + " removed")
                            + "; prune removes it)");
                    tooShort++;
                } else {
                    unreadable.put(p, why);
                    out.accept("skipped incomplete pack file " + p.hex() + ": " + why + (old.isEmpty()
                            ? " (left out of the index: no index describes it)"
                            : " (its " + Plural.of(old.size(), "index entry is", "index entries are") + " removed: none of its blobs lies within its "
                                    + size + " bytes)"));
                }
            }
        }
        cancel.check();
        List<PackedBlob> all = new ArrayList<>();
        entries.values().forEach(all::addAll);
        IndexReplacer.Outcome o = IndexReplacer.replace(repo, all, oldIndexes, List.of(), afterNewIndex, out);
        return new Result(entries.size(), toRead.size() - unreadable.size() - damaged.size() - tooShort, List.copyOf(missing),
                Map.copyOf(unreadable), Map.copyOf(damaged), List.copyOf(invalid), o.written(), o.removed(), o.kept(),
                List.copyOf(misplaced.values()));
    }

    /** The blobs of one pack without the duplicates two index files naming it add, by offset. */
    static List<PackedBlob> distinct(List<PackedBlob> blobs) {
        Map<Long, PackedBlob> byOffset = new TreeMap<>();
        for (PackedBlob b : blobs) byOffset.putIfAbsent(b.offset(), b);
        return new ArrayList<>(byOffset.values());
    }

    /**
     * The size in bytes of a pack holding exactly these blobs: their stored lengths, the encrypted
     * header (an entry of 37 bytes, 41 for a compressed blob) and its 4-byte length (restic's
     * pack.Size). Blobs that overlap or leave gaps do not add up, so the pack is read.
     */
    static long expectedSize(List<PackedBlob> blobs) {
        long size = 0;
        long header = org.lifeboat.repository.Crypto.OVERHEAD + 4;
        long next = 0;
        for (PackedBlob b : blobs) {
            if (b.offset() != next) return -1;
            next = b.offset() + b.length();
            size += b.length();
            header += b.compressed() ? 41 : 37;
        }
        return size + header;
    }

    /**
     * A pack's header as index entries; the blobs and header must fill the file exactly, else the
     * pack is damaged (a truncated or grown file).
     */
    static List<PackedBlob> fromHeader(Id pack, List<Pack.Entry> header, long fileSize) throws IOException {
        List<PackedBlob> out = new ArrayList<>();
        long offset = 0;
        long headerSize = org.lifeboat.repository.Crypto.OVERHEAD + 4;
        for (Pack.Entry e : header) {
            out.add(new PackedBlob(e.id(), e.type(), pack, offset, e.length(), e.uncompressedLength()));
            offset += e.length();
            headerSize += e.uncompressedLength() > 0 ? 41 : 37;
        }
        if (offset + headerSize != fileSize) {
            throw new org.lifeboat.repository.RepositoryException("its header names " + Plural.of(header.size(), "blob") + " in "
                    + (offset + headerSize) + " bytes, but the file has " + fileSize + " bytes");
        }
        return out;
    }
}
