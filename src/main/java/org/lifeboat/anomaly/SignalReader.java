package org.lifeboat.anomaly;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Crypto;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * Reads the {@link Signals} of a snapshot from its tree and its parent's: folders whose tree IDs
 * are equal are skipped, so the work grows with what changed, not with the snapshot's size (as
 * {@code restic diff}). Sizes of stored data come from the index (a compressed blob's plain and
 * stored lengths), so no data blob is read. A tree that is added or removed whole is counted once
 * per tree ID, so a hostile repository whose trees share subtrees cannot make the count explode.
 */
public final class SignalReader {
    /** A version whose data compressed at least this well (plain / stored) was compressible. */
    static final double COMPRESSIBLE = 1.3;
    /** A version whose data compressed at most this well did not compress: random-looking. */
    static final double INCOMPRESSIBLE = 1.05;
    /** A new version at least this share of which looks random has lost its compressibility (see {@link #lost})... */
    static final double RANDOM_SHARE = 0.4;
    /** ...when it also compresses at most this many times. */
    static final double PARTLY_RANDOM = 2.5;
    /** Files smaller than this (bytes) are left out of the compression signal: too little to judge. */
    static final long MIN_JUDGED = 512;
    /**
     * Files from this size (bytes) are judged for deduplication against their old version: a
     * smaller one is one or two chunks (restic's chunks are 0.5 to 8 MiB, 1 MiB on average), new
     * whenever it changes at all, so its "new data" would say nothing.
     */
    static final long MULTI_CHUNK = 4L << 20;
    /** At most this many chunks of a file are looked up to judge its compression (64 MiB or so). */
    private static final int SAMPLED_CHUNKS = 64;
    /** A walk stops after this many entries (a hostile or unreasonably large change): the rest is not counted. */
    static final long MAX_ENTRIES = 50_000_000;

    private final Repository repo;
    private final boolean compressionKnown;
    private long entries;

    private long added, deleted, modified, renamed, extensionChanged, notes, ransomExt, rewritten, lost;
    private long modifiedBytes, newBytes, sizeDelta;
    private final List<String> examples = new ArrayList<>();
    /**
     * Unpaired files that left a folder (by content, with how many) and that came into one: a file
     * moved to another folder unchanged is then a move, not a deletion and an addition. At most
     * {@link #MAX_PAIRED} of each are kept (a few MB).
     */
    private final Map<Id, Integer> goneContent = new HashMap<>();
    private final List<Id> cameContent = new ArrayList<>();
    static final int MAX_PAIRED = 100_000;
    /** Compressible files that left, random-looking ones that came (see {@link #settle}). */
    private long goneCompressible, cameRandom;
    private String firstRandom;
    /** Folders removed and added whole, by tree ID, until {@link #settle}: the same tree on both sides was moved. */
    private final List<Id> removedWhole = new ArrayList<>();
    private final List<Id> addedWhole = new ArrayList<>();
    /** Wholly added trees, and wholly removed ones, by ID: counted once each (see {@link #whole}). */
    private final Map<Id, Whole> addedTrees = new HashMap<>();
    private final Map<Id, Whole> removedTrees = new HashMap<>();

    private SignalReader(Repository repo) {
        this.repo = repo;
        this.compressionKnown = repo.config().version() >= 2;
    }

    /**
     * The signals of the snapshot whose root tree is {@code tree} against the one whose root is
     * {@code parentTree}.
     *
     * @param parentTree the parent's root tree; null for a first snapshot (everything is added)
     * @param filesAfter regular files in the snapshot, from its summary; -1 when unknown (the tree is
     *     then walked to count them)
     * @param bytesAfter bytes of those files; -1 when unknown
     * @throws IOException when a tree cannot be loaded (missing, damaged), naming it
     */
    public static Signals read(Repository repo, Id parentTree, Id tree, long filesAfter, long bytesAfter) throws IOException {
        SignalReader r = new SignalReader(repo);
        if (parentTree == null) {
            Whole w = r.whole(tree, "", 0, true);
            r.add(w);
            return r.result(0, 0, w.files, w.bytes);
        }
        if (!parentTree.equals(tree)) r.compare(parentTree, tree);
        long files = filesAfter, bytes = bytesAfter;
        if (files < 0 || bytes < 0) {
            Whole w = r.countOnly(tree);
            files = w.files;
            bytes = w.bytes;
        }
        long before = sat(sat(files, neg(r.added)), r.deleted);
        return r.result(Math.max(0, before), Math.max(0, sat(bytes, neg(r.sizeDelta))), files, bytes);
    }

