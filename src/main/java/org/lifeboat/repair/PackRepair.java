package org.lifeboat.repair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.repository.UnindexedPacks;

/**
 * restic's {@code repair packs} (0.16 and later): salvages the readable blobs of damaged packs.
 * Each pack is first copied as it is to {@code pack-ID} in a local folder (a backup, as restic
 * does); the blobs the index places in it are read (a damaged one from another copy if the index
 * has one) and stored again in new packs; the new index, without the damaged packs, is saved and
 * the old index files removed; only then are the damaged packs removed, as restic 0.17 does, also
 * those some blobs of which could not be read: their backup copy outside the repository keeps the
 * damaged bytes, and a pack left in the repository un-indexed would be indexed again, damaged
 * blob and all, by the next {@code repair index}. Without a backup folder a pack not wholly
 * salvaged is kept. The caller holds an exclusive lock.
 */
public final class PackRepair {
    /**
     * What the repair did.
     *
     * @param salvaged     blobs stored again in new packs
     * @param lost         blobs that could not be read from any copy (blob → why)
     * @param removedPacks damaged packs removed from the repository
     * @param keptPacks    damaged packs left in the repository (pack → why); the index no longer names them
     * @param backups      backup copies written (pack → file)
     * @param unreadPacks  packs nothing could be salvaged from: the index names no blobs for them and
     *                     their header cannot be read (pack → why); removed like the others when a
     *                     backup copy was written
     * @param retainedPacks those of {@code keptPacks} the storage keeps under retention (S3 Object
     *                     Lock): not a failure, the lock keeps their bytes and prune removes them later
     * @param refusedPacks  those of {@code keptPacks} the storage refused to remove for another reason
     *                     (permission denied, a read-only or append-only share): a failure, since the
     *                     next {@code repair index} would index them again, damaged blobs and all;
     *                     they are to be deleted by hand, their backup copies kept
     */
    public record Result(int salvaged, Map<String, String> lost, List<Id> removedPacks, Map<Id, String> keptPacks,
                         Map<Id, Path> backups, Map<Id, String> unreadPacks, java.util.Set<Id> retainedPacks,
                         java.util.Set<Id> refusedPacks) {
        /** True when some data could not be salvaged: the snapshots that use it need {@code repair snapshots}. */
        public boolean lostData() {
            return !lost.isEmpty();
        }

        /** True when every blob of every given pack was salvaged (nothing lost, no pack left unread). */
        public boolean complete() {
            return lost.isEmpty() && unreadPacks.isEmpty();
        }
    }

    private final Repository repo;
    private final Consumer<String> out;
    private final Cancel cancel;
    private final Runnable afterNewIndex;

    /**
     * @param repo          an open repository (its index is loaded here)
     * @param out           receives one line per thing done or found
     * @param cancel        checked between blobs
     * @param afterNewIndex run once the new index is saved, before the old files are removed
     */
    public PackRepair(Repository repo, Consumer<String> out, Cancel cancel, Runnable afterNewIndex) {
        this.repo = repo;
        this.out = out;
        this.cancel = cancel;
        this.afterNewIndex = afterNewIndex;
    }

