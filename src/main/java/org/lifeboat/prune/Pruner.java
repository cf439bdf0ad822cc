package org.lifeboat.prune;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RetainedException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.UnindexedPacks;

/**
 * restic's prune (0.17's PlanPrune and Execute): finds the blobs every snapshot uses, sorts the packs
 * into fully used, partly used, unused, unreferenced, holding duplicates, uncompressed (version 2) and
 * small ones, chooses what to repack under {@link PruneOptions}, copies the used blobs of those packs
 * into new packs, writes a new index and only then removes the old index files and, last, the packs
 * no index names any more.
 *
 * <p>Crash-safe by its order: until the new index is complete the old index files name every pack,
 * which are all still there; old index files are removed only once the new ones are written, and
 * packs only once no index file names them. A kill at any moment leaves every snapshot restorable,
 * at worst with packs no index names (check's warning) or duplicate index entries, which the next
 * prune removes.
 *
 * <p>Differences from restic: blobs already compressed (and all blobs of a version 1 repository) are
 * copied as stored, their MAC checked but not decrypted, decompressed and compressed again; packs and
 * index files the storage keeps under retention (S3 Object Lock) are left in place and reported, and
 * no pack named by an index file that could not be removed is removed; unreferenced packs are removed
 * with the others at the end (restic removes them first). The caller holds an exclusive lock and
 * has opened the repository; the index is loaded here if it is not yet.
 */
public final class Pruner {
    /** restic's MinPackSize, in bytes: packs below 80 % of the larger of this and the 3rd percentile are "small". */
    static final long MIN_PACK_SIZE = 4L * 1024 * 1024;
    /** Blobs per new index file (restic's indexMaxBlobs); a pack is never split over two. */
    static final int INDEX_MAX_BLOBS = 50_000;
    /** restic: fewer small packs than this are not worth repacking. */
    static final int MIN_SMALL_PACKS = 10;

    private final Repository repo;
    private final PruneOptions opts;
    private final PruneListener listener;
    private final Cancel cancel;
    private BlobMarks marks;
    private java.util.Set<org.lifeboat.repository.Id> ignored = java.util.Set.of();

    /**
     * @param repo     an open repository, exclusively locked by the caller
     * @param opts     what may be done
     * @param listener told about steps, progress and skipped files (null: none)
     * @param cancel   the job's token (null: never)
     */
    /**
     * Refuses options that do not fit this repository (before anything is changed: forget --prune
     * checks them before it removes snapshots, as restic does).
     *
     * @throws PruneException one sentence naming the option and what to do
     */
    public static void requireFits(Repository repo, PruneOptions opts) throws PruneException {
        if (opts.repackUncompressed() && repo.config().version() < 2) {
            throw new PruneException("--repack-uncompressed needs compression, which repository format version 2 has; "
                    + repo.location() + " is version " + repo.config().version() + " (migrate upgrade_repo_v2 first)");
        }
        if (opts.smallPackBytes() > repo.packSize()) {
            throw new PruneException("--repack-smaller-than (" + opts.smallPackBytes() + " bytes) exceeds the pack size ("
                    + repo.packSize() + " bytes)");
        }
    }

    /**
     * Counts these snapshots as removed: {@code forget --dry-run --prune} shows what prune would do
     * after the forget it did not do (restic's ignoreSnapshots). Returns this pruner.
     */
    public Pruner ignoring(java.util.Set<org.lifeboat.repository.Id> snapshots) {
        this.ignored = java.util.Set.copyOf(snapshots);
        return this;
    }

    public Pruner(Repository repo, PruneOptions opts, PruneListener listener, Cancel cancel) {
        this.repo = repo;
        this.opts = opts;
        this.listener = listener == null ? PruneListener.NONE : listener;
        this.cancel = cancel == null ? Cancel.NEVER : cancel;
    }

    /**
     * Plans, then (unless a dry run) executes.
     *
     * @throws PruneException as {@link #plan()} and {@link #execute}
     * @throws IOException when the storage fails
     */
    public PruneResult run() throws IOException {
        PrunePlan plan = plan();
        return execute(plan);
    }

    /** Per pack, what the index says (restic's packInfo). */
    private static final class PackInfo {
        long usedBlobs, unusedBlobs, duplicateBlobs, usedSize, unusedSize;
        /** 0 unset, 1 data, 2 tree, 3 both (mixed, only old restic wrote such packs). */
        int type;
        boolean uncompressed;
        boolean mustCompress;
        Id id;

        long size() {
            return usedSize + unusedSize;
        }
    }

