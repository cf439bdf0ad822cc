package org.lifeboat.repository;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** All known blobs, merged from every index file plus the packs written in this session. */
public final class MasterIndex {
    private final Map<Id, PackedBlob> data = new ConcurrentHashMap<>();
    private final Map<Id, PackedBlob> trees = new ConcurrentHashMap<>();
    /** Blobs stored more than once (restic allows it); the first copy wins for reading. */
    private final Map<Id, List<PackedBlob>> duplicates = new ConcurrentHashMap<>();

    /** Pack → the index file that first named it, to say which index file a bad location came from. */
    private final Map<Id, Id> packSources = new ConcurrentHashMap<>();

    private Map<Id, PackedBlob> map(BlobType t) {
        return t == BlobType.DATA ? data : trees;
    }

    public void add(PackedBlob b) {
        PackedBlob prev = map(b.type()).putIfAbsent(b.id(), b);
        if (prev != null && !(prev.pack().equals(b.pack()) && prev.offset() == b.offset())) {
            duplicates.computeIfAbsent(b.id(), k -> new ArrayList<>(List.of(prev))).add(b);
        }
    }

    /** Adds a blob read from index file {@code indexFile}. */
    public void add(PackedBlob b, Id indexFile) {
        packSources.putIfAbsent(b.pack(), indexFile);
        add(b);
    }

    /** The index file that first named this pack, or null (e.g. a pack written in this session). */
    public Id sourceOf(Id pack) {
        return packSources.get(pack);
    }

    public PackedBlob lookup(BlobType t, Id id) {
        return map(t).get(id);
    }

    /** Every stored copy of a blob (usually one). */
    public List<PackedBlob> lookupAll(BlobType t, Id id) {
        List<PackedBlob> dup = duplicates.get(id);
        if (dup != null) {
            List<PackedBlob> out = new ArrayList<>();
            for (PackedBlob b : dup) if (b.type() == t) out.add(b);
            if (!out.isEmpty()) return out;
        }
        PackedBlob b = lookup(t, id);
        return b == null ? List.of() : List.of(b);
    }

    public boolean has(BlobType t, Id id) {
        return map(t).containsKey(id);
    }

    public int size() {
        return data.size() + trees.size();
    }

    public Collection<PackedBlob> blobs(BlobType t) {
        return map(t).values();
    }

    /** Every blob entry including duplicates. */
    public List<PackedBlob> allEntries() {
        List<PackedBlob> out = new ArrayList<>(size());
        out.addAll(data.values());
        out.addAll(trees.values());
        for (List<PackedBlob> dup : duplicates.values()) {
            for (PackedBlob b : dup) if (!(map(b.type()).get(b.id()) == b)) out.add(b);
        }
        return out;
    }

    /** Pack ID → its blobs, ordered by offset. */
    public Map<Id, List<PackedBlob>> byPack() {
        Map<Id, List<PackedBlob>> out = new HashMap<>();
        for (PackedBlob b : allEntries()) out.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b);
        for (List<PackedBlob> l : out.values()) l.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return out;
    }

    public Set<Id> packs() {
        Set<Id> out = new HashSet<>();
        for (PackedBlob b : allEntries()) out.add(b.pack());
        return out;
    }
}
