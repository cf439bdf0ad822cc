package org.lifeboat.repository;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * All known blobs, merged from every index file plus the packs written in this session.
 *
 * <p>Memory layout: a repository of a few million blobs must fit in a small heap, so the entries
 * are not objects. Each blob type has a {@link BlobTable} of primitive arrays (about 60 bytes per
 * blob, against ~150 for a hash map of {@link PackedBlob} records); packs are numbered once in a
 * shared table. {@link PackedBlob} values are made on demand by the readers. Thread-safe: backup
 * threads look blobs up while the uploader adds the packs it wrote.
 */
public final class MasterIndex {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private PackTable packTable = new PackTable();
    private BlobTable data = new BlobTable();
    private BlobTable trees = new BlobTable();
    /** Blobs stored more than once (restic allows it); the first copy wins for reading. Rare: objects are fine. */
    private final Map<Id, List<PackedBlob>> duplicates = new HashMap<>();
    /** Pack number → the number of the index file that first named it (-1: none), see {@link #sourceOf}. */
    private int[] packSources = new int[0];
    /** Index files named by {@link #add(PackedBlob, Id)}, numbered in the order met. */
    private PackTable indexFiles = new PackTable();

    private BlobTable table(BlobType t) {
        return t == BlobType.DATA ? data : trees;
    }