    /**
     * Loads the index and the snapshots, finds the used blobs and decides what to do (nothing is
     * changed).
     *
     * @throws PruneException when a snapshot, tree or index file is damaged or missing, data in
     *     use is missing, or an option does not fit the repository: one sentence saying what to run
     * @throws IOException when the storage fails
     */
    public PrunePlan plan() throws IOException {
        requireFits(repo, opts);
        listener.step("loading indexes...");
        repo.loadIndex();
        if (!repo.indexErrors().isEmpty()) {
            throw new PruneException(repo.indexErrors().getFirst() + (repo.indexErrors().size() > 1 ? " (and "
                    + (repo.indexErrors().size() - 1) + " more index problems)" : "")
                    + "; prune will not run on a damaged index: run repair index first");
        }
        listener.step("loading all snapshots...");
        List<String> bad = new ArrayList<>();
        List<Snapshot> snapshots = repo.listSnapshots(bad::add).stream().filter(s -> !ignored.contains(s.id())).toList();
        if (!bad.isEmpty()) {
            throw new PruneException(bad.getFirst() + "; prune will not remove anything while a snapshot cannot be read"
                    + " (its data would go): run repair snapshots, or remove the damaged file");
        }
        listener.step("finding data that is still in use for " + snapshots.size() + " snapshots");
        marks = new BlobMarks(repo);
        try {
            UsedBlobs.mark(repo, snapshots, marks, cancel, listener);
        } catch (UsedBlobs.NotIndexed e) {
            throw notIndexed(e.getMessage());
        }
        cancel.check();

        listener.step("searching used packs...");
        PruneStats.Builder stats = new PruneStats.Builder();
        Map<Id, PackInfo> packs = packInfo(stats);

        listener.step("collecting packs for deletion and repacking");
        Map<Id, Long> listed = new HashMap<>();
        List<Repository.StrayPack> strays = new ArrayList<>();
        for (Repository.PackFile f : repo.listPacks(strays::add)) listed.put(f.id(), f.size());
        List<Repository.StrayPack> misplaced = new ArrayList<>();
        for (Repository.StrayPack s : strays) {
            if (!s.file()) continue;
            if (listed.containsKey(s.id())) {
                listener.warning(s.path() + " has the name of pack " + s.id().shortHex() + ", which is in its place at " + s.home()
                        + "; prune leaves it alone (remove it once 'check --read-data' passes)");
            } else if (packs.containsKey(s.id())) {
                misplaced.add(s);
            } else {
                // no index names it and no snapshot lacks data (checked above): nothing waits for it
                listener.warning(s.problem() + "; no index names it and no snapshot needs data the index lacks, so prune"
                        + " leaves it alone (remove it)");
            }
        }
        if (!misplaced.isEmpty()) {
            // it may be indexed (prune would forget it as missing) or hold data: moved back first
            throw new PruneException(UnindexedPacks.moveFirst(misplaced) + "; prune will not run while a pack is outside its folder");
        }
        List<String> lockedNotes = new ArrayList<>();
        Set<Id> locked = new HashSet<>();
        PrunePlan plan = decide(packs, listed, copy(stats), locked, lockedNotes);
        if (repo.retention() != null && !plan.empty()) {
            // retention (S3 Object Lock): what cannot be removed is kept and said, and the plan made again
            findLocked(plan, locked, lockedNotes);
            if (!locked.isEmpty()) plan = decide(packs, listed, copy(stats), locked, lockedNotes);
        }
        return plan;
    }