    /**
     * Repairs the given packs.
     *
     * @param packs     the damaged packs
     * @param backupDir where the backup copies {@code pack-ID} go (restic: the current folder), or
     *                  null for none
     * @throws RepositoryException if a backup copy exists already with other bytes, or is a link (nothing
     *     was changed in the repository)
     * @throws RepositoryException if a given pack is not in the repository, has a second file with its name
     *     in another data/ folder (perhaps its intact copy, to be moved over it), or a backup copy cannot
     *     be written (nothing was changed in the repository)
     * @throws IOException if the salvaged blobs or the new index cannot be saved (the damaged
     *     packs are then all still there and indexed)
     */
    public Result run(List<Id> packs, Path backupDir) throws IOException {
        repo.loadIndex();
        // listed now: the index the salvage's flush writes is temporary, not an old file
        List<Id> oldIndexes = repo.listFiles(Repository.FileKind.INDEX);
        for (String e : repo.indexErrors()) out.accept("warning: " + e + " (run 'repair index' first)");
        Map<Id, List<PackedBlob>> byPack = new java.util.HashMap<>(repo.blobsByPack());
        Map<Id, Long> sizes = new LinkedHashMap<>();
        Map<Id, Repository.StrayPack> strays = new java.util.HashMap<>();
        // a file stray wins over a folder of the same name: it may be the pack's intact copy
        for (Repository.PackFile f : repo.listPacks(s -> strays.merge(s.id(), s, (a, b) -> a.file() ? a : b))) {
            sizes.put(f.id(), f.size());
        }
        for (Id p : packs) {
            Repository.StrayPack copy = sizes.containsKey(p) ? strays.get(p) : null;
            if (copy != null && copy.file()) {
                // Perhaps the intact copy of this damaged pack: salvaging first would drop the blobs it still has.
                throw new RepositoryException("pack " + p.shortHex() + " has a second file at " + copy.path() + ": if 'sha256sum "
                        + copy.path() + "' prints " + p.hex() + ", it is an intact copy: move it over " + copy.home()
                        + " instead of repairing; " + Repository.StrayPack.damagedCopy(p) + " (nothing was changed)");
            }
            Repository.StrayPack stray = sizes.containsKey(p) ? null : strays.get(p);
            if (stray != null && stray.file()) {
                // whole, only in the wrong folder: moving it back is the repair, and nothing here can read it
                throw new RepositoryException(stray.problem() + ": " + stray.moveBack()
                        + " (repair packs cannot read it there); nothing was changed");
            }
            if (stray != null) {
                throw new RepositoryException(stray.problem() + ": there is nothing to salvage from it; run 'lifeboat repair"
                        + " index', which removes the index entries of pack " + p.shortHex() + " (nothing was changed)");
            }
            // a typo'd ID must not rewrite the index and then report success
            if (!sizes.containsKey(p)) {
                throw new RepositoryException("there is no pack " + p.hex() + " in the repository (no file data/"
                        + p.hex().substring(0, 2) + "/" + p.hex() + "); nothing was changed");
            }
        }
        // The blobs of a pack the index does not describe (repair index left it out) come from its header.
        Map<Id, String> unread = new LinkedHashMap<>();
        for (Id p : packs) {
            if (!byPack.getOrDefault(p, List.of()).isEmpty()) continue;
            try {
                List<PackedBlob> fromHeader = new ArrayList<>();
                long offset = 0;
                for (Pack.Entry e : repo.loadPackHeader(p)) {
                    fromHeader.add(new PackedBlob(e.id(), e.type(), p, offset, e.length(), e.uncompressedLength()));
                    offset += e.length();
                }
                byPack.put(p, fromHeader);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                unread.put(p, UnindexedPacks.withoutPackId(p, e));
            }
        }

        Map<Id, Path> backups = new LinkedHashMap<>();
        if (backupDir != null) {
            out.accept("saving backup copies of pack files to " + backupDir);
            for (Id p : packs) {
                if (!sizes.containsKey(p)) {
                    out.accept("pack " + p.hex() + " is missing: no backup copy");
                    continue;
                }
                Path f = backupDir.resolve("pack-" + p.hex());
                byte[] bytes = repo.loadFile(Repository.FileKind.PACK, p);
                try {
                    // CREATE_NEW: an earlier run's copy (perhaps of the pack before more damage) is never overwritten
                    Files.write(f, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // a copy an interrupted run of this command wrote is taken as saved when it holds
                    // exactly these bytes; anything else there (other bytes, a link) is never touched
                    if (!sameBytes(f, bytes)) {
                        throw new RepositoryException("a backup copy " + f + " exists already"
                                + (Files.isSymbolicLink(f) ? " (a symbolic link)" : " and holds other bytes than pack " + p.hex()
                                + " now has") + "; move it away first (nothing was changed)", e);
                    }
                    out.accept("pack " + p.hex() + ": the backup copy " + f + " of an earlier run holds the same bytes; kept");
                } catch (IOException e) {
                    String why = e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null
                            ? fs.getReason() : e.getClass().getSimpleName().replace("Exception", "");
                    throw new RepositoryException("the backup copy of pack " + p.hex() + " could not be written to "
                            + backupDir + " (" + why + "); run repair packs from a writable folder (nothing was changed)", e);
                }
                backups.put(p, f);
            }
        }

        out.accept("salvaging intact data from specified pack files");
        // The blobs of these packs count as absent, so that saving them stores new copies.
        for (Id p : packs) {
            for (PackedBlob b : byPack.getOrDefault(p, List.of())) repo.distrustCopiesOf(b.type(), b.id());
        }
        Map<String, String> lost = new LinkedHashMap<>();
        Map<String, Id> lostIn = new java.util.HashMap<>();
        int[] salvaged = {0};
        Repository.ReadBuffer buffer = new Repository.ReadBuffer();
        for (Id p : packs) {
            List<PackedBlob> blobs = IndexRepair.distinct(byPack.getOrDefault(p, List.of()));
            if (blobs.isEmpty()) {
                if (unread.containsKey(p)) {
                    out.accept("nothing could be salvaged from pack " + p.hex() + ": the index names no blobs in it and"
                            + " its header cannot be read (" + unread.get(p) + ")");
                } else {
                    out.accept("pack " + p.hex() + " holds no blobs");
                }
                continue;
            }
            Set<String> seen = new HashSet<>();
            repo.loadBlobsFromPack(p, blobs, buffer, (blob, plain, error) -> {
                String key = blob.type().json() + " blob " + blob.id().hex();
                if (!seen.add(key)) return;
                if (plain == null) {
                    String why = error == null ? "unreadable" : error.getMessage();
                    lost.put(key, why);
                    lostIn.put(key, p);
                    out.accept("failed to load " + blob.type().json() + " blob " + blob.id().shortHex() + " of pack "
                            + p.shortHex() + ": " + why);
                    return;
                }
                repo.saveBlob(blob.type(), blob.id(), plain, 0, plain.length);
                salvaged[0]++;
            }, cancel);
        }
        if (!lost.isEmpty()) salvaged[0] += fromUnindexedCopies(packs, sizes.keySet(), lost, buffer);
        repo.flush(cancel);
        out.accept(summary(salvaged[0], lost.size(), unread.size()));

        // The new index: every blob the index knows, but those in the damaged packs.
        Set<Id> drop = new HashSet<>(packs);
        // A pack not wholly salvaged goes too once its backup copy is written (restic's rule): left
        // in the repository un-indexed, the next repair index would index its damaged blob again.
        // Without a copy it stays (un-indexed): its bytes exist nowhere else.
        Set<Id> partial = new HashSet<>(unread.keySet());
        for (String key : lost.keySet()) partial.add(lostIn.get(key));
        partial.removeAll(backups.keySet());
        List<PackedBlob> keep = new ArrayList<>();
        for (Map.Entry<Id, List<PackedBlob>> e : repo.blobsByPack().entrySet()) {
            if (!drop.contains(e.getKey())) keep.addAll(IndexRepair.distinct(e.getValue()));
        }
        List<Id> temporary = new ArrayList<>(repo.listFiles(Repository.FileKind.INDEX));
        temporary.removeAll(oldIndexes);
        IndexReplacer.Outcome o = IndexReplacer.replace(repo, keep, oldIndexes, temporary, afterNewIndex, out);

        List<Id> removed = new ArrayList<>();
        Map<Id, String> kept = new LinkedHashMap<>();
        Set<Id> retained = new HashSet<>();
        Set<Id> refused = new java.util.LinkedHashSet<>();
        out.accept(packs.size() == 1 ? "removing the salvaged pack file" : "removing salvaged pack files");
        for (Id p : packs) {
            if (partial.contains(p)) {
                String why = unread.containsKey(p) ? "its header cannot be read" : "some of its blobs could not be read";
                kept.put(p, why);
                out.accept("pack " + p.hex() + " was kept: " + why + " and no backup copy was written");
                continue;
            }
            if (!o.kept().isEmpty()) {
                // an old index file that stays may name this pack: the pack stays too
                kept.put(p, "an old index file that names it could not be removed");
                out.accept("pack " + p.hex() + " was kept: an old index file could not be removed");
                continue;
            }
            try {
                repo.removeFile(Repository.FileKind.PACK, p);
                if (sizes.containsKey(p)) removed.add(p);
            } catch (RetainedException e) {
                kept.put(p, e.getMessage());
                retained.add(p);
                out.accept("warning: pack " + p.hex() + " was kept: " + e.getMessage()
                        + " (the index no longer names it; prune removes it once its retention ends)");
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (e instanceof NoSuchFileException) continue;
                kept.put(p, e.getMessage());
                refused.add(p);
                out.accept("warning: pack " + p.hex() + " could not be removed: " + e.getMessage()
                        + " (the index no longer names it)");
            }
        }
        return new Result(salvaged[0], lost, removed, kept, backups, unread, retained, refused);
    }

    /** Whether {@code f} is a regular file (not a link) holding exactly {@code bytes}. */
    private static boolean sameBytes(Path f, byte[] bytes) throws IOException {
        var attrs = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile() || attrs.size() != bytes.length) return false;
        return java.util.Arrays.equals(Files.readAllBytes(f), bytes);
    }

