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
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;

/**
 * restic's {@code repair packs} (0.16 and later): salvages the readable blobs of damaged packs.
 * Each pack is first copied as it is to {@code pack-ID} in a local folder (a backup, as restic
 * does); the blobs the index places in it are read (a damaged one from another copy if the index
 * has one) and stored again in new packs; the new index, without the damaged packs, is saved and
 * the old index files removed; only then are the damaged packs removed. The caller holds an
 * exclusive lock.
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
     */
    public record Result(int salvaged, Map<String, String> lost, List<Id> removedPacks, Map<Id, String> keptPacks,
                         Map<Id, Path> backups) {
        /** True when some data could not be salvaged: the snapshots that use it need {@code repair snapshots}. */
        public boolean lostData() {
            return !lost.isEmpty();
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
     * @throws java.nio.file.FileAlreadyExistsException if a backup copy exists already (nothing
     *     was changed in the repository)
     * @throws IOException if the salvaged blobs or the new index cannot be saved (the damaged
     *     packs are then all still there and indexed)
     */
    public Result run(List<Id> packs, Path backupDir) throws IOException {
        repo.loadIndex();
        for (String e : repo.indexErrors()) out.accept("warning: " + e + " (run 'repair index' first)");
        Map<Id, List<PackedBlob>> byPack = repo.blobsByPack();
        Map<Id, Long> sizes = new LinkedHashMap<>();
        for (Repository.PackFile f : repo.listPacks()) sizes.put(f.id(), f.size());

        Map<Id, Path> backups = new LinkedHashMap<>();
        if (backupDir != null) {
            out.accept("saving backup copies of pack files to " + backupDir);
            for (Id p : packs) {
                if (!sizes.containsKey(p)) {
                    out.accept("pack " + p.hex() + " is missing: no backup copy");
                    continue;
                }
                Path f = backupDir.resolve("pack-" + p.hex());
                // CREATE_NEW: an earlier run's copy (perhaps of the pack before more damage) is never overwritten
                Files.write(f, repo.loadFile(Repository.FileKind.PACK, p), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                backups.put(p, f);
            }
        }

        out.accept("salvaging intact data from specified pack files");
        // The blobs of these packs count as absent, so that saving them stores new copies.
        for (Id p : packs) {
            for (PackedBlob b : byPack.getOrDefault(p, List.of())) repo.distrustCopiesOf(b.type(), b.id());
        }
        Map<String, String> lost = new LinkedHashMap<>();
        int[] salvaged = {0};
        Repository.ReadBuffer buffer = new Repository.ReadBuffer();
        for (Id p : packs) {
            List<PackedBlob> blobs = IndexRepair.distinct(byPack.getOrDefault(p, List.of()));
            if (blobs.isEmpty()) {
                out.accept("no blobs found for pack " + p.hex());
                continue;
            }
            Set<String> seen = new HashSet<>();
            repo.loadBlobsFromPack(p, blobs, buffer, (blob, plain, error) -> {
                String key = blob.type().json() + " blob " + blob.id().hex();
                if (!seen.add(key)) return;
                if (plain == null) {
                    String why = error == null ? "unreadable" : error.getMessage();
                    lost.put(key, why);
                    out.accept("failed to load " + blob.type().json() + " blob " + blob.id().shortHex() + " of pack "
                            + p.shortHex() + ": " + why);
                    return;
                }
                repo.saveBlob(blob.type(), blob.id(), plain, 0, plain.length);
                salvaged[0]++;
            }, cancel);
        }
        repo.flush(cancel);
        out.accept("salvaged " + salvaged[0] + " blobs, " + lost.size() + " could not be read");

        // The new index: every blob the index knows, but those in the damaged packs.
        Set<Id> drop = new HashSet<>(packs);
        List<PackedBlob> keep = new ArrayList<>();
        for (Map.Entry<Id, List<PackedBlob>> e : repo.blobsByPack().entrySet()) {
            if (!drop.contains(e.getKey())) keep.addAll(IndexRepair.distinct(e.getValue()));
        }
        List<Id> oldIndexes = repo.listFiles(Repository.FileKind.INDEX);
        IndexReplacer.Outcome o = IndexReplacer.replace(repo, keep, oldIndexes, afterNewIndex, out);

        List<Id> removed = new ArrayList<>();
        Map<Id, String> kept = new LinkedHashMap<>();
        out.accept("removing salvaged pack files");
        for (Id p : packs) {
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
                out.accept("warning: pack " + p.hex() + " was kept: " + e.getMessage()
                        + " (the index no longer names it; prune removes it once its retention ends)");
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (e instanceof NoSuchFileException) continue;
                kept.put(p, e.getMessage());
                out.accept("warning: pack " + p.hex() + " could not be removed: " + e.getMessage()
                        + " (the index no longer names it; prune removes it later)");
            }
        }
        return new Result(salvaged[0], lost, removed, kept, backups);
    }
}