    /**
     * The refusal for data in use that the index lacks, with the one step that can help, decided
     * from the packs no index names (as {@link UnindexedPacks} and repair snapshots decide it, so
     * the advice never loops): repair index while such a pack's header names a blob the index lacks
     * (a lost index file); repair packs while such a pack cannot be read and can be removed (it may
     * hold the data; repair packs keeps a copy before the snapshots are cut); else the data is gone.
     */
    private PruneException notIndexed(String what) throws IOException {
        String head = what + "; prune will not remove anything while data in use is missing from the index: ";
        UnindexedPacks u = UnindexedPacks.find(repo);
        if (!u.misplaced().isEmpty()) return new PruneException(head + UnindexedPacks.moveFirst(u.misplaced()));
        if (!u.holdingUnindexedBlobs().isEmpty()) {
            Id first = u.holdingUnindexedBlobs().getFirst();
            return new PruneException(head + "run 'lifeboat repair index' first (it reads " + UnindexedPacks.path(first)
                    + (u.holdingUnindexedBlobs().size() > 1 ? " and " + Plural.of(u.holdingUnindexedBlobs().size() - 1, "other pack") : "")
                    + ", which no index names and which " + (u.holdingUnindexedBlobs().size() == 1 ? "holds" : "hold")
                    + " blobs the index lacks)", PruneException.Advice.REPAIR_INDEX, List.of());
        }
        List<Id> unreadable = u.removableUnreadable();
        if (!unreadable.isEmpty()) {
            Id first = unreadable.getFirst();
            return new PruneException(head + Plural.of(unreadable.size(), "pack") + " that no index names cannot be read (e.g. "
                    + UnindexedPacks.path(first) + ": " + u.unreadable().get(first) + ") and may hold it: run 'lifeboat repair packs "
                    + String.join(" ", unreadable.stream().map(Id::hex).toList()) + "' first (it keeps a copy of "
                    + (unreadable.size() == 1 ? "it" : "each") + " as pack-ID), then check", PruneException.Advice.REPAIR_PACKS,
                    unreadable);
        }
        String locked = u.lockedUnreadable().isEmpty() ? "" : " (" + Plural.of(u.lockedUnreadable().size(), "pack")
                + " that no index names cannot be read and " + (u.lockedUnreadable().size() == 1 ? "stays" : "stay")
                + " under the storage's retention)";
        return new PruneException(what + "; no " + (locked.isEmpty() ? "" : "readable ") + "pack outside the index holds it,"
                + " so the data is gone" + locked
                + ": run 'lifeboat repair snapshots --forget' (or forget the snapshots that use it), then prune",
                PruneException.Advice.REPAIR_SNAPSHOTS, List.of());
    }

    private static PruneStats.Builder copy(PruneStats.Builder b) {
        PruneStats.Builder c = new PruneStats.Builder();
        c.usedBlobs = b.usedBlobs;
        c.duplicateBlobs = b.duplicateBlobs;
        c.unusedBlobs = b.unusedBlobs;
        c.usedSize = b.usedSize;
        c.duplicateSize = b.duplicateSize;
        c.unusedSize = b.unusedSize;
        return c;
    }

    /** restic's packInfoFromIndex: counts copies, sizes per pack, and settles duplicates. */
    private Map<Id, PackInfo> packInfo(PruneStats.Builder stats) {
        // copies of each used blob (value 1 + copies, saturating)
        repo.forEachIndexEntry((b, n) -> {
            int v = marks.get(b.type(), n);
            if (v != 0 && v < 255) marks.set(b.type(), n, v + 1);
        });
        Map<Id, PackInfo> packs = new HashMap<>();
        boolean[] dups = {false};
        repo.forEachIndexEntry((b, n) -> {
            PackInfo p = packs.computeIfAbsent(b.pack(), k -> {
                PackInfo x = new PackInfo();
                x.id = k;
                x.usedSize = 4 + org.lifeboat.repository.Crypto.OVERHEAD; // header's IV, MAC and length field
                return x;
            });
            p.usedSize += b.compressed() ? 41 : 37; // the blob's header entry
            int t = b.type() == BlobType.DATA ? 1 : 2;
            p.type = p.type == 0 ? t : (p.type == t ? t : 3);
            int copies = marks.get(b.type(), n) - 1;
            long size = b.length();
            if (copies >= 2) {
                dups[0] = true;
                p.unusedSize += size;
                p.unusedBlobs++;
                p.duplicateBlobs++;
                stats.duplicateSize += size;
                stats.duplicateBlobs++;
            } else if (copies == 1) {
                p.usedSize += size;
                p.usedBlobs++;
                stats.usedSize += size;
                stats.usedBlobs++;
            } else {
                p.unusedSize += size;
                p.unusedBlobs++;
                stats.unusedSize += size;
                stats.unusedBlobs++;
            }
            if (!b.compressed()) p.uncompressed = true;
        });
        if (dups[0]) {
            // one copy of each duplicate becomes used: in a pack with used blobs, in a pack of only
            // duplicates (a pack written by an interrupted prune), else the last copy met
            repo.forEachIndexEntry((b, n) -> {
                int v = marks.get(b.type(), n);
                if (v == 0 || v == 2) return; // unused, or a single copy (or a duplicate already settled)
                int count = v - 1; // 0 here: the last remaining copy of a duplicate
                PackInfo p = packs.get(b.pack());
                long size = b.length();
                if (p.usedBlobs > 0 || p.duplicateBlobs == p.unusedBlobs || count == 0) {
                    p.usedSize += size;
                    p.usedBlobs++;
                    p.unusedSize -= size;
                    p.unusedBlobs--;
                    stats.usedSize += size;
                    stats.usedBlobs++;
                    stats.duplicateSize -= size;
                    stats.duplicateBlobs--;
                    marks.set(b.type(), n, 2);
                } else {
                    count--;
                    marks.set(b.type(), n, count == 1 ? 1 : count + 1);
                }
            });
        }
        return packs;
    }