    /** Adds a blob; a second copy at another location is kept as a duplicate (see {@link #lookupAll}). */
    public void add(PackedBlob b) {
        lock.writeLock().lock();
        try {
            addLocked(b);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Adds the blobs of one pack under one write lock (a pack of small files holds thousands). */
    public void addAll(List<PackedBlob> blobs) {
        lock.writeLock().lock();
        try {
            for (PackedBlob b : blobs) addLocked(b);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private int addLocked(PackedBlob b) {
        int pack = packTable.number(b.pack());
        BlobTable t = table(b.type());
        int prev = t.putIfAbsent(b.id(), pack, b.offset(), b.length(), b.uncompressedLength());
        if (prev >= 0 && !(t.pack(prev) == pack && t.offset(prev) == b.offset())) {
            PackedBlob first = t.get(prev, b.id(), b.type(), packTable);
            duplicates.computeIfAbsent(b.id(), k -> new ArrayList<>(List.of(first))).add(b);
        }
        return pack;
    }

    /** Adds a blob read from index file {@code indexFile}. */
    public void add(PackedBlob b, Id indexFile) {
        lock.writeLock().lock();
        try {
            int pack = addLocked(b);
            if (pack >= packSources.length) {
                int[] grown = java.util.Arrays.copyOf(packSources, Math.max(pack + 1, packSources.length * 2));
                java.util.Arrays.fill(grown, packSources.length, grown.length, -1);
                packSources = grown;
            }
            if (packSources[pack] < 0) packSources[pack] = indexFiles.number(indexFile);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Adds the entries of one index file, parsed into arrays, under one write lock: the same as
     * {@link #add(PackedBlob, Id)} for each entry in the file's order, without a {@link PackedBlob}
     * per entry (only duplicates, which are rare, become objects).
     */
    void addLoaded(IndexFile.Loaded f, Id indexFile) {
        lock.writeLock().lock();
        try {
            int[] global = new int[f.packCount()];
            java.util.Arrays.fill(global, -1);
            int source = -1;
            for (int e = 0; e < f.count(); e++) {
                int local = f.packOf(e);
                int pack = global[local];
                if (pack < 0) {
                    pack = packTable.number(f.pack(local));
                    global[local] = pack;
                    if (pack >= packSources.length) {
                        int[] grown = java.util.Arrays.copyOf(packSources, Math.max(pack + 1, packSources.length * 2));
                        java.util.Arrays.fill(grown, packSources.length, grown.length, -1);
                        packSources = grown;
                    }
                    if (packSources[pack] < 0) {
                        if (source < 0) source = indexFiles.number(indexFile);
                        packSources[pack] = source;
                    }
                }
                BlobType type = f.type(e);
                BlobTable t = table(type);
                long offset = f.offset(e);
                int prev = t.putIfAbsent(f.idWord(e, 0), f.idWord(e, 1), f.idWord(e, 2), f.idWord(e, 3), pack, offset,
                        f.length(e), f.uncompressedLength(e));
                if (prev >= 0 && !(t.pack(prev) == pack && t.offset(prev) == offset)) {
                    PackedBlob b = f.blob(e);
                    PackedBlob first = t.get(prev, b.id(), type, packTable);
                    duplicates.computeIfAbsent(b.id(), k -> new ArrayList<>(List.of(first))).add(b);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Forgets every entry (an index about to be loaded again). */
    void clear() {
        lock.writeLock().lock();
        try {
            packTable = new PackTable();
            data = new BlobTable();
            trees = new BlobTable();
            duplicates.clear();
            packSources = new int[0];
            indexFiles = new PackTable();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The index file that first named this pack, or null (e.g. a pack written in this session). */
    public Id sourceOf(Id pack) {
        lock.readLock().lock();
        try {
            int p = packTable.find(pack);
            if (p < 0 || p >= packSources.length || packSources[p] < 0) return null;
            return indexFiles.id(packSources[p]);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Where the first stored copy of this blob is, or null when the index does not name it. */
    public PackedBlob lookup(BlobType t, Id id) {
        lock.readLock().lock();
        try {
            BlobTable table = table(t);
            int e = table.find(id);
            return e < 0 ? null : table.get(e, id, t, packTable);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every stored copy of a blob (usually one). */
    public List<PackedBlob> lookupAll(BlobType t, Id id) {
        lock.readLock().lock();
        try {
            List<PackedBlob> dup = duplicates.get(id);
            if (dup != null) {
                List<PackedBlob> out = new ArrayList<>();
                for (PackedBlob b : dup) if (b.type() == t) out.add(b);
                if (!out.isEmpty()) return out;
            }
        } finally {
            lock.readLock().unlock();
        }
        PackedBlob b = lookup(t, id);
        return b == null ? List.of() : List.of(b);
    }

    public boolean has(BlobType t, Id id) {
        lock.readLock().lock();
        try {
            return table(t).find(id) >= 0;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Number of distinct blobs (per type; duplicates not counted). */
    public int size() {
        lock.readLock().lock();
        try {
            return data.size() + trees.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The blobs of one type (first copies), made one by one while iterating: the view holds no
     * entries itself. It sees the blobs present when the iterator was made.
     */
    public Collection<PackedBlob> blobs(BlobType t) {
        BlobTable table = table(t);
        return new AbstractCollection<>() {
            @Override
            public Iterator<PackedBlob> iterator() {
                int n = size();
                return new Iterator<>() {
                    int next = 0;

                    @Override
                    public boolean hasNext() {
                        return next < n;
                    }

                    @Override
                    public PackedBlob next() {
                        if (next >= n) throw new NoSuchElementException();
                        lock.readLock().lock();
                        try {
                            int e = next++;
                            return table.get(e, table.id(e), t, packTable);
                        } finally {
                            lock.readLock().unlock();
                        }
                    }
                };
            }

            @Override
            public int size() {
                lock.readLock().lock();
                try {
                    return table.size();
                } finally {
                    lock.readLock().unlock();
                }
            }
        };
    }

    /**
     * The entry number of a blob in its type's table (0 to {@link #count}−1, in the order the
     * blobs were added; every copy of a blob shares its number), or -1 when the index does not know
     * it: lets a caller keep one bit or byte per blob in a plain array instead of a set of IDs.
     */
    public int number(BlobType t, Id id) {
        lock.readLock().lock();
        try {
            return table(t).find(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The first copy of the blob numbered {@code number} (see {@link #number}).
     *
     * @throws IndexOutOfBoundsException when there is no such entry
     */
    public PackedBlob entry(BlobType t, int number) {
        lock.readLock().lock();
        try {
            BlobTable table = table(t);
            java.util.Objects.checkIndex(number, table.size());
            return table.get(number, table.id(number), t, packTable);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The number of distinct blobs of one type (entry numbers run from 0 to this − 1). */
    public int count(BlobType t) {
        lock.readLock().lock();
        try {
            return table(t).size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Told about each index entry by {@link #forEachEntry}. */
    @FunctionalInterface
    public interface EntryVisitor {
        /** @param number the blob's entry number (see {@link MasterIndex#number}) */
        void entry(PackedBlob blob, int number);
    }

    /**
     * Visits every entry, duplicates included (each copy once), making one {@link PackedBlob} at a
     * time: unlike {@link #allEntries()} it holds no list of the whole index. Blobs added meanwhile
     * may or may not be visited.
     */
    public void forEachEntry(EntryVisitor v) {
        for (BlobType t : new BlobType[] {BlobType.DATA, BlobType.TREE}) {
            BlobTable table = table(t);
            int n = count(t);
            for (int e = 0; e < n; e++) {
                PackedBlob b;
                List<PackedBlob> dup;
                lock.readLock().lock();
                try {
                    Id id = table.id(e);
                    b = table.get(e, id, t, packTable);
                    dup = duplicates.get(id);
                    dup = dup == null ? null : List.copyOf(dup);
                } finally {
                    lock.readLock().unlock();
                }
                if (dup == null) {
                    v.entry(b, e);
                    continue;
                }
                // each distinct location once (two index files may name one copy)
                List<PackedBlob> seen = new ArrayList<>();
                seen.add(b);
                v.entry(b, e);
                for (PackedBlob d : dup) {
                    if (d.type() != t) continue;
                    boolean known = false;
                    for (PackedBlob x : seen) known |= x.pack().equals(d.pack()) && x.offset() == d.offset();
                    if (known) continue;
                    seen.add(d);
                    v.entry(d, e);
                }
            }
        }
    }

    /**
     * {@link #forEachEntry(EntryVisitor)} restricted to the entries in {@code packs}: entries in
     * other packs are skipped before any object is made, so a pass for a few packs is cheap.
     */
    public void forEachEntry(Set<Id> packs, EntryVisitor v) {
        boolean[] wanted;
        lock.readLock().lock();
        try {
            wanted = new boolean[packTable.size()];
            for (Id p : packs) {
                int n = packTable.find(p);
                if (n >= 0) wanted[n] = true;
            }
        } finally {
            lock.readLock().unlock();
        }
        boolean anyDuplicates;
        lock.readLock().lock();
        try {
            anyDuplicates = !duplicates.isEmpty();
        } finally {
            lock.readLock().unlock();
        }
        if (anyDuplicates) {
            // rare: the general walk, filtered (a duplicate's copies may lie in other packs)
            forEachEntry((b, n) -> {
                if (packs.contains(b.pack())) v.entry(b, n);
            });
            return;
        }
        for (BlobType t : new BlobType[] {BlobType.DATA, BlobType.TREE}) {
            BlobTable table = table(t);
            int n = count(t);
            for (int e = 0; e < n; e++) {
                PackedBlob b = null;
                lock.readLock().lock();
                try {
                    int p = table.pack(e);
                    if (p < wanted.length && wanted[p]) b = table.get(e, table.id(e), t, packTable);
                } finally {
                    lock.readLock().unlock();
                }
                if (b != null) v.entry(b, e);
            }
        }
    }

    /** Every blob entry including duplicates. */
    public List<PackedBlob> allEntries() {
        lock.readLock().lock();
        try {
            List<PackedBlob> out = new ArrayList<>(data.size() + trees.size());
            for (BlobType t : new BlobType[] {BlobType.DATA, BlobType.TREE}) {
                BlobTable table = table(t);
                for (int e = 0; e < table.size(); e++) out.add(table.get(e, table.id(e), t, packTable));
            }
            for (List<PackedBlob> dup : duplicates.values()) {
                for (PackedBlob b : dup) {
                    BlobTable table = table(b.type());
                    int e = table.find(b.id());
                    boolean isFirst = e >= 0 && packTable.id(table.pack(e)).equals(b.pack()) && table.offset(e) == b.offset();
                    if (!isFirst) out.add(b);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Pack ID → its blobs, ordered by offset. */
    public Map<Id, List<PackedBlob>> byPack() {
        Map<Id, List<PackedBlob>> out = new HashMap<>();
        for (PackedBlob b : allEntries()) out.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
        for (List<PackedBlob> l : out.values()) l.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return out;
    }

    /** Every pack that holds at least one known blob. */
    public Set<Id> packs() {
        lock.readLock().lock();
        try {
            Set<Id> out = new HashSet<>();
            for (int p = 0; p < packTable.size(); p++) out.add(packTable.id(p));
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- tables

    /** Reads the i-th 8 bytes of a 32-byte ID, big-endian. */
    static long word(byte[] id, int i) {
        long v = 0;
        for (int k = i * 8; k < i * 8 + 8; k++) v = (v << 8) | (id[k] & 0xFF);
        return v;
    }

    /** Spreads an ID's first word over the table's bits; IDs are SHA-256, but hostile ones need not be. */
    static int hash(long w0, long w1) {
        long h = (w0 ^ (w1 * 0x9E3779B97F4A7C15L)) * 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    /**
     * An insert-only open-addressing table of blob locations in primitive arrays. Entries are
     * numbered in insertion order and stored in pages of {@link #PAGE} entries, so growing never
     * copies them (no transient double of the heap); the slot array (an int per slot, load ≤ 3/4)
     * maps a hash to an entry number. Per entry: 32 bytes of ID, 8 of offset, 4 each of pack
     * number, length and uncompressed length, and 5.3–10.7 bytes of slots. Not thread-safe: the
     * {@link MasterIndex} locks around it.
     */
    static final class BlobTable {
        static final int PAGE_BITS = 12;
        static final int PAGE = 1 << PAGE_BITS;
        private static final int MASK = PAGE - 1;

        private long[][] ids = new long[0][]; // 4 words per entry
        private long[][] offsets = new long[0][];
        private int[][] ints = new int[0][]; // pack, length, uncompressed length per entry
        private int[] slots = new int[16]; // entry number + 1; 0 = empty
        private int count;

        int size() {
            return count;
        }

        /** The entry number of this ID, or -1. */
        int find(Id id) {
            byte[] b = id.bytes();
            return find(word(b, 0), word(b, 1), word(b, 2), word(b, 3));
        }

        private int find(long w0, long w1, long w2, long w3) {
            int mask = slots.length - 1;
            for (int s = hash(w0, w1) & mask; ; s = (s + 1) & mask) {
                int e = slots[s] - 1;
                if (e < 0) return -1;
                long[] page = ids[e >>> PAGE_BITS];
                int o = (e & MASK) * 4;
                if (page[o] == w0 && page[o + 1] == w1 && page[o + 2] == w2 && page[o + 3] == w3) return e;
            }
        }

        /** Adds the entry unless the ID is present; returns the present entry's number, or -1 when added. */
        int putIfAbsent(Id id, int pack, long offset, int length, int uncompressedLength) {
            byte[] b = id.bytes();
            return putIfAbsent(word(b, 0), word(b, 1), word(b, 2), word(b, 3), pack, offset, length, uncompressedLength);
        }

        /** {@link #putIfAbsent(Id, int, long, int, int)} of the ID's four words. */
        int putIfAbsent(long w0, long w1, long w2, long w3, int pack, long offset, int length, int uncompressedLength) {
            int present = find(w0, w1, w2, w3);
            if (present >= 0) return present;
            if ((count + 1) * 4L > slots.length * 3L) rehash(slots.length * 2);
            int e = count;
            int page = e >>> PAGE_BITS;
            if (page == ids.length) {
                ids = java.util.Arrays.copyOf(ids, page + 1);
                offsets = java.util.Arrays.copyOf(offsets, page + 1);
                ints = java.util.Arrays.copyOf(ints, page + 1);
                ids[page] = new long[PAGE * 4];
                offsets[page] = new long[PAGE];
                ints[page] = new int[PAGE * 3];
            }
            int o = e & MASK;
            long[] ip = ids[page];
            ip[o * 4] = w0;
            ip[o * 4 + 1] = w1;
            ip[o * 4 + 2] = w2;
            ip[o * 4 + 3] = w3;
            offsets[page][o] = offset;
            int[] np = ints[page];
            np[o * 3] = pack;
            np[o * 3 + 1] = length;
            np[o * 3 + 2] = uncompressedLength;
            count++;
            insertSlot(slots, e, w0, w1);
            return -1;
        }

        private void insertSlot(int[] table, int e, long w0, long w1) {
            int mask = table.length - 1;
            int s = hash(w0, w1) & mask;
            while (table[s] != 0) s = (s + 1) & mask;
            table[s] = e + 1;
        }

        private void rehash(int capacity) {
            int[] fresh = new int[capacity];
            for (int e = 0; e < count; e++) {
                long[] page = ids[e >>> PAGE_BITS];
                int o = (e & MASK) * 4;
                insertSlot(fresh, e, page[o], page[o + 1]);
            }
            slots = fresh;
        }

        int pack(int e) {
            return ints[e >>> PAGE_BITS][(e & MASK) * 3];
        }

        long offset(int e) {
            return offsets[e >>> PAGE_BITS][e & MASK];
        }

        Id id(int e) {
            long[] page = ids[e >>> PAGE_BITS];
            int o = (e & MASK) * 4;
            byte[] b = new byte[Id.LENGTH];
            for (int w = 0; w < 4; w++) {
                long v = page[o + w];
                for (int k = 7; k >= 0; k--) {
                    b[w * 8 + k] = (byte) v;
                    v >>>= 8;
                }
            }
            return Id.of(b);
        }

        /** Entry {@code e} as a value; {@code id} is its ID (passed in so lookups reuse the caller's). */
        PackedBlob get(int e, Id id, BlobType type, PackTable packs) {
            int[] np = ints[e >>> PAGE_BITS];
            int o = (e & MASK) * 3;
            return new PackedBlob(id, type, packs.id(np[o]), offset(e), np[o + 1], np[o + 2]);
        }
    }

    /** Numbers distinct IDs (packs, index files) 0, 1, 2, … in the order met; one Id object each. */
    static final class PackTable {
        private final Map<Id, Integer> numbers = new HashMap<>();
        private final List<Id> ids = new ArrayList<>();

        int number(Id id) {
            Integer n = numbers.get(id);
            if (n != null) return n;
            numbers.put(id, ids.size());
            ids.add(id);
            return ids.size() - 1;
        }

        int find(Id id) {
            Integer n = numbers.get(id);
            return n == null ? -1 : n;
        }

        Id id(int n) {
            return ids.get(n);
        }

        int size() {
            return ids.size();
        }
    }
}