    /**
     * Blobs no indexed copy could give, read from packs no index names (a lost index file, or a
     * pack an interrupted run left): each such pack's header is read, and a lost blob it holds is
     * stored again when it reads back whole, so that it is not reported lost while a copy exists.
     *
     * @param repaired the packs being repaired (not searched)
     * @param present  the packs in the repository
     * @param lost     blob key → why; the blobs found are removed from it
     * @return how many blobs were stored again
     */
    private int fromUnindexedCopies(List<Id> repaired, Set<Id> present, Map<String, String> lost, Repository.ReadBuffer buffer)
            throws IOException {
        Set<Id> indexed = repo.indexedPacks();
        int found = 0;
        for (Id q : new java.util.TreeSet<>(present)) {
            if (lost.isEmpty()) break;
            if (indexed.contains(q) || repaired.contains(q)) continue;
            List<PackedBlob> wanted = new ArrayList<>();
            try {
                long offset = 0;
                for (Pack.Entry e : repo.loadPackHeader(q)) {
                    if (lost.containsKey(e.type().json() + " blob " + e.id().hex())) {
                        wanted.add(new PackedBlob(e.id(), e.type(), q, offset, e.length(), e.uncompressedLength()));
                    }
                    offset += e.length();
                }
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                continue; // its header cannot be read: it names nothing
            }
            if (wanted.isEmpty()) continue;
            int[] n = {0};
            repo.loadBlobsFromPack(q, wanted, buffer, (blob, plain, error) -> {
                String key = blob.type().json() + " blob " + blob.id().hex();
                if (plain == null || !lost.containsKey(key)) return;
                repo.saveBlob(blob.type(), blob.id(), plain, 0, plain.length);
                lost.remove(key);
                n[0]++;
                out.accept("salvaged " + blob.type().json() + " blob " + blob.id().shortHex() + " from pack " + q.shortHex()
                        + ", which no index names");
            }, cancel);
            found += n[0];
        }
        return found;
    }

    /**
     * The salvage's one-line count: blobs stored again, blobs that could not be read, and packs of
     * which not even the blobs are known (no index entry, no readable header): those are not
     * counted as "0 could not be read".
     */
    static String summary(int salvaged, int lost, int unreadPacks) {
        String s = "salvaged " + salvaged + " blob" + (salvaged == 1 ? "" : "s");
        if (unreadPacks == 0 || lost > 0) s += ", " + lost + " could not be read";
        if (unreadPacks > 0) {
            s += "; " + unreadPacks + " pack" + (unreadPacks == 1 ? "" : "s") + " could not be read at all"
                    + " (how many blobs " + (unreadPacks == 1 ? "it holds" : "they hold") + " is unknown)";
        }
        return s;
    }
}