    /** restic's calculateTargetPacksize: 80 % of the larger of 4 MiB and the 3rd percentile of pack sizes. */
    private long targetPackSize(Collection<PackInfo> packs) {
        if (opts.smallPackBytes() > 0) return opts.smallPackBytes();
        if (packs.isEmpty()) return 0;
        long[] sizes = new long[packs.size()];
        int i = 0;
        for (PackInfo p : packs) sizes[i++] = p.size();
        java.util.Arrays.sort(sizes);
        return Math.max(MIN_PACK_SIZE, sizes[sizes.length * 3 / 100]) * 4 / 5;
    }

    /** restic's decidePackAction, with {@code locked} packs kept whatever they hold. */
    private PrunePlan decide(Map<Id, PackInfo> packs, Map<Id, Long> listed, PruneStats.Builder stats, Set<Id> locked,
                             List<String> lockedNotes) throws PruneException {
        Set<Id> unref = new LinkedHashSet<>();
        Set<Id> remove = new LinkedHashSet<>();
        Set<Id> repack = new LinkedHashSet<>();
        Set<Id> ignore = new LinkedHashSet<>();
        List<PackInfo> candidates = new ArrayList<>();
        List<PackInfo> small = new ArrayList<>();
        int version = repo.config().version();
        long target = targetPackSize(packs.values());
        for (Map.Entry<Id, Long> f : listed.entrySet()) {
            Id id = f.getKey();
            long size = f.getValue();
            PackInfo p = packs.get(id);
            if (p == null) {
                if (locked.contains(id)) {
                    stats.lockedPacks++;
                    continue;
                }
                unref.add(id);
                stats.unreferencedSize += size;
                continue;
            }
            if (p.size() != size && p.usedBlobs != 0) {
                throw new PruneException("pack " + id.shortHex() + ": its size from the index (" + p.size()
                        + " bytes) does not match its real size (" + size + " bytes); run repair index");
            }
            if (p.usedBlobs == 0) stats.unusedPacks++;
            else if (p.unusedBlobs == 0) stats.usedPacks++;
            else stats.partlyUsedPacks++;
            if (p.uncompressed) stats.uncompressedSize += p.size();
            p.mustCompress = version >= 2 && (p.type == 2 || opts.repackUncompressed()) && p.uncompressed;
            if (locked.contains(id)) {
                stats.keepPacks++;
                stats.lockedPacks++;
            } else if (p.usedBlobs == 0) {
                remove.add(id);
                stats.removeBlobs += p.unusedBlobs;
                stats.removeSize += p.unusedSize;
            } else if (opts.repackCacheableOnly() && p.type == 1) {
                stats.keepPacks++;
            } else if (p.unusedBlobs == 0 && p.type != 3 && !p.mustCompress) {
                if (size >= target) stats.keepPacks++;
                else small.add(p);
            } else {
                candidates.add(p);
            }
        }
        // indexed packs the storage lacks: forgotten when none of their blobs is used, else fatal
        List<Id> missingNeeded = new ArrayList<>();
        for (PackInfo p : packs.values()) {
            if (listed.containsKey(p.id)) continue;
            if (p.usedBlobs == 0) {
                ignore.add(p.id);
                stats.removeBlobs += p.unusedBlobs;
                stats.removeSize += p.unusedSize;
            } else {
                missingNeeded.add(p.id);
            }
        }
        if (!missingNeeded.isEmpty()) {
            throw new PruneException("the index names " + missingNeeded.size() + " pack" + (missingNeeded.size() == 1 ? "" : "s")
                    + " holding data in use that " + (missingNeeded.size() == 1 ? "is" : "are") + " missing from the repository (e.g. data/"
                    + missingNeeded.getFirst().hex().substring(0, 2) + "/" + missingNeeded.getFirst().hex()
                    + "); run repair index, then repair snapshots");
        }
        for (Id id : ignore) listener.warning("will forget missing pack file " + id.hex() + " (none of its blobs is in use)");
        if (small.size() < MIN_SMALL_PACKS) stats.keepPacks += small.size();
        else candidates.addAll(small);
        long t = target;
        candidates.sort((pi, pj) -> {
            boolean di = pi.type == 1, dj = pj.type == 1;
            if (!di && dj) return -1;
            if (di && !dj) return 1;
            boolean si = pi.size() < t, sj = pj.size() < t;
            if (si && !sj) return -1;
            if (sj && !si) return 1;
            // higher unused/used first, compared without division
            return java.math.BigInteger.valueOf(pj.unusedSize).multiply(java.math.BigInteger.valueOf(pi.usedSize))
                    .compareTo(java.math.BigInteger.valueOf(pi.unusedSize).multiply(java.math.BigInteger.valueOf(pj.usedSize)));
        });
        long maxUnusedAfter = opts.maxUnused().limit(stats.usedSize);
        for (PackInfo p : candidates) {
            long remainingUnused = stats.duplicateSize + stats.unusedSize - stats.removeSize - stats.repackRemoveSize;
            boolean reachedUnused = remainingUnused < maxUnusedAfter;
            boolean reachedRepack = addSat(stats.repackSize, p.size()) >= opts.maxRepackBytes();
            boolean largeEnough = p.size() >= target;
            if (reachedRepack) {
                stats.keepPacks++;
            } else if (p.type != 1 || p.mustCompress) {
                repack(p, repack, stats);
            } else if (reachedUnused && largeEnough) {
                stats.keepPacks++;
            } else {
                repack(p, repack, stats);
            }
        }
        stats.unreferencedPacks = unref.size();
        stats.repackPacks = repack.size();
        stats.removePacks = remove.size();
        if (version < 2) stats.uncompressedSize = 0;
        return new PrunePlan(stats.build(), unref, remove, repack, ignore, List.copyOf(lockedNotes));
    }

