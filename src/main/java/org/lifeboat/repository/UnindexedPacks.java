package org.lifeboat.repository;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The packs in the repository that no index names, by what the repair commands can do with them:
 * those whose header names a blob the index lacks ({@code repair index} brings it back: a lost
 * index file) and those whose header cannot be read (only {@code repair packs}, which keeps a
 * {@code pack-ID} copy, deals with them). Packs whose blobs are all indexed elsewhere (leftovers
 * of an interrupted backup), and files too short to hold any blob ({@link Pack#MIN_SIZE_WITH_BLOB}),
 * are in neither: prune removes them.
 *
 * <p>The rule that keeps the repairs from looping, also under S3 Object Lock: {@code repair
 * snapshots} (and prune's advice) wait for {@link #holdingUnindexedBlobs} (repair index reads
 * them) and for {@link #removableUnreadable} (repair packs copies and removes them), never for an
 * unreadable pack the storage keeps under retention ({@link #lockedUnreadable}): no command can
 * read a blob from it, repair packs could not remove it, and its lock keeps its bytes.
 *
 * @param holdingUnindexedBlobs packs whose header names a blob the index does not list, sorted
 * @param unreadable            packs whose header cannot be read (pack → why), sorted
 * @param lockedUnreadable      those of {@code unreadable} the storage keeps under retention now
 *                              (pack → until when)
 * @param misplaced             pack files outside the folder their name places them in (and not
 *                              also in it): no command can read them until they are moved back
 */
public record UnindexedPacks(List<Id> holdingUnindexedBlobs, Map<Id, String> unreadable, Map<Id, Instant> lockedUnreadable,
                             List<Repository.StrayPack> misplaced) {
    /** None at all. */
    public static final UnindexedPacks NONE = new UnindexedPacks(List.of(), Map.of(), Map.of(), List.of());

    /**
     * Reads the header of each pack no index names (one small read each) and asks the storage
     * for the retention of those whose header cannot be read (one request each).
     *
     * @param repo a repository whose index is loaded
     * @throws IOException when the packs cannot be listed, or a read is interrupted
     */
    public static UnindexedPacks find(Repository repo) throws IOException {
        Set<Id> indexed = repo.indexedPacks(); // not blobsByPack(): no object per blob of a large index
        List<Id> holding = new ArrayList<>();
        Map<Id, String> unreadable = new java.util.TreeMap<>();
        Map<Id, Instant> locked = new java.util.TreeMap<>();
        List<Id> packs = new ArrayList<>();
        List<Repository.StrayPack> strays = new ArrayList<>();
        Set<Id> inPlace = new java.util.HashSet<>();
        for (Repository.PackFile f : repo.listPacks(strays::add)) {
            inPlace.add(f.id());
            // one too short to hold a blob holds none the snapshots lack: nothing waits for it
            if (!indexed.contains(f.id()) && f.size() >= Pack.MIN_SIZE_WITH_BLOB) packs.add(f.id());
        }
        List<Repository.StrayPack> misplaced = new ArrayList<>();
        for (Repository.StrayPack s : strays) if (s.file() && !inPlace.contains(s.id())) misplaced.add(s);
        misplaced.sort((a, b) -> a.path().compareTo(b.path()));
        java.util.Collections.sort(packs);
        Instant now = Instant.now();
        for (Id p : packs) {
            try {
                for (Pack.Entry e : repo.loadPackHeader(p)) {
                    if (!repo.hasBlob(e.type(), e.id())) {
                        holding.add(p);
                        break;
                    }
                }
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                unreadable.put(p, withoutPackId(p, e));
                Instant until = lockedUntil(repo, p);
                if (until != null && until.isAfter(now)) locked.put(p, until);
            }
        }
        return new UnindexedPacks(List.copyOf(holding), java.util.Collections.unmodifiableMap(unreadable),
                java.util.Collections.unmodifiableMap(locked), List.copyOf(misplaced));
    }

    /** A pack's retention, or null when it has none or the storage cannot say (then it counts as removable). */
    private static Instant lockedUntil(Repository repo, Id pack) throws java.io.InterruptedIOException {
        try {
            return repo.lockedUntil(Repository.FileKind.PACK, pack);
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Unreadable packs that {@code repair packs} can copy and remove (not under retention), sorted. */
    public List<Id> removableUnreadable() {
        List<Id> out = new ArrayList<>();
        for (Id p : unreadable.keySet()) if (!lockedUnreadable.containsKey(p)) out.add(p);
        return out;
    }

    /**
     * Why a pack's header cannot be read, without the pack's ID that the repository's message
     * starts with ("pack 1a2b3c4d header is damaged: …" becomes "its header is damaged: …"), for
     * lines that name the pack already.
     */
    public static String withoutPackId(Id pack, IOException e) {
        String m = String.valueOf(e.getMessage());
        String head = "pack " + pack.shortHex() + " ";
        if (!m.startsWith(head)) return m;
        String rest = m.substring(head.length());
        return rest.startsWith("header ") ? "its " + rest : "it " + rest;
    }

    /**
     * Why {@code repair snapshots} must wait, or null when it need not (see the class comment): one
     * sentence naming a pack and the command to run first.
     */
    public String refusal() {
        if (!misplaced.isEmpty()) return moveFirst(misplaced) + " (nothing was changed)";
        if (!holdingUnindexedBlobs.isEmpty()) {
            Id first = holdingUnindexedBlobs.getFirst();
            return Plural.of(holdingUnindexedBlobs.size(), "pack holds", "packs hold")
                    + " blobs the index does not list (e.g. " + path(first)
                    + "), perhaps the data the snapshots lack: run 'lifeboat repair index' first (nothing was changed)";
        }
        List<Id> removable = removableUnreadable();
        if (!removable.isEmpty()) {
            Id first = removable.getFirst();
            return Plural.of(removable.size(), "pack") + " that no index names cannot be read (e.g. " + path(first) + ": "
                    + unreadable.get(first) + ") and may hold the data the snapshots lack: run 'lifeboat repair packs "
                    + String.join(" ", removable.stream().map(Id::hex).toList()) + "' first, which keeps a copy of "
                    + (removable.size() == 1 ? "it" : "each") + " as pack-ID (nothing was changed)";
        }
        return null;
    }

    /**
     * "pack 1a2b3c4d is at data/00/1a2b…, outside its folder data/1a/ where the repository reads
     * it: move it back to data/1a/1a2b… first" (and how many more).
     */
    public static String moveFirst(List<Repository.StrayPack> misplaced) {
        Repository.StrayPack s = misplaced.getFirst();
        // a pack with two files outside its folder is one pack to put back, not two
        long others = misplaced.stream().map(Repository.StrayPack::id).distinct().count() - 1;
        return s.problem() + ": " + s.moveBack() + " first" + (others > 0
                ? " (and " + Plural.of(others, "other pack") + " outside " + (others == 1 ? "its" : "their")
                + " folder, which 'lifeboat check' lists)" : "");
    }

    /** The pack's file in the repository, data/ab/abcd…. */
    public static String path(Id pack) {
        return "data/" + pack.hex().substring(0, 2) + "/" + pack.hex();
    }
}