    private Signals result(long filesBefore, long bytesBefore, long filesAfter, long bytesAfter) {
        return new Signals(filesBefore, filesAfter, added, deleted, modified, renamed, extensionChanged, notes, ransomExt,
                rewritten, lost, modifiedBytes, newBytes, bytesBefore, bytesAfter, compressionKnown, examples);
    }

    private record Pair(Id oldTree, Id newTree, String prefix, int depth) {}

    /** Regular files and their bytes in a tree, with what a wholly added tree shows (notes, ransom extensions). */
    /**
     * @param judged for a tree that came: its files that look random (see {@link #looksRandom});
     *     for one that left: its files that compressed
     */
    private record Whole(long files, long bytes, long notes, long ransomExt, long judged) {}

    private void compare(Id oldRoot, Id newRoot) throws IOException {
        Deque<Pair> stack = new ArrayDeque<>();
        stack.push(new Pair(oldRoot, newRoot, "", 0));
        while (!stack.isEmpty()) {
            Pair p = stack.pop();
            if (p.depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(p.prefix, p.depth);
            Map<String, Node> olds = nodes(p.oldTree);
            Map<String, Node> news = nodes(p.newTree);
            List<Node> gone = new ArrayList<>();
            List<Node> came = new ArrayList<>();
            for (Map.Entry<String, Node> e : olds.entrySet()) {
                tick();
                Node o = e.getValue();
                Node n = news.get(e.getKey());
                String path = p.prefix + "/" + e.getKey();
                if (n == null || n.type() != o.type()) {
                    if (o.type() == NodeType.FILE) gone.add(o);
                    else if (o.type() == NodeType.DIR && o.subtree() != null) removedWhole(o.subtree(), path, p.depth + 1);
                    continue;
                }
                if (o.type() == NodeType.DIR) {
                    if (!Objects.equals(o.subtree(), n.subtree())) {
                        if (o.subtree() == null || n.subtree() == null) {
                            if (o.subtree() != null) removedWhole(o.subtree(), path, p.depth + 1);
                            if (n.subtree() != null) addedWhole(n.subtree(), path, p.depth + 1);
                        } else {
                            stack.push(new Pair(o.subtree(), n.subtree(), path, p.depth + 1));
                        }
                    }
                } else if (o.type() == NodeType.FILE && !Objects.equals(o.content(), n.content())) {
                    modified++;
                    sizeDelta += n.size() - o.size();
                    if (o.size() >= MULTI_CHUNK && n.size() >= MULTI_CHUNK) {
                        modifiedBytes += n.size();
                        newBytes += newBytes(o, n);
                    }
                    judge(o, n, path);
                } else if (o.type() == NodeType.FILE) {
                    sizeDelta += n.size() - o.size();
                }
            }
            for (Map.Entry<String, Node> e : news.entrySet()) {
                tick();
                Node n = e.getValue();
                Node o = olds.get(e.getKey());
                if (o != null && o.type() == n.type()) continue;
                String path = p.prefix + "/" + e.getKey();
                if (n.type() == NodeType.FILE) came.add(n);
                else if (n.type() == NodeType.DIR && n.subtree() != null) addedWhole(n.subtree(), path, p.depth + 1);
            }
            pairRenames(p.prefix, gone, came);
        }
        settle();
    }

    /** Folders that left whole and are not yet matched with one that came (see {@link #addedMatching}). */
    private long removedLeft;
    /** How deep inside a new folder a moved one is looked for ({@code archive/2025/q1/dept0}). */
    static final int MOVE_DEPTH = 4;

    /**
     * Counts a folder that came whole: a folder in it (up to {@link #MOVE_DEPTH} levels down) with
     * the tree of one that left is a move; the rest is added.
     */
    private void addedMatching(Id tree, String path, int depth, Map<Id, Integer> removed, int level) throws IOException {
        Integer k = removed.get(tree);
        if (k != null && k > 0) {
            removed.put(tree, k - 1);
            removedLeft--;
            renamed = sat(renamed, countOnly(tree).files);
            return;
        }
        if (removedLeft == 0 || level >= MOVE_DEPTH) {
            add(whole(tree, path, depth, true));
            return;
        }
        if (depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(path, depth);
        for (Node node : nodes(tree).values()) {
            tick();
            String p = path + "/" + node.name();
            if (node.type() == NodeType.FILE) {
                add(new Whole(1, Math.max(0, node.size()), RansomNames.isNote(node.name()) ? 1 : 0,
                        RansomNames.hasRansomExtension(node.name()) ? 1 : 0, looksRandom(node, p) ? 1 : 0));
                if (RansomNames.isNote(node.name()) || RansomNames.hasRansomExtension(node.name())) example(p);
            } else if (node.type() == NodeType.DIR && node.subtree() != null) {
                addedMatching(node.subtree(), p, depth + 1, removed, level + 1);
            }
        }
    }

    private final Map<Id, String> wholePaths = new HashMap<>();
    private final Map<Id, Integer> wholeDepths = new HashMap<>();

    private void removedWhole(Id tree, String path, int depth) {
        removedWhole.add(tree);
        wholePaths.putIfAbsent(tree, path);
        wholeDepths.putIfAbsent(tree, depth);
    }

    private void addedWhole(Id tree, String path, int depth) {
        addedWhole.add(tree);
        wholePaths.putIfAbsent(tree, path);
        wholeDepths.putIfAbsent(tree, depth);
    }

    /**
     * Folders that left one place and came to another with the same tree (moved unchanged, an
     * archive folder) are moves: their files count as renamed. The same for single files moved
     * unchanged between folders (by content). The rest is counted as deleted and added.
     */
    private void settle() throws IOException {
        Map<Id, Integer> removed = new HashMap<>();
        for (Id t : removedWhole) removed.merge(t, 1, Integer::sum);
        removedLeft = removedWhole.size();
        for (Id t : addedWhole) addedMatching(t, wholePaths.get(t), wholeDepths.get(t), removed, 0);
        for (Map.Entry<Id, Integer> e : removed.entrySet()) {
            for (int i = 0; i < e.getValue(); i++) subtract(whole(e.getKey(), wholePaths.get(e.getKey()), wholeDepths.get(e.getKey()), false));
        }
        for (Id key : cameContent) {
            Integer k = goneContent.get(key);
            if (k == null || k == 0) continue;
            goneContent.put(key, k - 1);
            deleted--;
            added--;
            renamed++;
        }
        // Files deleted while others came, anywhere in the tree, under unrelated names: an
        // encryptor that writes each file anew (in place or in a new folder) and deletes the
        // original. As many as there are compressible files gone and random-looking files come
        // count as rewritten files that lost their compressibility.
        long n = Math.min(goneCompressible, cameRandom);
        if (n > 0) {
            rewritten = sat(rewritten, n);
            lost = sat(lost, n);
            example(firstRandom);
        }
    }

    /**
     * Pairs files that left a folder with files that came into it under a related name: the old
     * name with an extension appended ({@code a.docx.locked}) or the same stem with another
     * extension ({@code a.xyz}). Unpaired ones are deleted or added.
     */
    private void pairRenames(String prefix, List<Node> gone, List<Node> came) throws IOException {
        Map<String, Node> goneByName = new HashMap<>();
        Map<String, Node> goneByStem = new HashMap<>();
        for (Node g : gone) {
            goneByName.put(g.name(), g);
            goneByStem.putIfAbsent(RansomNames.stem(g.name()), g);
        }
        Set<Node> paired = new HashSet<>();
        Set<Node> cameNames = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Node c : came) {
            String path = prefix + "/" + c.name();
            Node from = goneByName.get(RansomNames.stem(c.name()));          // a.docx -> a.docx.locked
            if (from == null || paired.contains(from)) from = goneByStem.get(RansomNames.stem(c.name())); // a.docx -> a.xyz
            if (from != null && paired.contains(from)) from = null;
            boolean ransomExtension = RansomNames.hasRansomExtension(c.name());
            if (ransomExtension) {
                ransomExt++;
                example(path);
            }
            if (from == null) {
                added++;
                sizeDelta += c.size();
                cameNames.add(c);
                Id key = contentKey(c);
                if (key != null && cameContent.size() < MAX_PAIRED) cameContent.add(key);
                if (RansomNames.isNote(c.name())) {
                    notes++;
                    example(path);
                }
                continue;
            }
            paired.add(from);
            renamed++;
            sizeDelta += c.size() - from.size();
            // Compressed under a compression format's name (logrotate's app.log.1 -> app.log.1.gz):
            // ordinary, and its content does not compress for that reason. A limit an attacker could
            // use (encrypt and name it .zip); the README says so.
            if (RansomNames.isCompressed(c.name()) && !RansomNames.isCompressed(from.name())) continue;
            if (!Objects.equals(RansomNames.extension(from.name()), RansomNames.extension(c.name()))) extensionChanged++;
            if (!Objects.equals(from.content(), c.content())) judge(from, c, path);
        }
        for (Node g : gone) {
            if (paired.contains(g)) continue;
            deleted++;
            sizeDelta -= g.size();
            if (compressible(g)) goneCompressible++;
            Id key = contentKey(g);
            if (key != null && goneContent.size() < MAX_PAIRED) goneContent.merge(key, 1, Integer::sum);
        }
        for (Node c : came) {
            if (cameNames.contains(c) && looksRandom(c, prefix + "/" + c.name())) cameRandom++;
        }
    }

    /** A file's content as one key (its chunk IDs hashed); null for an empty file. */
    private static Id contentKey(Node n) {
        List<Id> c = n.content();
        if (c == null || c.isEmpty()) return null;
        byte[] all = new byte[32 * c.size()];
        for (int i = 0; i < c.size(); i++) System.arraycopy(c.get(i).bytes(), 0, all, 32 * i, 32);
        return Id.hash(all);
    }

    /** Compares the compressibility of a file's old and new content. */
    private void judge(Node old, Node now, String path) {
        if (!compressionKnown || old.size() < MIN_JUDGED || now.size() < MIN_JUDGED) return;
        double before = ratio(old.content());
        if (before < COMPRESSIBLE) return;
        rewritten++;
        double after = ratio(now.content());
        if (after > 0 && lost(before, after)) {
            lost++;
            example(path);
        }
    }

    /**
     * Whether a new version compressing {@code after} times (plain / stored) has lost the
     * compressibility of its old one ({@code before}): it does not compress at all
     * ({@link #INCOMPRESSIBLE}), or at least {@link #RANDOM_SHARE} of it looks random and it
     * compresses at most {@link #PARTLY_RANDOM} times. The random share {@code f} is what makes
     * the ratios fit if the rest still compresses as before: {@code 1/after = f + (1 - f)/before}.
     * This catches files encrypted in part (the first half of each file, as LockBit and BlackCat
     * do for speed) and ciphertext written as base64 (f ~ 0.65), not a template of empty rows
     * (ratio 50) filled with real data (ratio 3, f ~ 0.3).
     */
    static boolean lost(double before, double after) {
        if (after <= INCOMPRESSIBLE) return true;
        if (after > PARTLY_RANDOM || before <= 1) return false;
        double f = (1 / after - 1 / before) / (1 - 1 / before);
        return f >= RANDOM_SHARE;
    }

    /** Plain bytes per stored byte over a file's first chunks; 0 when none is in the index. */
    private double ratio(List<Id> content) {
        if (content == null) return 0;
        long plain = 0, stored = 0;
        int n = 0;
        for (Id id : content) {
            if (n++ >= SAMPLED_CHUNKS) break;
            PackedBlob pb = repo.findBlob(BlobType.DATA, id).orElse(null);
            if (pb == null || !pb.compressed()) continue;
            plain += pb.plainLength();
            stored += Math.max(1, pb.length() - Crypto.OVERHEAD);
        }
        return stored == 0 ? 0 : (double) plain / stored;
    }

    /** Bytes of the new content in chunks the old content did not have. */
    private long newBytes(Node old, Node now) {
        if (now.content() == null) return 0;
        Set<Id> had = old.content() == null ? Set.of() : new HashSet<>(old.content());
        long bytes = 0;
        for (Id id : now.content()) {
            if (had.contains(id)) continue;
            PackedBlob pb = repo.findBlob(BlobType.DATA, id).orElse(null);
            if (pb != null) bytes += pb.plainLength();
        }
        return Math.min(bytes, now.size());
    }

    private void add(Whole w) {
        added = sat(added, w.files);
        sizeDelta = sat(sizeDelta, w.bytes);
        notes = sat(notes, w.notes);
        ransomExt = sat(ransomExt, w.ransomExt);
        cameRandom = sat(cameRandom, w.judged);
    }

    private void subtract(Whole w) {
        deleted = sat(deleted, w.files);
        sizeDelta = sat(sizeDelta, neg(w.bytes));
        goneCompressible = sat(goneCompressible, w.judged);
    }

    /** A file that left and compressed (a document, not a photo). */
    private boolean compressible(Node n) {
        return compressionKnown && n.size() >= MIN_JUDGED && ratio(n.content()) >= COMPRESSIBLE;
    }

    /**
     * A file that came and looks random: it does not compress and its name is not that of an
     * already compressed format (a photo, a PDF, an archive); the first one is kept as an example.
     */
    private boolean looksRandom(Node n, String path) {
        if (!compressionKnown || n.size() < MIN_JUDGED || RansomNames.isCompressed(n.name())) return false;
        double r = ratio(n.content());
        if (r <= 0 || r > INCOMPRESSIBLE) return false;
        if (firstRandom == null) firstRandom = path;
        return true;
    }

    /**
     * a + b, held at the long's limits: a hostile tree that shares subtrees can name more files
     * than a long counts (2^64 paths in 64 levels), and a count must never wrap to a negative.
     */
    static long neg(long a) {
        return a == Long.MIN_VALUE ? Long.MAX_VALUE : -a;
    }

    static long sat(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    /**
     * Counts a tree's regular files and bytes (and, when {@code came}, notes and ransomware
     * extensions among them), each distinct tree once.
     */
    private Whole whole(Id tree, String path, int depth, boolean came) throws IOException {
        Map<Id, Whole> memo = came ? addedTrees : removedTrees;
        Whole known = memo.get(tree);
        if (known != null) return known;
        if (depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException(path, depth);
        long files = 0, bytes = 0, n = 0, x = 0, j = 0;
        for (Node node : nodes(tree).values()) {
            tick();
            String p = path + "/" + node.name();
            if (node.type() == NodeType.FILE) {
                files++;
                bytes += Math.max(0, node.size());
                if (came && RansomNames.isNote(node.name())) {
                    n++;
                    example(p);
                }
                if (came && RansomNames.hasRansomExtension(node.name())) {
                    x++;
                    example(p);
                }
                if (came ? looksRandom(node, p) : compressible(node)) j++;
            } else if (node.type() == NodeType.DIR && node.subtree() != null) {
                Whole w = whole(node.subtree(), p, depth + 1, came);
                files = sat(files, w.files);
                bytes = sat(bytes, w.bytes);
                n = sat(n, w.notes);
                x = sat(x, w.ransomExt);
                j = sat(j, w.judged);
            }
        }
        Whole w = new Whole(files, bytes, n, x, j);
        memo.put(tree, w);
        return w;
    }

    private final Map<Id, Whole> counted = new HashMap<>();

    private Whole countOnly(Id tree) throws IOException {
        return countOnly(tree, counted, 0);
    }

    private Whole countOnly(Id tree, Map<Id, Whole> memo, int depth) throws IOException {
        Whole known = memo.get(tree);
        if (known != null) return known;
        if (depth > TreeRules.MAX_DEPTH) throw new TreeWalker.TooDeepException("", depth);
        long files = 0, bytes = 0;
        for (Node node : nodes(tree).values()) {
            tick();
            if (node.type() == NodeType.FILE) {
                files++;
                bytes += Math.max(0, node.size());
            } else if (node.type() == NodeType.DIR && node.subtree() != null) {
                Whole w = countOnly(node.subtree(), memo, depth + 1);
                files = sat(files, w.files);
                bytes = sat(bytes, w.bytes);
            }
        }
        Whole w = new Whole(files, bytes, 0, 0, 0);
        memo.put(tree, w);
        return w;
    }

    private Map<String, Node> nodes(Id tree) throws IOException {
        Map<String, Node> m = new TreeMap<>(Tree.NAME_ORDER);
        for (Node n : TreeWalker.load(repo, tree)) m.put(n.name(), n);
        return m;
    }

    private void tick() throws IOException {
        if (++entries > MAX_ENTRIES) {
            throw new RepositoryException("the change between the snapshots has more than " + MAX_ENTRIES
                    + " entries; its signals are not computed");
        }
        if ((entries & 0xfff) == 0 && Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted while comparing snapshots");
        }
    }

    private void example(String path) {
        if (examples.size() < Signals.MAX_EXAMPLES && !examples.contains(path)) examples.add(path);
    }
}