    private static long addSat(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static void repack(PackInfo p, Set<Id> repack, PruneStats.Builder stats) {
        repack.add(p.id);
        stats.repackBlobs += p.unusedBlobs + p.usedBlobs;
        stats.repackSize += p.size();
        stats.repackRemoveBlobs += p.unusedBlobs;
        stats.repackRemoveSize += p.unusedSize;
        if (p.uncompressed) stats.uncompressedSize -= p.size();
    }

    /**
     * Asks the storage which of the packs the plan touches, and which index files, are under
     * retention now; a locked index file protects every pack it names (it will stay).
     */
    private void findLocked(PrunePlan plan, Set<Id> locked, List<String> notes) throws IOException {
        Instant now = Instant.now();
        List<Id> touched = new ArrayList<>();
        touched.addAll(plan.unreferenced());
        touched.addAll(plan.remove());
        touched.addAll(plan.repack());
        Map<Id, Instant> packLocks = locks(Repository.FileKind.PACK, touched, now);
        Map<Id, Instant> indexLocks = locks(Repository.FileKind.INDEX, repo.listFiles(Repository.FileKind.INDEX), now);
        for (Map.Entry<Id, Instant> e : packLocks.entrySet()) {
            locked.add(e.getKey());
            notes.add(packName(e.getKey()) + " (locked until " + e.getValue() + ")");
            listener.skipped(packName(e.getKey()), e.getValue(), "locked by the storage's retention");
        }
        for (Map.Entry<Id, Instant> e : indexLocks.entrySet()) {
            notes.add("index/" + e.getKey().hex() + " (locked until " + e.getValue() + ")");
            listener.skipped("index/" + e.getKey().hex(), e.getValue(), "locked by the storage's retention");
            for (Id p : repo.packsNamedBy(e.getKey())) {
                if (touched.contains(p) && locked.add(p)) {
                    notes.add(packName(p) + " (named by index/" + e.getKey().shortHex() + ", which is locked until " + e.getValue() + ")");
                    listener.skipped(packName(p), null, "named by the locked index file index/" + e.getKey().hex());
                }
            }
        }
    }

    /** The files of {@code ids} whose retention runs past {@code now}, with their retain-until; one request each, in parallel. */
    private Map<Id, Instant> locks(Repository.FileKind kind, List<Id> ids, Instant now) throws IOException {
        Map<Id, Instant> out = new java.util.concurrent.ConcurrentHashMap<>();
        parallel(ids, id -> {
            Instant until;
            try {
                until = repo.lockedUntil(kind, id);
            } catch (java.nio.file.NoSuchFileException e) {
                return;
            }
            if (until != null && until.isAfter(now)) out.put(id, until);
        });
        return out;
    }

    static String packName(Id id) {
        return "data/" + id.hex().substring(0, 2) + "/" + id.hex();
    }

    @FunctionalInterface
    private interface Job {
        void run(Id id) throws IOException;
    }

    /** Runs {@code job} for each ID on as many threads as the repository has connections; the first failure stops it. */
    private void parallel(Collection<Id> ids, Job job) throws IOException {
        if (ids.isEmpty()) return;
        ConcurrentLinkedQueue<Id> queue = new ConcurrentLinkedQueue<>(ids);
        AtomicReference<IOException> failure = new AtomicReference<>();
        Runnable work = () -> {
            Id id;
            while (failure.get() == null && (id = queue.poll()) != null) {
                try {
                    cancel.check();
                    job.run(id);
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, new IOException(e.toString(), e));
                }
            }
        };
        int workers = Math.max(1, Math.min(Math.min(repo.connections(), Repository.MAX_CONNECTIONS), ids.size()));
        join(work, workers, failure, "prune");
        if (failure.get() != null) throw failure.get();
    }

    private static void join(Runnable work, int workers, AtomicReference<IOException> failure, String name) {
        org.lifeboat.repository.Workers.runAll(name, workers, work,
                () -> failure.compareAndSet(null, new InterruptedIOException("interrupted")));
    }

    /**
     * Carries out a plan made by {@link #plan()} of this pruner (once): repacks, writes the new
     * index, removes the old index files, then the packs no index file names. A dry run returns
     * at once. Files kept by retention are skipped and reported, never a failure.
     *
     * @throws PruneException when a pack to repack cannot be read (nothing removed), the storage
     *     refuses removals (an append-only server), or the repacking lost a blob (an internal error)
     * @throws Cancel.Cancelled when cancelled (the repository stays consistent: see the class comment)
     * @throws IOException when the storage fails
     */
    public PruneResult execute(PrunePlan plan) throws IOException {
        if (opts.dryRun() || plan.empty()) {
            listener.step(opts.dryRun() ? "dry run: nothing was changed" : "nothing to do");
            return new PruneResult(plan, 0, 0, 0, 0, 0, plan.locked(), List.of());
        }
        if (marks == null) throw new IllegalStateException("execute needs the plan of this pruner");
        try {
            // an append-only server refuses every removal: said before the repacking writes anything
            repo.checkRemovals(Repository.FileKind.INDEX);
        } catch (AccessDeniedException e) {
            throw refused("index/ files", e, "nothing was changed");
        }
        long[] repacked = {0, 0};
        if (!plan.repack().isEmpty()) {
            listener.step("repacking packs");
            repacked = repack(plan);
        }
        List<String> skipped = new ArrayList<>(plan.locked());
        Set<Id> keptIndex = new HashSet<>();
        int written = 0;
        int removedIndex = 0;
        Set<Id> dropped = new HashSet<>(plan.remove());
        dropped.addAll(plan.repack());
        dropped.addAll(plan.ignore());
        if (!dropped.isEmpty()) {
            listener.step("rebuilding index");
            List<Id> old = repo.listFiles(Repository.FileKind.INDEX);
            Set<Id> fresh = writeIndex(dropped);
            written = fresh.size();
            listener.step("deleting obsolete index files");
            List<Id> toRemove = new ArrayList<>();
            for (Id id : old) if (!fresh.contains(id)) toRemove.add(id);
            AtomicLong done = new AtomicLong();
            Set<Id> kept = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<String> notes = java.util.Collections.synchronizedList(new ArrayList<>());
            parallel(toRemove, id -> {
                try {
                    repo.removeFile(Repository.FileKind.INDEX, id);
                } catch (RetainedException e) {
                    kept.add(id);
                    notes.add("index/" + id.hex() + " (locked until " + e.until() + ")");
                    listener.skipped("index/" + id.hex(), e.until(), "locked by the storage's retention");
                    return;
                } catch (AccessDeniedException e) {
                    throw refused("index/" + id.hex(), e, "what this run wrote is harmless");
                }
                listener.progress("old indexes deleted", done.incrementAndGet(), toRemove.size());
            });
            keptIndex.addAll(kept);
            for (String n : notes) if (!skipped.contains(n)) skipped.add(n);
            removedIndex = toRemove.size() - kept.size();
        }
        // no pack that a remaining index file names is removed
        Set<Id> protectedPacks = new HashSet<>();
        for (Id idx : keptIndex) protectedPacks.addAll(repo.packsNamedBy(idx));
        List<Id> packs = new ArrayList<>();
        for (Set<Id> s : List.of(plan.unreferenced(), plan.remove(), plan.repack())) {
            for (Id id : s) {
                if (!protectedPacks.contains(id)) {
                    packs.add(id);
                } else {
                    skipped.add(packName(id) + " (named by an index file that could not be removed)");
                    listener.skipped(packName(id), null, "named by an index file that could not be removed");
                }
            }
        }
        listener.step("removing " + Plural.of(packs.size(), "old pack"));
        AtomicLong removed = new AtomicLong();
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> lockedPacks = java.util.Collections.synchronizedList(new ArrayList<>());
        parallel(packs, id -> {
            try {
                repo.removeFile(Repository.FileKind.PACK, id);
                listener.progress("files deleted", removed.incrementAndGet(), packs.size());
            } catch (RetainedException e) {
                lockedPacks.add(packName(id) + " (locked until " + e.until() + ")");
                listener.skipped(packName(id), e.until(), "locked by the storage's retention");
            } catch (AccessDeniedException e) {
                throw refused(packName(id), e, "what this run wrote is harmless");
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // harmless: no index names it, the next prune removes it
                failed.add(packName(id) + ": " + e.getMessage());
                listener.warning("unable to remove " + packName(id) + " from the repository: " + e.getMessage());
            }
        });
        skipped.addAll(lockedPacks);
        listener.step("done");
        return new PruneResult(plan, repacked[0], repacked[1], written, removedIndex, (int) removed.get(), List.copyOf(skipped),
                List.copyOf(failed));
    }

    private PruneException refused(String file, AccessDeniedException e, String tail) {
        return new PruneException("the repository at " + repo.location() + " refuses to remove " + file + " (" + e.getMessage()
                + "), so it cannot be pruned (an append-only server removes nothing): run prune where the repository is"
                + " writable; " + tail, e);
    }

    /**
     * Copies the blobs still to copy ({@link BlobMarks#TO_COPY}) of the given packs into new packs,
     * on as many threads as the repository has connections; then flushes (the new packs and an
     * index file naming them).
     *
     * @return {new packs, blobs copied}
     */
    private long[] repack(PrunePlan plan) throws IOException {
        Set<Id> repackPacks = plan.repack();
        // blobs with a copy in a pack that stays need no copy (restic: keepBlobs less the kept packs' blobs)
        repo.forEachIndexEntry((b, n) -> {
            Id p = b.pack();
            if (!repackPacks.contains(p) && !plan.remove().contains(p) && !plan.ignore().contains(p)
                    && marks.get(b.type(), n) == BlobMarks.TO_COPY) {
                // a used blob with a copy in a pack that stays
                marks.set(b.type(), n, BlobMarks.DONE);
            }
        });
        Map<Id, List<PackedBlob>> wanted = new HashMap<>();
        repo.forEachIndexEntry((b, n) -> {
            if (repackPacks.contains(b.pack()) && marks.get(b.type(), n) == BlobMarks.TO_COPY) {
                wanted.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
            }
        });
        int largest = 0;
        for (List<PackedBlob> l : wanted.values()) for (PackedBlob b : l) largest = Math.max(largest, b.length());
        int readBuffer = Math.min(largest, 16 << 20); // a larger (damaged) length is met when read
        Set<Id> before = repo.indexedPacks();
        boolean recompress = repo.config().version() >= 2;
        ConcurrentLinkedQueue<Map.Entry<Id, List<PackedBlob>>> queue = new ConcurrentLinkedQueue<>(wanted.entrySet());
        AtomicReference<IOException> failure = new AtomicReference<>();
        AtomicLong blobs = new AtomicLong();
        AtomicLong packsDone = new AtomicLong();
        int total = repackPacks.size();
        packsDone.addAndGet(total - wanted.size()); // packs with nothing to keep
        Runnable work = () -> {
            // each blob is copied from this buffer straight into the new pack (no copy per blob),
            // and the buffer is made as large as the largest blob once
            Repository.ReadBuffer buffer = new Repository.ReadBuffer();
            buffer.reserve(readBuffer);
            Repository.BlobWriter writer = repo.newBlobWriter(cancel);
            Map.Entry<Id, List<PackedBlob>> e;
            while (failure.get() == null && (e = queue.poll()) != null) {
                Id pack = e.getKey();
                try {
                    repo.streamStoredBlobsFromPack(pack, e.getValue(), buffer, (pb, stored, error) -> {
                        if (error != null) {
                            throw new PruneException("cannot repack " + packName(pack) + ": " + error.getMessage()
                                    + "; nothing was removed (run check --read-data, then repair packs)", error);
                        }
                        if (failure.get() != null) throw new Cancel.Cancelled("stopped");
                        if (!marks.claim(pb.type(), repo.indexedBlobNumber(pb.type(), pb.id()))) return;
                        if (recompress && !pb.compressed()) {
                            // an uncompressed blob of a version 2 repository is compressed, as restic's repack does
                            byte[] plain = repo.decodeBlob(pb, stored, 0);
                            writer.saveAgain(pb.type(), pb.id(), plain, 0, plain.length);
                        } else {
                            writer.saveStoredAgain(pb, stored);
                        }
                        blobs.incrementAndGet();
                    }, cancel);
                    listener.progress("packs repacked", packsDone.incrementAndGet(), total);
                } catch (IOException x) {
                    failure.compareAndSet(null, x);
                } catch (RuntimeException x) {
                    failure.compareAndSet(null, new IOException(x.toString(), x));
                }
            }
        };
        boolean ok = false;
        try {
            join(work, Math.max(1, Math.min(Math.min(repo.connections(), Repository.MAX_CONNECTIONS), Math.max(1, wanted.size()))),
                    failure, "prune-repack");
            if (failure.get() != null) throw failure.get();
            repo.flush(cancel); // the new packs, then an index file naming them
            ok = true;
        } finally {
            if (!ok) repo.settleUploads();
        }
        long left = marks.count(BlobMarks.TO_COPY);
        if (left > 0) {
            throw new PruneException("internal error: " + Plural.of(left, "blob") + " in use (e.g. " + marks.example(repo, BlobMarks.TO_COPY)
                    + ") were not repacked; nothing was removed");
        }
        Set<Id> after = repo.indexedPacks();
        after.removeAll(before);
        return new long[] {after.size(), blobs.get()};
    }

    /**
     * Writes index files naming every blob of the packs that stay (those not {@code dropped}), at
     * most {@link #INDEX_MAX_BLOBS} blobs each. Two passes over the index whatever its size: one
     * counts each pack's blobs and so assigns packs to files, the other sorts the entries into
     * their files as entry numbers (4 bytes a blob; a blob's second copy, which is rare, as an
     * object); one file's entries are made into objects at a time.
     *
     * @return the IDs of the files written
     */
    private Set<Id> writeIndex(Set<Id> dropped) throws IOException {
        Map<Id, long[]> counts = new HashMap<>();
        repo.forEachIndexEntry((b, n) -> {
            if (!dropped.contains(b.pack())) counts.computeIfAbsent(b.pack(), k -> new long[1])[0]++;
        });
        Map<Id, Integer> groupOf = new HashMap<>();
        List<long[]> sizes = new ArrayList<>(); // per file: {entries}
        long inCur = 0;
        for (Map.Entry<Id, long[]> e : counts.entrySet()) {
            if (sizes.isEmpty() || inCur > 0 && inCur + e.getValue()[0] > INDEX_MAX_BLOBS) {
                sizes.add(new long[1]);
                inCur = 0;
            }
            groupOf.put(e.getKey(), sizes.size() - 1);
            sizes.getLast()[0] += e.getValue()[0];
            inCur += e.getValue()[0];
        }
        int groups = sizes.size();
        int[][] refs = new int[groups][];
        int[] filled = new int[groups];
        for (int g = 0; g < groups; g++) refs[g] = new int[(int) sizes.get(g)[0]];
        List<List<PackedBlob>> copies = new ArrayList<>();
        for (int g = 0; g < groups; g++) copies.add(new ArrayList<>());
        int[] last = {-1, -1}; // per type: the entry number visited last (a blob's copies come together, first copy first)
        repo.forEachIndexEntry((b, n) -> {
            int t = b.type() == BlobType.DATA ? 0 : 1;
            boolean first = last[t] != n;
            last[t] = n;
            Integer g = groupOf.get(b.pack());
            if (g == null) return;
            if (first) refs[g][filled[g]++] = n << 1 | t;
            else copies.get(g).add(b);
        });
        Set<Id> written = new LinkedHashSet<>();
        long done = 0;
        for (int g = 0; g < groups; g++) {
            cancel.check();
            List<PackedBlob> blobs = new ArrayList<>(filled[g] + copies.get(g).size());
            for (int i = 0; i < filled[g]; i++) {
                int r = refs[g][i];
                blobs.add(repo.indexedBlob((r & 1) == 0 ? BlobType.DATA : BlobType.TREE, r >>> 1));
            }
            refs[g] = null;
            blobs.addAll(copies.get(g));
            written.add(repo.saveIndex(blobs, List.of()));
            listener.progress("indexes written", ++done, groups);
        }
        return written;
    }
}
